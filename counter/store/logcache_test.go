package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// TestHistoryAfterRollback: the decoded log entries the store keeps
// between commits hold committed entries only. A transaction that wrote
// and read a dossier's receipt and was rolled back leaves nothing that a
// later commit, writing another receipt at the same seq, would read in
// its place: the dossier is judged from what is in the log.
func TestHistoryAfterRollback(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 09:00")
	s := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: violations.New()})
	ctx := context.Background()
	_, err := s.Record(ctx, []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-10 08:00"))})
	require.NoError(t, err)

	require.NoError(t, store.RecordRolledBack(s, []counter.Event{received("gone", "D2", "q1-motcua", at("2026-03-10 08:10"))}))
	res, err := s.Record(ctx, []counter.Event{received("r2", "D2", "q2-motcua", at("2026-03-10 08:20"))})
	require.NoError(t, err)
	require.Equal(t, uint64(2), res.Events[0].Seq, "the rolled-back seq is used again")

	c.Set("2026-03-10 09:05")
	slip := counter.Event{ID: "s2", Type: counter.SlipIssued, Dossier: "D2", At: at("2026-03-10 08:25"), Agency: "q2-motcua",
		Number: "S-2", DueAt: at("2026-03-13 17:00")}
	_, err = s.Record(ctx, []counter.Event{slip})
	require.NoError(t, err)
	d, events, _, err := s.FindDossierByCode(ctx, "D2")
	require.NoError(t, err)
	require.Equal(t, "q2-motcua", d.Holder, "judged from the committed receipt")
	require.Equal(t, at("2026-03-10 08:20"), d.ReceivedAt.In(at("2026-03-10 08:20").Location()))
	require.Len(t, events, 2)
	require.Equal(t, "r2", events[0].ID)

	// A third call on D2 reads its history from the store's cache: the same.
	_, err = s.Record(ctx, []counter.Event{{ID: "w2", Type: counter.Withdrawn, Dossier: "D2", At: at("2026-03-10 08:30"),
		Agency: "q2-motcua", Reason: "công dân rút hồ sơ"}})
	require.NoError(t, err)
	d, _, _, err = s.FindDossierByCode(ctx, "D2")
	require.NoError(t, err)
	require.Equal(t, "q2-motcua", d.Holder)
	require.Equal(t, "S-2", d.Slip.Number)
}
