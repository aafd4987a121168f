package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

func shift(id string, typ counter.EventType, agency, desk, official, when string) counter.Event {
	return counter.Event{ID: id, Type: typ, At: at(when), Agency: agency, Desk: desk, Official: official}
}

func desk(t *testing.T, s *store.Store, agency, name string) counter.DeskState {
	t.Helper()
	ds, err := s.Desks()
	require.NoError(t, err)
	for _, d := range ds {
		if d.Agency == agency && d.Desk == name {
			return d
		}
	}
	t.Fatalf("no desk %s/%s", agency, name)
	return counter.DeskState{}
}

func unstaffed(t *testing.T, s *store.Store, agency string) []counter.Violation {
	t.Helper()
	vs, _, err := s.FindViolations(context.Background(), counter.ViolationFilter{Agency: agency, Code: counter.VDeskUnstaffed, Limit: 100})
	require.NoError(t, err)
	return vs
}

// closingOf is the shift_ended the server records at closing time.
func closingOf(agency, desk, when string) counter.Event {
	return counter.Event{ID: store.ClosingIDPrefix + agency + "/" + desk + "/" + at(when).Format("2006-01-02T15:04"),
		Type: counter.ShiftEnded, At: at(when), Agency: agency, Desk: desk}
}

func TestClosingTime(t *testing.T) {
	cal := testConfig().Calendar
	for _, c := range []struct{ start, want string }{
		{"2026-03-10 07:30", "2026-03-10 17:00"}, // Tuesday: the end of the afternoon period
		{"2026-03-10 06:50", "2026-03-10 17:00"},
		{"2026-03-10 12:10", "2026-03-10 17:00"}, // over lunch
		{"2026-03-10 16:59", "2026-03-10 17:00"},
		{"2026-03-10 17:00", "2026-03-11 00:00"}, // begun at or after closing: the day's end
		{"2026-03-10 19:30", "2026-03-11 00:00"},
		{"2026-03-14 08:00", "2026-03-15 00:00"}, // Saturday
	} {
		require.Equal(t, at(c.want), store.ClosingTime(cal, at(c.start)), "shift begun %s", c.start)
	}
}

// TestShiftEndsAtClosingTime: a clerk signs in and never signs out. At
// closing time the sweep ends her shift, dated then, by no official, with
// an id any node or retry computes alike; the night is not charged, and
// the next morning's sign-in within the grace is not either.
func TestShiftEndsAtClosingTime(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	clk.Set("2026-03-10 07:31")
	s := MustOpenStore(t, store.Options{Now: clk.Now, Evaluator: violations.New()})
	_, err := s.Record(ctx, []counter.Event{shift("s1", counter.ShiftStarted, "q2-motcua", "d1", "cb-4", "2026-03-10 07:30")})
	require.NoError(t, err)
	next, err := s.NextDue()
	require.NoError(t, err)
	require.True(t, next.Equal(at("2026-03-10 17:00")), "the sweeper wakes at closing time, not %v", next)

	clk.Set("2026-03-10 16:59")
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	require.True(t, desk(t, s, "q2-motcua", "d1").Open, "open until closing time")

	clk.Set("2026-03-10 17:00")
	n, err := s.SweepUntil(clk.Now())
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	d := desk(t, s, "q2-motcua", "d1")
	require.False(t, d.Open, "closing time ended the shift")
	require.True(t, d.Since.Equal(at("2026-03-10 17:00")), "since %v", d.Since)
	require.Empty(t, d.Official)

	// The same event again (another node, a retry) is a replay.
	want := closingOf("q2-motcua", "d1", "2026-03-10 17:00")
	res, err := s.Record(ctx, []counter.Event{want})
	require.NoError(t, err)
	require.True(t, res.Replayed, "the closing is %s", want.ID)
	require.Empty(t, res.Events[0].Official, "ended by the system, not by a person")
	next, err = s.NextDue()
	require.NoError(t, err)
	require.True(t, next.After(at("2026-03-10 17:00")), "nothing left to close: %v", next)

	// Overnight and the next morning: she signs in at 07:35, within the
	// 15 minutes of grace, and nobody is charged for the night.
	clk.Set("2026-03-11 07:36")
	_, err = s.Record(ctx, []counter.Event{shift("s2", counter.ShiftStarted, "q2-motcua", "d1", "cb-4", "2026-03-11 07:35")})
	require.NoError(t, err)
	clk.Set("2026-03-11 10:00")
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	require.Empty(t, unstaffed(t, s, "q2-motcua"), "no desk_unstaffed for the night or the morning")

	// She signs out at 11:30 and nobody signs in after lunch: that is
	// charged as before, the closing changes nothing there.
	clk.Set("2026-03-11 11:31")
	_, err = s.Record(ctx, []counter.Event{shift("s3", counter.ShiftEnded, "q2-motcua", "d1", "cb-4", "2026-03-11 11:30")})
	require.NoError(t, err)
	clk.Set("2026-03-11 18:00")
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	vs := unstaffed(t, s, "q2-motcua")
	require.Len(t, vs, 1)
	require.Equal(t, "2026-03-11", vs[0].Details["date"])
}

// TestClosingOutsideOfficeHours: a shift begun after closing or on a day
// off ends at the end of its day.
func TestClosingOutsideOfficeHours(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	clk.Set("2026-03-14 08:01") // Saturday
	s := MustOpenStore(t, store.Options{Now: clk.Now, Evaluator: violations.New()})
	_, err := s.Record(ctx, []counter.Event{shift("s1", counter.ShiftStarted, "p1-motcua", "a", "cb-3", "2026-03-14 08:00")})
	require.NoError(t, err)
	clk.Set("2026-03-14 23:59")
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	require.True(t, desk(t, s, "p1-motcua", "a").Open)
	clk.Set("2026-03-15 00:00")
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	d := desk(t, s, "p1-motcua", "a")
	require.False(t, d.Open)
	require.True(t, d.Since.Equal(at("2026-03-15 00:00")), "since %v", d.Since)
}

// TestClosingAfterDowntime: the server is down at closing time. When it
// comes back the next morning its sweeper ends the shift at once, dated
// at closing time; the night is not charged, the morning without anyone
// signed in is (the desk was in fact unstaffed then).
func TestClosingAfterDowntime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(at("2026-03-10 10:00")))
		dir := t.TempDir()
		path := filepath.Join(dir, "motcua.db")
		opts := store.Options{Evaluator: violations.New(), Secret: []byte("0123456789abcdef0123456789abcdef")}
		s, err := store.Open(path, testConfig(), opts)
		require.NoError(t, err)
		ctx := context.Background()
		_, err = s.Record(ctx, []counter.Event{shift("s1", counter.ShiftStarted, "q2-motcua", "d1", "cb-4", "2026-03-10 10:00")})
		require.NoError(t, err)
		require.NoError(t, s.Close()) // down from 10:00 until the next morning

		time.Sleep(time.Until(at("2026-03-11 09:00")))
		s, err = store.Open(path, testConfig(), opts)
		require.NoError(t, err)
		require.True(t, desk(t, s, "q2-motcua", "d1").Open, "still open in the file")
		run, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.Run(run) }()
		synctest.Wait()
		d := desk(t, s, "q2-motcua", "d1")
		require.False(t, d.Open, "the sweeper ended it on start")
		require.True(t, d.Since.Equal(at("2026-03-10 17:00")), "dated at closing time, not %v", d.Since)
		res, err := s.Record(ctx, []counter.Event{closingOf("q2-motcua", "d1", "2026-03-10 17:00")})
		require.NoError(t, err)
		require.True(t, res.Replayed)
		require.True(t, res.Events[0].RecordedAt.Equal(at("2026-03-11 09:00")), "recorded when the server came back, not %v", res.Events[0].RecordedAt)
		vs := unstaffed(t, s, "q2-motcua")
		require.Len(t, vs, 1, "only this morning")
		require.Equal(t, "2026-03-11", vs[0].Details["date"])
		cancel()
		require.NoError(t, <-done)

		rep, err := s.Replay(ctx, dir, nil)
		require.NoError(t, err)
		require.Empty(t, rep.Differences)
		require.NoError(t, s.Close())
	})
}

// TestReplayOfALogWithoutClosings: a log written before shifts ended at
// closing time (sweeps past a closing that recorded nothing) replays as
// it was written: replay re-records the closings the log holds and makes
// none of its own.
func TestReplayOfALogWithoutClosings(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	clk.Set("2026-03-10 07:31")
	s := MustOpenStore(t, store.Options{Now: clk.Now, Evaluator: violations.New()}) // replays in cleanup
	_, err := s.Record(ctx, []counter.Event{shift("s1", counter.ShiftStarted, "q2-motcua", "d1", "cb-4", "2026-03-10 07:30")})
	require.NoError(t, err)
	for _, when := range []string{"2026-03-10 18:00", "2026-03-11 09:00"} {
		clk.Set(when)
		require.NoError(t, store.SweepAsBefore(s, clk.Now()))
	}
	require.True(t, desk(t, s, "q2-motcua", "d1").Open, "as before: open all night")
	// This version's first sweep ends it, dated at that closing time.
	_, err = s.SweepUntil(clk.Now())
	require.NoError(t, err)
	require.False(t, desk(t, s, "q2-motcua", "d1").Open)
}
