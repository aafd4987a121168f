package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// TestEncodeNumbered: a log entry built from the event's encoding made
// before the writer numbered it is byte for byte the one encoding the
// numbered event gives, with the same hash, whatever the event holds:
// no official, no dossier, text that looks like JSON members, escapes,
// the first entry (no prev_hash) and later ones.
func TestEncodeNumbered(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	at := time.Date(2026, 3, 10, 8, 15, 0, 123456789, hcm)
	texts := []string{"", "cb-001", `"official":"x","seq":9`, "Lê Thị <Hoa> & \u2028 \\ \"", "}", "a,b"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return texts[rng.IntN(len(texts))] }
	var events []counter.Event
	for i := range 300 {
		e := counter.Event{ID: fmt.Sprintf("e%d%s", i, pick()), Type: counter.Received, Dossier: pick(), At: at.Add(time.Duration(i) * time.Millisecond),
			Agency: pick(), Official: pick(), Procedure: pick(), Channel: pick(), Imported: i%3 == 0, Reason: pick(), Desk: pick()}
		if i%2 == 0 {
			e.Applicant = &counter.Applicant{Name: pick(), Phone: pick()}
			e.Documents = []counter.Item{{Code: pick(), Name: pick()}}
			e.Slip = &counter.Slip{Number: pick(), DueAt: at.Add(72 * time.Hour)}
		}
		if i%5 == 0 {
			e.Type, e.Items, e.NewDueAt = counter.SupplementRequested, []counter.Item{{Code: pick()}}, at.Add(time.Hour).UTC()
		}
		events = append(events, e)
	}
	for i, e := range events {
		body, ok := encodeBody(&e)
		require.True(t, ok, "event %d", i)
		numbered := e
		numbered.Seq = uint64(i*7919 + 1)
		numbered.RecordedAt = at.Add(time.Duration(i) * time.Second).In([]*time.Location{hcm, time.UTC, time.FixedZone("", 7*3600)}[i%3])
		prev := []byte(nil)
		if i > 0 {
			prev = bytes.Repeat([]byte{byte(i)}, 32)
			numbered.PrevHash = fmt.Sprintf("%x", prev)
		}
		numbered.Hash = "set by the writer after encoding"
		want, wantSum, err := encodeEvent(prev, numbered)
		require.NoError(t, err)
		got, gotSum, err := encodeNumbered(prev, &numbered, body)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "event %d", i)
		require.Equal(t, wantSum, gotSum)
	}
	// An event already numbered is encoded whole by the writer.
	_, ok := encodeBody(&counter.Event{ID: "x", Seq: 1})
	require.False(t, ok)
}
