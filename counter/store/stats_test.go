package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestStats drives the store's counters through receipts, a late slip
// that withdraws a missing_slip, the deadline sweep and finishes, then
// reopens the database; every step is replayed byte for byte
// (MustOpenStore). A fresh store counts nothing.
func TestStats(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-02 08:00") // a Monday
	ctx := context.Background()
	s := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: violations.New()})
	st, err := s.Stats()
	require.NoError(t, err)
	require.Empty(t, st.Events)
	require.Empty(t, st.Raised)

	record := func(evs ...counter.Event) {
		t.Helper()
		_, err := s.Record(ctx, evs)
		require.NoError(t, err)
	}
	stats := func() store.Stats {
		t.Helper()
		st, err := s.Stats()
		require.NoError(t, err)
		return st
	}
	// D1 (15 days, with a slip due Friday), D2 and D3 without a slip.
	d1 := received("r1", "D1", "q1-motcua", at("2026-03-02 08:00"))
	d1.Slip = &counter.Slip{Number: "01", DueAt: at("2026-03-06 16:00")}
	record(d1, received("r2", "D2", "q1-motcua", at("2026-03-02 08:00")), received("r3", "D3", "p1-motcua", at("2026-03-02 08:00")))
	// A retry counts nothing.
	record(d1)

	c.Set("2026-03-02 08:30")
	_, err = s.SweepUntil(c.Now())
	require.NoError(t, err)
	st = stats()
	require.Equal(t, map[counter.EventType]uint64{counter.Received: 3}, st.Events)
	require.Equal(t, uint64(1), st.Raised[[3]string{"q1-motcua", counter.VMissingSlip, counter.SeverityHigh}])
	require.Equal(t, uint64(1), st.Standing[[2]string{"q1-motcua", counter.VMissingSlip}])
	require.Equal(t, uint64(1), st.Standing[[2]string{"p1-motcua", counter.VMissingSlip}])

	// D2's slip, recorded late but dated five minutes after receipt,
	// withdraws its missing_slip: raised stays, standing drops (and stays
	// listed at 0).
	slip := ev("s2", counter.SlipIssued, "D2", "q1-motcua", "2026-03-02 08:05")
	slip.Number, slip.DueAt = "02", at("2026-03-20 16:00")
	record(slip)
	st = stats()
	require.Equal(t, uint64(1), st.Raised[[3]string{"q1-motcua", counter.VMissingSlip, counter.SeverityHigh}])
	n, listed := st.Standing[[2]string{"q1-motcua", counter.VMissingSlip}]
	require.True(t, listed)
	require.Zero(t, n)
	require.Equal(t, uint64(1), st.Events[counter.SlipIssued])

	// D1 passes its promise: overdue, standing and indexed by its due time.
	c.Set("2026-03-09 09:00")
	_, err = s.SweepUntil(c.Now())
	require.NoError(t, err)
	st = stats()
	require.Equal(t, uint64(1), st.Raised[[3]string{"q1-motcua", counter.VOverdue, counter.SeverityHigh}])
	require.Equal(t, uint64(1), st.Standing[[2]string{"q1-motcua", counter.VOverdue}])
	require.True(t, at("2026-03-06 16:00").Equal(st.OverdueSince["q1-motcua"]), "%v", st.OverdueSince)

	// D1 finishes late (once, though returned after), D2 on time.
	record(ev("f1", counter.ResultReady, "D1", "q1-motcua", "2026-03-09 09:00"))
	record(ev("f2", counter.Returned, "D1", "q1-motcua", "2026-03-09 09:00"),
		ev("f3", counter.ResultReady, "D2", "q1-motcua", "2026-03-09 09:00"))
	st = stats()
	require.Equal(t, map[[2]string]uint64{{"q1-motcua", store.OutcomeLate}: 1, {"q1-motcua", store.OutcomeOnTime}: 1}, st.Finished)
	require.Zero(t, st.Standing[[2]string{"q1-motcua", counter.VOverdue}])
	require.NotContains(t, st.OverdueSince, "q1-motcua")
	require.Equal(t, uint64(2), st.Events[counter.ResultReady])
	require.Equal(t, uint64(1), st.Events[counter.Returned])

	// A desk left unstaffed is charged by the sweep alone.
	c.Set("2026-03-09 09:00")
	record(counter.Event{ID: "sh1", Type: counter.ShiftStarted, At: at("2026-03-09 07:30"), Agency: "q2-motcua", Desk: "d1"},
		counter.Event{ID: "sh2", Type: counter.ShiftEnded, At: at("2026-03-09 08:00"), Agency: "q2-motcua", Desk: "d1"})
	c.Set("2026-03-09 10:00")
	_, err = s.SweepUntil(c.Now())
	require.NoError(t, err)
	st = stats()
	require.Equal(t, uint64(1), st.Raised[[3]string{"q2-motcua", counter.VDeskUnstaffed, counter.SeverityHigh}])
	require.Equal(t, uint64(1), st.Standing[[2]string{"q2-motcua", counter.VDeskUnstaffed}])
	require.Equal(t, uint64(1), st.Events[counter.ShiftStarted])
}

// TestStatsSurviveReopenAndBackfill reopens a database: the counters are
// kept; a database written before the stats bucket existed gets them
// rebuilt from its stored views when opened.
func TestStatsSurviveReopenAndBackfill(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-02 08:00")
	dir := t.TempDir()
	path := filepath.Join(dir, "motcua.db")
	opts := store.Options{Now: c.Now, Evaluator: violations.New(), Secret: []byte("0123456789abcdef0123456789abcdef")}
	s, err := store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	_, err = s.Record(context.Background(), []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-02 08:00")),
		received("r2", "D2", "p1-motcua", at("2026-03-02 08:00"))})
	require.NoError(t, err)
	c.Set("2026-03-20 08:00")
	_, err = s.SweepUntil(c.Now())
	require.NoError(t, err)
	_, err = s.Record(context.Background(), []counter.Event{ev("f1", counter.ResultReady, "D2", "p1-motcua", "2026-03-20 08:00")})
	require.NoError(t, err)
	want, err := s.Stats()
	require.NoError(t, err)
	require.NotEmpty(t, want.Raised)
	require.NotEmpty(t, want.OverdueSince)
	require.NotEmpty(t, want.Finished)
	require.NoError(t, s.Close())

	s, err = store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	got, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, want, got)

	// As if written before the bucket existed.
	require.NoError(t, s.DB().Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("stats")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("stats"))
		return err
	}))
	require.NoError(t, s.Close())
	s, err = store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	defer s.Close()
	got, err = s.Stats()
	require.NoError(t, err)
	require.Equal(t, want, got)
	rep, err := s.Replay(context.Background(), dir, nil)
	require.NoError(t, err)
	require.Empty(t, rep.Differences)
}
