package store_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// randomHistory drives s with the randomized generator of
// TestRandomLoadReplays (late and backdated events, transfers after the
// result, supplements, apologies, complaints, withdrawals) for n accepted
// events, with sweeps in between, and returns the clock's last instant.
func randomHistory(t *testing.T, s *store.Store, clock *simClock, seed uint64, n int) time.Time {
	t.Helper()
	ctx := context.Background()
	g := newGenerator(seed, testConfig(), clock, "s-")
	accepted := 0
	for accepted < n {
		res, err := s.Record(ctx, g.next())
		if err == nil && !res.Replayed {
			accepted += len(res.Events)
		}
		if err != nil && counter.ErrorCode(err) == counter.CodeInternal {
			t.Fatalf("internal error: %v", err)
		}
		if g.n%50 == 0 {
			_, err := s.SweepUntil(clock.Now())
			require.NoError(t, err)
		}
	}
	_, err := s.SweepUntil(clock.Now())
	require.NoError(t, err)
	lateDeliveries(t, s, clock, seed, 25)
	return clock.Now()
}

// lateDeliveries records n random valid dossier histories (as
// TestEventTimeVerdictsIgnoreArrivalOrder makes them) delivered one event
// at a time in order of random arrival delays, sweeping as the clock
// moves: results and transfers arrive after the deadline sweep charged
// the dossier, so breaches are withdrawn and moved; what is refused is
// retried, and at last resent as one batch per dossier.
func lateDeliveries(t *testing.T, s *store.Store, clock *simClock, seed uint64, n int) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	h := &history{r: r, cfg: testConfig()}
	base := clock.Now()
	var all []delivery
	for i := 0; i < n; i++ {
		start := base.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
		evs := h.dossier(fmt.Sprintf("L%d-%02d", seed, i), start)
		first := start.Add(time.Duration(r.IntN(120)) * time.Minute)
		all = append(all, delivery{evs[0], first})
		for _, e := range evs[1:] {
			arr := e.At.Add(time.Duration(r.IntN(72*60)) * time.Minute)
			if arr.Before(first) {
				arr = first.Add(time.Minute)
			}
			all = append(all, delivery{e, arr})
		}
	}
	slices.SortStableFunc(all, func(a, b delivery) int { return a.arrives.Compare(b.arrives) })
	post := func(evs ...counter.Event) error {
		_, err := s.Record(ctx, evs)
		if err != nil && counter.ErrorCode(err) == counter.CodeInternal {
			t.Fatalf("storage failure: %v", err)
		}
		return err
	}
	var backlog []counter.Event
	for _, d := range all {
		if now := clock.Now(); d.arrives.After(now) {
			clock.Advance(d.arrives.Sub(now))
		}
		_, err := s.SweepUntil(clock.Now())
		require.NoError(t, err)
		if post(d.e) != nil {
			backlog = append(backlog, d.e)
			continue
		}
		for i := 0; i < len(backlog); i++ {
			if post(backlog[i]) == nil {
				backlog = slices.Delete(backlog, i, i+1)
				i = -1
			}
		}
	}
	byDossier := map[string][]counter.Event{}
	for _, e := range backlog {
		byDossier[e.Dossier] = append(byDossier[e.Dossier], e)
	}
	for _, evs := range byDossier {
		_ = post(evs...) // some stay refused (a history the later ones no longer fit)
	}
	clock.Advance(time.Hour)
	_, err := s.SweepUntil(clock.Now())
	require.NoError(t, err)
}

// termsHeadAt gives every agency a head change on a day of its own (and the
// city a second one), so that periods split by head term.
func termsHeadAt(cfg *counter.Config) counter.HeadFunc {
	return func(agency string, t time.Time) counter.Head {
		h := fnv.New32a()
		h.Write([]byte(agency))
		change := time.Date(2026, 3, 5+int(h.Sum32()%20), 0, 0, 0, 0, cfg.Calendar.Location)
		name := "Trưởng cũ " + agency
		if !t.Before(change) {
			name = "Trưởng mới " + agency
		}
		if agency == cfg.Root.ID && !t.Before(time.Date(2026, 3, 27, 0, 0, 0, 0, cfg.Calendar.Location)) {
			name = "Chủ tịch thứ ba"
		}
		return counter.Head{Name: name, Title: "Thủ trưởng"}
	}
}

// TestScorecardTracksMatchScan: on a randomized history, the scorecards
// read from the kept tracks and day counts (ScorecardInput) equal those
// computed the long way from the dossiers, their events and the
// violations (ScorecardInputScan), for every agency, for periods long and
// short, judged at a day's end, in the middle of a day (before some events
// of that day) and now, with heads changing mid-period. MustOpenStore then
// checks that replay rebuilds the kept views byte for byte.
func TestScorecardTracksMatchScan(t *testing.T) {
	clock := &simClock{t: at("2026-03-02 07:30")}
	s := MustOpenStore(t, store.Options{Now: clock.Now, Evaluator: violations.New(), NoSync: true})
	ctx := context.Background()
	end := randomHistory(t, s, clock, 11, 2500)
	cfg := testConfig()
	loc := cfg.Calendar.Location
	first := at("2026-02-20 00:00")

	withdrawn, _, err := s.FindViolations(ctx, counter.ViolationFilter{Agency: "tp", Status: counter.StatusWithdrawn, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, withdrawn, "the history withdraws some breaches")

	r := rand.New(rand.NewPCG(5, 6))
	day := func(t time.Time) calendar.Date { return calendar.DateOf(t.In(loc)) }
	instant := func() time.Time {
		return first.Add(time.Duration(r.Int64N(int64(end.Sub(first) + 48*time.Hour))))
	}
	var totals struct{ counted, onTime, overdue, breaches, partialMarks, past, cards int }
	agencies := cfg.Subtree(cfg.Root.ID)
	for q := 0; q < 120; q++ {
		var now time.Time
		switch q % 4 {
		case 0:
			now = end
		case 1:
			now = instant() // mid-day, often before later events
		case 2:
			now = day(instant()).In(loc).AddDate(0, 0, 1).Add(-time.Nanosecond) // a day's end
		default:
			now = end.Add(time.Duration(r.IntN(3)) * 24 * time.Hour)
		}
		from := day(instant())
		var periods []counter.Period
		switch q % 3 {
		case 0:
			periods = []counter.Period{{From: from, To: calendar.DateOf(from.In(loc).AddDate(0, 0, r.IntN(40)))}}
		case 1:
			periods = []counter.Period{{From: day(first), To: day(end.AddDate(0, 0, 3))}}
		default:
			periods = counter.Months(day(now), 3)
		}
		var headAt counter.HeadFunc
		if q%2 == 0 {
			headAt = termsHeadAt(cfg)
		}
		agency := agencies[r.IntN(len(agencies))]
		if q%3 == 0 {
			agency = cfg.Root.ID
		}
		plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: agency, Periods: periods, Now: now, HeadAt: headAt})
		slow, err := s.ScorecardInputScan(ctx, plan)
		require.NoError(t, err)
		fast, err := s.ScorecardInput(ctx, plan)
		require.NoError(t, err)
		want := counter.ComputeScorecards(cfg, plan, slow)
		got := counter.ComputeScorecards(cfg, plan, fast)
		require.Equal(t, want, got, "query %d: %s %+v judged at %v", q, agency, periods, now)
		for _, cards := range got {
			for _, c := range cards {
				totals.cards++
				totals.counted += c.Decision766.Counted
				totals.onTime += c.Decision766.OnTime
				totals.overdue += c.OverdueOpen
				totals.breaches += c.Violations.High + c.Violations.Medium + c.Violations.Low
			}
		}
		totals.partialMarks += len(fast.Violations)
		for _, d := range slow.Dossiers {
			if len(d.Past) > 0 {
				totals.past++
			}
		}
	}
	t.Logf("compared %d cards: %+v", totals.cards, totals)
	// The comparison is not vacuous: every part of a card was exercised.
	require.Positive(t, totals.counted)
	require.Positive(t, totals.onTime)
	require.Less(t, totals.onTime, totals.counted)
	require.Positive(t, totals.overdue)
	require.Positive(t, totals.breaches)
	require.Positive(t, totals.partialMarks, "some judging day was cut short after breaches")
	require.Positive(t, totals.past, "some dossiers changed after a judging instant")
}

// TestScoreViewsBackfill: a database written before score_tracks and
// score_days existed gets them built when opened, the same as the write
// path keeps them, and still replays byte for byte.
func TestScoreViewsBackfill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "motcua.db")
	clock := &simClock{t: at("2026-03-02 07:30")}
	opts := store.Options{Now: clock.Now, Evaluator: violations.New(), NoSync: true, Secret: []byte("0123456789abcdef0123456789abcdef")}
	s, err := store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	randomHistory(t, s, clock, 23, 800)
	names := []string{"score_tracks", "score_days"}
	kept := map[string]map[string]string{}
	require.NoError(t, s.DB().Update(func(tx *bolt.Tx) error {
		for _, name := range names {
			kept[name] = map[string]string{}
			require.NoError(t, tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				kept[name][string(k)] = string(v)
				return nil
			}))
			require.NotEmpty(t, kept[name], name)
			// As a database of the previous build: the buckets are missing.
			require.NoError(t, tx.DeleteBucket([]byte(name)))
		}
		return nil
	}))
	require.NoError(t, s.Close())

	s, err = store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.DB().View(func(tx *bolt.Tx) error {
		for _, name := range names {
			got := map[string]string{}
			require.NoError(t, tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				got[string(k)] = string(v)
				return nil
			}))
			require.Equal(t, kept[name], got, fmt.Sprintf("%s rebuilt on open", name))
		}
		return nil
	}))
	rep, err := s.Replay(context.Background(), dir, nil)
	require.NoError(t, err)
	require.Empty(t, rep.Differences)
}

// TestTrackCodec: a track reads back as stored, whatever its states hold
// (holders other than the agency, instants before and after the state's
// start, an agency the configuration does not know), and a cut or padded
// record is refused, never a panic.
func TestTrackCodec(t *testing.T) {
	base := at("2026-03-02 08:00").UnixNano()
	h := int64(time.Hour)
	tr := counter.ScoreTrack{
		{Since: base, Agency: "q1-motcua", Holder: "q1-motcua", ReceivedAt: base, LegalDueAt: base + 72*h, PromisedDueAt: base + 48*h, DueAt: base + 48*h},
		{Since: base + h, Agency: "q1-motcua", Holder: "q1-tnmt", ReceivedAt: base, LegalDueAt: base + 72*h, PromisedDueAt: base + 48*h, DueAt: base + 48*h},
		{Since: base + 5*h, Agency: "q1-motcua", Holder: "q1-tnmt", ReceivedAt: base, PausedAt: base + 5*h, LegalDueAt: base + 72*h, PromisedDueAt: base + 48*h, DueAt: base + 48*h, Appraisal: 1},
		{Since: base + 90*h, Agency: "q1-motcua", Holder: "q1-tnmt", ReceivedAt: base, FinishedAt: base + 90*h, LegalDueAt: base + 72*h, PromisedDueAt: base + 48*h, DueAt: base + 96*h, Appraisal: 2},
		{Since: base + 91*h, Agency: "q1-motcua", Holder: "gone-unit", ReceivedAt: base, FinishedAt: base + 90*h, Ended: true, Appraisal: 2},
		{Since: base + 92*h, Agency: "q9-unknown", Holder: "gone-unit", ReceivedAt: base},
	}
	b := store.EncodeTrack(tr)
	got, err := store.DecodeTrack(b)
	require.NoError(t, err)
	require.Equal(t, tr, got)
	for i := 0; i < len(b); i++ {
		_, err := store.DecodeTrack(b[:i])
		require.Error(t, err, "cut at %d", i)
	}
	_, err = store.DecodeTrack(append(b, 0))
	require.Error(t, err)
}
