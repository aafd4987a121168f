package counter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/countertest"
)

// ev builds an event of dossier D at s (with Seq n, its arrival).
func ev(n uint64, typ counter.EventType, s, agency string, f ...func(*counter.Event)) counter.Event {
	e := counter.Event{ID: string(typ) + "@" + s, Type: typ, Dossier: "D", At: at(s), Agency: agency, Seq: n}
	if typ == counter.Received {
		e.Procedure, e.Channel = "1.001", counter.ChannelDirect
	}
	for _, g := range f {
		g(&e)
	}
	return e
}

func to(a string) func(*counter.Event) { return func(e *counter.Event) { e.To = a } }
func newDue(s string) func(*counter.Event) {
	return func(e *counter.Event) { e.NewDueAt = at(s); e.Reason = "Chờ xác minh" }
}

// TestAdmit is the acceptance of SPEC.md §10.1, judged with no database:
// new events inserted at their `at` into a stored history.
func TestAdmit(t *testing.T) {
	cfg := countertest.City()
	now := at("2026-03-10 12:00")
	rec := ev(1, counter.Received, "2026-03-02 09:00", "q1-motcua")
	toTNMT := ev(2, counter.Transferred, "2026-03-02 09:30", "q1-motcua", to("q1-tnmt"))
	toQ2 := ev(2, counter.Transferred, "2026-03-02 10:30", "q1-motcua", to("q2-motcua"))
	returned := ev(3, counter.Returned, "2026-03-04 11:00", "q1-motcua")
	tests := []struct {
		name  string
		hist  []counter.Event
		news  []counter.Event
		code  string // "" when accepted
		field string
		bad   int
	}{
		{"the holder acts", []counter.Event{rec, toTNMT},
			[]counter.Event{ev(9, counter.ResultReady, "2026-03-02 10:00", "q1-tnmt")}, "", "", -1},
		{"a former holder cannot act", []counter.Event{rec, toTNMT},
			[]counter.Event{ev(9, counter.ResultReady, "2026-03-02 10:00", "q1-motcua")}, counter.CodeNotHolder, "agency", 0},
		{"a former holder can, dated when it held it", []counter.Event{rec, toTNMT},
			[]counter.Event{ev(9, counter.ApologyIssued, "2026-03-02 09:15", "q1-motcua", newDue("2026-03-20 16:00"))}, "", "", -1},
		{"an ancestor of the holder acts for it", []counter.Event{rec, toTNMT},
			[]counter.Event{ev(9, counter.ResultReady, "2026-03-02 10:00", "q1")}, "", "", -1},
		{"dated before the dossier ended", []counter.Event{rec, returned},
			[]counter.Event{ev(9, counter.ApologyIssued, "2026-03-03 10:00", "q1-motcua", newDue("2026-03-20 16:00"))}, "", "", -1},
		{"dated after the dossier ended", []counter.Event{rec, returned},
			[]counter.Event{ev(9, counter.ApologyIssued, "2026-03-04 11:30", "q1-motcua", newDue("2026-03-20 16:00"))}, counter.CodeDossierClosed, "dossier", 0},
		{"a later recorded event would break", []counter.Event{rec, toQ2},
			[]counter.Event{ev(9, counter.Transferred, "2026-03-02 09:30", "q1-motcua", to("q1-tnmt"))},
			counter.CodeConflictsWithHistory, toQ2.ID, -1},
		{"before the dossier's first event", []counter.Event{rec},
			[]counter.Event{ev(9, counter.SlipIssued, "2026-03-02 08:00", "q1-motcua")}, counter.CodeBeforeCreation, "at", 0},
		{"ties go by arrival: a result at the instant of the transfer comes after it", []counter.Event{rec, toTNMT},
			[]counter.Event{ev(9, counter.ResultReady, "2026-03-02 09:30", "q1-motcua")}, counter.CodeNotHolder, "agency", 0},
		// A backlog: one at a time, the first would break the recorded
		// 10:30 transfer and the second has no holder yet; together they
		// make a valid history.
		{"a backlog judged together", []counter.Event{rec, toQ2}, []counter.Event{
			ev(8, counter.Transferred, "2026-03-02 09:30", "q1-motcua", to("q1-tnmt")),
			ev(9, counter.Transferred, "2026-03-02 10:00", "q1-tnmt", to("q1-motcua")),
		}, "", "", -1},
		{"its first half alone", []counter.Event{rec, toQ2}, []counter.Event{
			ev(8, counter.Transferred, "2026-03-02 09:30", "q1-motcua", to("q1-tnmt")),
		}, counter.CodeConflictsWithHistory, toQ2.ID, -1},
		{"its second half alone", []counter.Event{rec, toQ2}, []counter.Event{
			ev(9, counter.Transferred, "2026-03-02 10:00", "q1-tnmt", to("q1-motcua")),
		}, counter.CodeNotHolder, "agency", 0},
		{"a new dossier must be created first", nil,
			[]counter.Event{ev(9, counter.ResultReady, "2026-03-02 10:00", "q1-motcua")}, counter.CodeDossierNotFound, "dossier", 0},
		{"in the future", []counter.Event{rec},
			[]counter.Event{ev(9, counter.SlipIssued, "2026-03-10 12:06", "q1-motcua", func(e *counter.Event) { e.DueAt = at("2026-03-12 12:00") })},
			counter.CodeEventInFuture, "at", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merged, d, bad, err := counter.Admit(cfg, tt.hist, tt.news, now)
			if tt.code == "" {
				require.NoError(t, err)
				require.Len(t, merged, len(tt.hist)+len(tt.news))
				for i := 1; i < len(merged); i++ {
					require.False(t, merged[i].At.Before(merged[i-1].At), "merged in event-time order")
				}
				require.Equal(t, counter.Replay(cfg, merged).Holder, d.Holder)
				return
			}
			require.Error(t, err)
			var ce *counter.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.code, ce.Code, "%v", err)
			require.Equal(t, tt.field, ce.Field)
			require.Equal(t, tt.bad, bad)
			require.NotEmpty(t, ce.MessageVI)
		})
	}
}

// TestReplayIgnoresArrivalOrder: the state is the fold of the history in
// event time, whatever order the events were recorded in.
func TestReplayIgnoresArrivalOrder(t *testing.T) {
	cfg := countertest.City()
	hist := []counter.Event{
		ev(1, counter.Received, "2026-03-02 09:00", "q1-motcua"),
		ev(5, counter.Transferred, "2026-03-02 09:30", "q1-motcua", to("q1-tnmt")),
		ev(3, counter.ResultReady, "2026-03-03 10:00", "q1-tnmt"),
		ev(2, counter.ApologyIssued, "2026-03-02 15:00", "q1-tnmt", newDue("2026-03-25 16:00")),
	}
	sorted := append([]counter.Event(nil), hist...)
	counter.SortHistory(sorted)
	require.Equal(t, []uint64{1, 5, 2, 3}, []uint64{sorted[0].Seq, sorted[1].Seq, sorted[2].Seq, sorted[3].Seq})
	d := counter.Replay(cfg, sorted)
	require.Equal(t, "q1-tnmt", d.Holder)
	require.Equal(t, at("2026-03-03 10:00"), d.FinishedAt.In(countertest.Zone))
	require.Equal(t, 1, d.Reschedules)
	require.True(t, d.UpdatedAt.Equal(at("2026-03-03 10:00")))
	require.Equal(t, uint64(5), d.LastSeq)
	require.Equal(t, 4, d.EventCount)
	_ = time.Second
}
