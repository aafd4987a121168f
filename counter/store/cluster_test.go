package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

// clusterLog is a replicated log as cluster nodes see it: a randomized
// stream of Record calls from three nodes whose clocks disagree by up to
// two seconds, some retried, some refused, some with a writer scope, and
// sweep instants proposed in between.
func clusterLog(t *testing.T, n int) []store.LogEntry {
	t.Helper()
	clock := &simClock{t: at("2026-03-02 07:30")}
	g := newGenerator(7, testConfig(), clock, "c-")
	r := rand.New(rand.NewPCG(1, 2))
	var log []store.LogEntry
	var last []counter.Event
	for len(log) < n {
		seq := uint64(len(log) + 1)
		skew := time.Duration(r.IntN(4000)-2000) * time.Millisecond
		if r.IntN(12) == 0 {
			log = append(log, store.LogEntry{Seq: seq, At: clock.Now().Add(skew), Sweep: true})
			continue
		}
		batch := g.next()
		if r.IntN(15) == 0 && last != nil {
			batch = last
		}
		last = batch
		e := store.LogEntry{Seq: seq, At: g.now.Add(skew), Events: batch}
		if r.IntN(10) == 0 {
			// A counter's desk token: refused wherever the counter does not
			// hold the dossier.
			e.Writer = &counter.Writer{Agency: "q1-motcua", Role: "desk"}
		}
		log = append(log, e)
	}
	return log
}

func applyChunked(t *testing.T, s *store.Store, log []store.LogEntry, r *rand.Rand) []store.Applied {
	t.Helper()
	var out []store.Applied
	for len(log) > 0 {
		k := 1 + r.IntN(min(len(log), 40))
		got, err := s.ApplyLog(log[:k])
		require.NoError(t, err)
		require.Len(t, got, k)
		out = append(out, got...)
		log = log[k:]
	}
	return out
}

// TestApplyLogGivesIdenticalViews applies one log to two views in
// different groupings (as two nodes would, one catching up in large
// batches, the other live): the outcomes of every call, and the views
// bucket by bucket, are equal; each view replays to itself.
func TestApplyLogGivesIdenticalViews(t *testing.T) {
	log := clusterLog(t, 1500)
	a := MustOpenStore(t, store.Options{Evaluator: violations.New()})
	b := MustOpenStore(t, store.Options{Evaluator: violations.New()})

	oa := applyChunked(t, a, log, rand.New(rand.NewPCG(3, 4)))
	ob := make([]store.Applied, 0, len(log))
	for i := range log {
		got, err := b.ApplyLog(log[i : i+1])
		require.NoError(t, err)
		ob = append(ob, got...)
	}
	accepted, refused, sweeps := 0, 0, 0
	for i := range log {
		require.Equal(t, log[i].Seq, oa[i].Seq)
		require.Equal(t, fmt.Sprint(oa[i].Err), fmt.Sprint(ob[i].Err), "entry %d", i+1)
		switch {
		case log[i].Sweep:
			sweeps++
		case oa[i].Err != nil:
			refused++
			require.Nil(t, oa[i].Res)
		default:
			accepted++
			require.Equal(t, len(oa[i].Res.Events), len(ob[i].Res.Events))
			for j := range oa[i].Res.Events {
				require.Equal(t, oa[i].Res.Events[j].Seq, ob[i].Res.Events[j].Seq)
			}
		}
	}
	require.Greater(t, refused, 0, "some calls are refused")
	require.Greater(t, accepted, refused)

	diffs, err := store.CompareViews(a, b)
	require.NoError(t, err)
	require.Empty(t, diffs, "views at the same log position differ")
	applied, err := b.AppliedSeq()
	require.NoError(t, err)
	require.Equal(t, uint64(len(log)), applied)

	vs, _, err := a.FindViolations(context.Background(), counter.ViolationFilter{Agency: "tp", Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, vs, "sweeps in the log raise verdicts")
	t.Logf("%d calls accepted, %d refused, %d sweeps", accepted, refused, sweeps)
}

// TestApplyLogClockNeverGoesBack: a call proposed with a clock earlier than
// the view's last instant is judged at that instant, so a late node's
// clock cannot withdraw what a sweep already decided, and the recorded time
// is the instant judged at (replay reproduces it).
func TestApplyLogClockNeverGoesBack(t *testing.T) {
	s := MustOpenStore(t, store.Options{Evaluator: violations.New()})
	rcv := received("r1", "D1", "q1-motcua", at("2026-03-10 08:15"))
	_, err := s.ApplyLog([]store.LogEntry{
		{Seq: 1, At: at("2026-03-10 09:00"), Events: []counter.Event{rcv}},
		{Seq: 2, At: at("2026-04-30 10:00"), Sweep: true}, // past the dossier's deadline
		{Seq: 3, At: at("2026-03-10 09:30"), Events: []counter.Event{ev("x", counter.ResultReady, "D1", "q1-motcua", "2026-03-10 09:20")}},
	})
	require.NoError(t, err)
	_, events, vs, err := s.FindDossierByCode(context.Background(), "D1")
	require.NoError(t, err)
	require.NotEmpty(t, vs, "the sweep found the deadline passed")
	require.Len(t, events, 2)
	require.True(t, events[0].RecordedAt.Equal(at("2026-03-10 09:00")))
	require.True(t, events[1].RecordedAt.Equal(at("2026-04-30 10:00")), "judged at the sweep's instant, not the earlier clock: %v", events[1].RecordedAt)
}

// TestApplyLogRefusesGapsAndForeignViews: entries must follow the applied
// position, and a database recorded outside the log is no view.
func TestApplyLogRefusesGapsAndForeignViews(t *testing.T) {
	s := MustOpenStore(t, store.Options{})
	rcv := received("r1", "D1", "q1-motcua", at("2026-03-10 08:15"))
	_, err := s.ApplyLog([]store.LogEntry{{Seq: 2, At: at("2026-03-10 09:00"), Events: []counter.Event{rcv}}})
	require.ErrorContains(t, err, "does not follow")
	_, err = s.ApplyLog([]store.LogEntry{{Seq: 2, At: at("2026-03-10 09:00"), Sweep: true}})
	require.ErrorContains(t, err, "does not follow")
	seq, err := s.AppliedSeq()
	require.NoError(t, err)
	require.Zero(t, seq)

	c := &clock{}
	c.Set("2026-03-10 12:00")
	single := MustOpenStore(t, store.Options{Now: c.Now})
	_, err = single.Record(context.Background(), []counter.Event{rcv})
	require.NoError(t, err)
	_, err = single.AppliedSeq()
	require.ErrorIs(t, err, store.ErrNotClusterView)
}

// TestPrepareEventsHashesIDNumbers: the id number never enters the log,
// and the call applied with the hash stores what a single node stores.
func TestPrepareEventsHashesIDNumbers(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	single := MustOpenStore(t, store.Options{Now: c.Now})
	view := MustOpenStore(t, store.Options{})
	rcv := received("r1", "D1", "q1-motcua", at("2026-03-10 08:15"))
	rcv.Applicant = &counter.Applicant{Name: "Lê Thị B", IDNumber: "079123456789"}
	prepared := view.PrepareEvents([]counter.Event{rcv})
	require.Empty(t, prepared[0].Applicant.IDNumber)
	require.NotEmpty(t, prepared[0].Applicant.IDHash)
	require.Equal(t, "079123456789", rcv.Applicant.IDNumber, "the caller's events are not changed")

	want, err := single.Record(context.Background(), []counter.Event{rcv})
	require.NoError(t, err)
	got, err := view.ApplyLog([]store.LogEntry{{Seq: 1, At: c.Now(), Events: prepared}})
	require.NoError(t, err)
	require.NoError(t, got[0].Err)
	require.Equal(t, want.Events[0].Applicant, got[0].Res.Events[0].Applicant)
	require.Equal(t, want.Events[0].Hash, got[0].Res.Events[0].Hash)
}

// TestBindView: a view is bound to one log, a node's or a roll-up's, and
// refuses another; a single node's database is no view.
func TestBindView(t *testing.T) {
	s := MustOpenStore(t, store.Options{Evaluator: violations.New()})
	v, err := s.View()
	require.NoError(t, err)
	require.False(t, v.IsView())
	require.NoError(t, s.BindView("HCM", false))
	require.NoError(t, s.BindView("HCM", false), "binding again to the same log")
	v, err = s.View()
	require.NoError(t, err)
	require.Equal(t, store.ViewInfo{Stream: "HCM"}, v)
	require.True(t, v.IsView())
	require.ErrorContains(t, s.BindView("DNA", false), "follows the log HCM")
	require.ErrorContains(t, s.BindView("HCM", true), "not a roll-up's")

	r := MustOpenStore(t, store.Options{Evaluator: violations.New()})
	require.NoError(t, r.BindView("ROLLUP", true))
	v, err = r.View()
	require.NoError(t, err)
	require.Equal(t, store.ViewInfo{Stream: "ROLLUP", Rollup: true}, v)
	require.ErrorContains(t, r.BindView("ROLLUP", false), "a roll-up's view")

	// A view that applied entries before views were named is a node's.
	old := MustOpenStore(t, store.Options{Evaluator: violations.New()})
	_, err = old.ApplyLog(clusterLog(t, 3))
	require.NoError(t, err)
	v, err = old.View()
	require.NoError(t, err)
	require.True(t, v.IsView())
	require.ErrorContains(t, old.BindView("ROLLUP", true), "a cluster node's view")
	require.NoError(t, old.BindView("MOTCUA", false))
}
