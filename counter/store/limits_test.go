package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// TestImplausibleInstantsInOldDatabase writes what versions before
// plausible_range accepted (issue 10, case 3): a dossier received at the
// Unix epoch, one before 1970, slips due in 2300 and on 9999-12-31. Opened
// again with the shipped rules, the database loads, every listing, view,
// roll-up and sweep that reaches that data answers without error or panic,
// further events on those dossiers get an answer (stored or refused with a
// code), and the same input sent anew is refused naming the field.
func TestImplausibleInstantsInOldDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := at("2026-03-11 15:00")
	opts := store.Options{Now: func() time.Time { return now }, Evaluator: violations.New(), Secret: secret, NoSync: true}

	old := testConfig()
	old.Rules.PlausibleRange = counter.DateRange{} // as before: no range
	s, err := store.Open(path, old, opts)
	require.NoError(t, err)
	epoch := time.Unix(0, 0).UTC()
	plus7 := time.FixedZone("", 7*3600) // as decoded from JSON; hcm itself is +07:06:40 before 1906
	withSlip := func(id, code string, due time.Time) counter.Event {
		e := received(id, code, "q1-motcua", at("2026-03-10 08:00"))
		e.Slip = &counter.Slip{Number: "01/" + id, DueAt: due}
		return e
	}
	sent := []counter.Event{
		received("e-epoch", "D-EPOCH", "q1-motcua", epoch),
		received("e-1900", "D-1900", "p1-motcua", time.Date(1900, 1, 1, 8, 0, 0, 0, plus7)),
		withSlip("e-2300", "D-2300", time.Date(2300, 1, 1, 8, 0, 0, 0, hcm)),
		withSlip("e-9999", "D-9999", time.Date(9999, 12, 31, 23, 0, 0, 0, hcm)),
		received("e-ok", "D-OK", "q1-motcua", at("2026-03-10 09:00")),
	}
	for _, e := range sent {
		_, err := s.Record(ctx, []counter.Event{e})
		require.NoError(t, err, "the old rules stored %s", e.ID)
	}
	require.NoError(t, s.Close())

	s, err = store.Open(path, testConfig(), opts)
	require.NoError(t, err, "a database holding implausible instants opens")
	defer s.Close()

	for _, agency := range testConfig().Subtree("tp") {
		var codes []string
		cursor := ""
		for {
			ds, next, err := s.FindDossiers(ctx, counter.DossierFilter{Agency: agency, Limit: 2, Cursor: cursor})
			require.NoError(t, err, "listing %s", agency)
			for _, d := range ds {
				codes = append(codes, d.Code)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if agency == "tp" {
			require.ElementsMatch(t, []string{"D-EPOCH", "D-1900", "D-2300", "D-9999", "D-OK"}, codes)
		}
		_, _, err := s.FindViolations(ctx, counter.ViolationFilter{Agency: agency})
		require.NoError(t, err, "violations of %s", agency)
		_, err = s.Rollup(ctx, agency, at("2026-01-01 00:00"), now)
		require.NoError(t, err, "roll-up of %s", agency)
	}
	for _, e := range sent {
		d, events, _, err := s.FindDossierByCode(ctx, e.Dossier)
		require.NoError(t, err, "dossier %s", e.Dossier)
		require.NotNil(t, d)
		var got *counter.Event
		for i := range events {
			if events[i].ID == e.ID {
				got = &events[i]
			}
		}
		require.NotNil(t, got, "event %s listed", e.ID)
		require.True(t, got.At.Equal(e.At), "the log keeps %s's at exactly: %s, sent %s", e.ID, got.At, e.At)
		if e.Slip != nil {
			require.True(t, got.Slip.DueAt.Equal(e.Slip.DueAt), "the log keeps %s's slip exactly", e.ID)
		}
	}
	d, _, _, err := s.FindDossierByCode(ctx, "D-EPOCH")
	require.NoError(t, err)
	require.True(t, d.CreatedAt.Equal(epoch), "created_at reads back as the epoch, not as none: %s", d.CreatedAt)

	_, err = s.SweepUntil(now.Add(48 * time.Hour))
	require.NoError(t, err, "the deadline sweep passes over them")
	v, err := s.Verify()
	require.NoError(t, err)
	require.True(t, v.OK)

	// Later, plausible events on those dossiers are answered: stored, or
	// refused with a code; never a storage failure.
	for i, code := range []string{"D-EPOCH", "D-1900", "D-2300", "D-9999"} {
		e := counter.Event{ID: "later-" + code, Type: counter.ResultReady, Dossier: code, At: now.Add(-time.Duration(i) * time.Minute), Agency: "q1-motcua"}
		if code == "D-1900" {
			e.Agency = "p1-motcua"
		}
		_, err := s.Record(ctx, []counter.Event{e})
		var ce *counter.Error
		require.True(t, err == nil || errors.As(err, &ce), "later event on %s: %v", code, err)
	}

	// The same attacks sent now are refused, naming the field, and store nothing.
	before, err := s.Verify()
	require.NoError(t, err)
	for _, tc := range []struct {
		e     counter.Event
		field string
	}{
		{received("n-epoch", "N-EPOCH", "q1-motcua", epoch), "at"},
		{received("n-1900", "N-1900", "q1-motcua", time.Date(1900, 1, 1, 8, 0, 0, 0, plus7)), "at"},
		{withSlip("n-2300", "N-2300", time.Date(2300, 1, 1, 8, 0, 0, 0, hcm)), "slip.due_at"},
		{withSlip("n-9999", "N-9999", time.Date(9999, 12, 31, 23, 0, 0, 0, hcm)), "slip.due_at"},
		{received("n-24", "N-24", "q1-motcua", time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", 24*3600))), "at"},
	} {
		_, err := s.Record(ctx, []counter.Event{tc.e})
		var ce *counter.Error
		require.ErrorAs(t, err, &ce, "%s is refused", tc.e.ID)
		require.Equal(t, counter.CodeOutOfRange, ce.Code, "%s: %v", tc.e.ID, err)
		require.Equal(t, tc.field, ce.Field, "%s: %v", tc.e.ID, err)
	}
	after, err := s.Verify()
	require.NoError(t, err)
	require.Equal(t, before.Events, after.Events, "refusals store nothing")

	// Replaying the log judges what it holds as it was accepted: the input
	// limits of today do not refuse what an older version stored, and
	// every derived view comes back byte for byte.
	rep, err := s.Replay(ctx, t.TempDir(), nil)
	require.NoError(t, err, "the log replays")
	require.Empty(t, rep.Differences, "replay rebuilds the views exactly")
	require.Equal(t, after.Events, rep.Events)
}

// TestImportedIsTheStoresToSay: a client cannot mark its own event
// imported to escape backdated_entry; a store opened for import marks
// every event it records, and the mark survives a replay of the log.
func TestImportedIsTheStoresToSay(t *testing.T) {
	ctx := context.Background()
	now := at("2026-03-31 15:00")
	opts := store.Options{Now: func() time.Time { return now }, Evaluator: violations.New(), Secret: []byte("0123456789abcdef0123456789abcdef"), NoSync: true}
	codes := func(s *store.Store, code string) []string {
		_, _, vs, err := s.FindDossierByCode(ctx, code)
		require.NoError(t, err)
		var out []string
		for _, v := range vs {
			out = append(out, v.Code)
		}
		return out
	}

	live, err := store.Open(filepath.Join(t.TempDir(), "live.db"), testConfig(), opts)
	require.NoError(t, err)
	defer live.Close()
	e := received("im-1", "IM-1", "q1-motcua", at("2026-03-02 08:00"))
	e.Imported = true
	_, err = live.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	require.Contains(t, codes(live, "IM-1"), counter.VBackdatedEntry, "a client's own claim is ignored")
	_, evs, _, err := live.FindDossierByCode(ctx, "IM-1")
	require.NoError(t, err)
	require.False(t, evs[0].Imported)

	path := filepath.Join(t.TempDir(), "import.db")
	opts.Import = true
	imp, err := store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	e.Imported = false
	_, err = imp.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	require.NotContains(t, codes(imp, "IM-1"), counter.VBackdatedEntry)
	require.NoError(t, imp.Close())

	opts.Import = false
	again, err := store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	defer again.Close()
	rep, err := again.Replay(ctx, t.TempDir(), nil)
	require.NoError(t, err)
	require.Empty(t, rep.Differences, "the log keeps the mark: replay judges it the same")
}
