package counter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/countertest"
)

// TestTrackOf: a dossier's track reads, at any instant, what the fold of
// its events up to that instant reads (as the scorecards' long way folds
// them), through events at the same instant, a supplement, an apology,
// the result and a transfer after it; before the receipt it reads
// nothing, and its last state is the whole history's.
func TestTrackOf(t *testing.T) {
	cfg := countertest.City()
	ev := func(id string, typ counter.EventType, agency, when string) counter.Event {
		return counter.Event{ID: id, Seq: uint64(len(id)), Type: typ, Dossier: "T1", Agency: agency, At: countertest.At(when)}
	}
	hist := []counter.Event{
		ev("a", counter.Submitted, "q1-motcua", "2026-03-02 07:50"),
		ev("bb", counter.Received, "q1-motcua", "2026-03-02 08:00"),
		ev("ccc", counter.Transferred, "q1-motcua", "2026-03-02 08:00"), // same instant as the receipt
		ev("dddd", counter.SupplementRequested, "q1-tnmt", "2026-03-03 09:00"),
		ev("eeeee", counter.SupplementReceived, "q1-motcua", "2026-03-05 09:00"),
		ev("ffffff", counter.ApologyIssued, "q1-tnmt", "2026-03-09 10:00"),
		ev("ggggggg", counter.DataNote, "q1-tnmt", "2026-03-09 11:00"),
		ev("hhhhhhhh", counter.ResultReady, "q1-tnmt", "2026-03-12 10:00"),
		ev("iiiiiiiii", counter.Transferred, "q1-tnmt", "2026-03-12 15:00"),
		ev("jjjjjjjjjj", counter.Returned, "q1-motcua", "2026-03-13 08:00"),
	}
	hist[1].Procedure, hist[0].Procedure = "1.002", "1.002"
	hist[2].To, hist[8].To = "q1-tnmt", "q1-motcua"
	hist[3].Items = []counter.Item{{Code: "don"}}
	hist[5].NewDueAt = countertest.At("2026-03-16 17:00")
	counter.SortHistory(hist)

	tr := counter.TrackOf(cfg, hist)
	require.Less(t, len(tr), len(hist), "states that read alike are kept once")
	require.Nil(t, tr.At(countertest.At("2026-03-02 07:55").UnixNano()), "before the receipt")
	var instants []time.Time
	for _, e := range hist {
		instants = append(instants, e.At.Add(-time.Nanosecond), e.At, e.At.Add(time.Hour))
	}
	for _, j := range instants {
		var upto []counter.Event
		for _, e := range hist {
			if !e.At.After(j) {
				upto = append(upto, e)
			}
		}
		d := counter.Replay(cfg, upto)
		got := tr.At(j.UnixNano())
		if d == nil || d.ReceivedAt == nil {
			require.Nil(t, got, j)
			continue
		}
		require.NotNil(t, got, j)
		want := counter.StateOf(d)
		st := *got
		st.Since = 0
		require.Equal(t, want, st, j)
		require.LessOrEqual(t, got.Since, j.UnixNano())
	}
	last := tr[len(tr)-1]
	last.Since = 0
	require.Equal(t, counter.StateOf(counter.Replay(cfg, hist)), last)
	require.Equal(t, "q1-motcua", last.Holder, "the result went back to the counter")
}
