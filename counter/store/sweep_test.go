package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

// overdueOnly is a one-rule evaluator, so that these tests exercise the
// store's sweep and merge, not the rules.
type overdueOnly struct{}

func (overdueOnly) EvaluateDossier(cfg *counter.Config, d *counter.Dossier, _ []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	if d.DueAt == nil || d.Paused() {
		return nil, time.Time{}
	}
	due := *d.DueAt
	finished := d.FinishedAt != nil
	if finished && !d.FinishedAt.After(due) || !finished && !now.After(due) {
		if finished {
			return nil, time.Time{}
		}
		return nil, due.Add(time.Nanosecond)
	}
	status := counter.StatusOpen
	if finished {
		status = counter.StatusResolved
	}
	return []counter.Violation{{ID: d.Code + "/overdue", Code: counter.VOverdue, Severity: counter.SeverityHigh,
		Status: status, Dossier: d.Code, Agency: d.Holder, Head: cfg.HeadOf(d.Holder), OccurredAt: due,
		DetectedAt: now, Basis: "Art. 19(9)"}}, time.Time{}
}

func (overdueOnly) EvaluateDesk(*counter.Config, counter.DeskState, []counter.Event, time.Time) ([]counter.Violation, time.Time) {
	return nil, time.Time{}
}

type recorder struct {
	mu      sync.Mutex
	changes []counter.Change
}

func (r *recorder) Publish(c counter.Change) {
	r.mu.Lock()
	r.changes = append(r.changes, c)
	r.mu.Unlock()
}
func (r *recorder) violations() []counter.Violation {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []counter.Violation
	for _, c := range r.changes {
		out = append(out, c.Violations...)
	}
	return out
}

// TestSweeperRaisesAtTheDeadline runs the sweeper on a fake clock: it must
// sleep until the due time, raise the breach then (not before), and publish
// it, without anyone writing in between.
func TestSweeperRaisesAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts at 2000-01-01 UTC; move it to the case.
		time.Sleep(time.Until(at("2026-03-10 08:00")))
		pub := &recorder{}
		s := MustOpenStore(t, store.Options{Evaluator: overdueOnly{}, Publisher: pub})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		defer cancel()

		e := received("r1", "D1", "q1-motcua", at("2026-03-10 08:00"))
		e.Procedure = "1.002" // 3 working days: due Fri 13/03 23:59:59
		_, err := s.Record(ctx, []counter.Event{e})
		require.NoError(t, err)

		time.Sleep(time.Until(at("2026-03-13 23:59")))
		synctest.Wait()
		require.Empty(t, pub.violations(), "nothing is overdue before the deadline")

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		vs := pub.violations()
		require.Len(t, vs, 1)
		require.Equal(t, counter.VOverdue, vs[0].Code)
		require.True(t, vs[0].OccurredAt.Equal(time.Date(2026, 3, 13, 23, 59, 59, 0, hcm)))
		require.Less(t, vs[0].DetectedAt.Sub(vs[0].OccurredAt), time.Second, "detected within a second of the deadline")

		node, err := s.Rollup(ctx, "tp", time.Time{}, time.Time{})
		require.NoError(t, err)
		require.Equal(t, 1, node.Total[counter.VOverdue])
		require.Equal(t, 1, node.OverdueOpen)
		require.Equal(t, 1, node.Children[0].Children[0].Direct[counter.VOverdue], "charged to the counter holding it")

		// Finishing late resolves it; the count stays, the open count drops.
		time.Sleep(time.Until(at("2026-03-16 09:00")))
		_, err = s.Record(ctx, []counter.Event{ev("rr", counter.ResultReady, "D1", "q1-motcua", "2026-03-16 09:00")})
		require.NoError(t, err)
		node, err = s.Rollup(ctx, "tp", time.Time{}, time.Time{})
		require.NoError(t, err)
		require.Equal(t, 1, node.Total[counter.VOverdue])
		require.Equal(t, 0, node.OverdueOpen)
		require.Equal(t, 1, node.Finished)
		require.Equal(t, 0, node.OnTime)

		cancel()
		require.NoError(t, <-done)
	})
}

// TestPastEventsAreJudgedByTheirOwnTimes: an integration catching up posts
// a dossier received a month ago; it is overdue at once.
func TestPastEventsAreJudgedByTheirOwnTimes(t *testing.T) {
	c := &clock{}
	c.Set("2026-04-20 10:00")
	s := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: overdueOnly{}})
	e := received("r1", "D1", "q1-motcua", at("2026-03-10 08:00"))
	e.Procedure = "1.002"
	res, err := s.Record(context.Background(), []counter.Event{e})
	require.NoError(t, err)
	require.Len(t, res.Violations, 1)
	require.Equal(t, counter.ClockOverdue, res.Dossiers[0].Clock.State)

	vs, _, err := s.FindViolations(context.Background(), counter.ViolationFilter{Agency: "q1"})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	vs, _, err = s.FindViolations(context.Background(), counter.ViolationFilter{Agency: "q2"})
	require.NoError(t, err)
	require.Empty(t, vs, "another district sees nothing")
	vs, _, err = s.FindViolations(context.Background(), counter.ViolationFilter{Agency: "tp", From: at("2026-03-14 00:00")})
	require.NoError(t, err)
	require.Empty(t, vs, "from filters on occurred_at")

	node, err := s.Rollup(context.Background(), "tp", at("2026-03-13 00:00"), at("2026-03-13 23:00"))
	require.NoError(t, err)
	require.Equal(t, 1, node.Total[counter.VOverdue])
	node, err = s.Rollup(context.Background(), "tp", at("2026-03-14 00:00"), at("2026-04-20 23:00"))
	require.NoError(t, err)
	require.Equal(t, 0, node.Total[counter.VOverdue], "the breach occurred on 13/03")
}

// TestSweeperBacksOffWhenSweepsFail: a sweep that keeps failing (a full or
// failing disk) is retried after a growing pause, not in a hot loop, and
// the failures are counted; once it succeeds the due verdict is raised.
func TestSweeperBacksOffWhenSweepsFail(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-02 09:00")
	var mu sync.Mutex
	failing := true
	st := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: violations.New()})
	store.SetSweepFault(st, func() error {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return errors.New("disk full")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	time.Sleep(1500 * time.Millisecond)
	n := st.SweepFailures()
	require.GreaterOrEqual(t, n, uint64(2), "failures are counted")
	require.LessOrEqual(t, n, uint64(6), "100 ms, 200, 400, 800 ms: a back-off, not a hot loop (%d tries in 1.5 s)", n)
	mu.Lock()
	failing = false
	mu.Unlock()
	cancel()
	require.NoError(t, <-done)
	_, err := st.SweepUntil(c.Now())
	require.NoError(t, err, "sweeps work again once the fault clears")
}
