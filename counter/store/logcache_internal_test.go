package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// TestLogCacheBounded: the store's cache of decoded log entries never
// holds more than its size, and what it still holds is what was put.
func TestLogCacheBounded(t *testing.T) {
	c := newLogCache(16)
	for seq := uint64(1); seq <= 100; seq++ {
		c.put(seq, &counter.Event{ID: "e", Seq: seq})
		require.LessOrEqual(t, len(c.m), 16)
	}
	e, ok := c.get(100)
	require.True(t, ok, "the last entry put is kept")
	require.Equal(t, uint64(100), e.Seq)
	for seq, e := range c.m {
		require.Equal(t, seq, e.Seq)
	}
}

// TestAsLogged: the event the writer keeps for a log entry it has just
// written is the one decoding that entry gives back, for events with
// every field set, instants in several zones, zero instants with a zone,
// empty and missing lists; text that JSON would rewrite sends it to the
// decoder instead, whichever string field holds it.
func TestAsLogged(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	at := time.Date(2026, 3, 10, 8, 15, 0, 123456789, hcm)
	full := counter.Event{ID: "e1", Type: counter.Received, Dossier: "000.00.31.H17-260310-0001", At: at, Agency: "q1-motcua",
		Official: "cb-001", Seq: 7, RecordedAt: at.Add(time.Minute).In(time.UTC), PrevHash: "ab", Hash: "cd", Imported: true,
		Procedure: "1.001", Channel: "direct", CrossBoundary: true,
		Applicant: &counter.Applicant{Name: "Lê Thị Hoa <&>", Phone: "0905", IDHash: "ff"},
		Documents: []counter.Item{{Code: "don", Name: "Đơn\u2028"}}, Slip: &counter.Slip{Number: "S1", DueAt: at.Add(72 * time.Hour)},
		Number: "N", DueAt: at.In(time.FixedZone("", 7*3600)), To: "q1-tp", Step: "s", Items: []counter.Item{{Code: "cccd"}},
		Reason: "r", NewDueAt: at.Add(time.Hour).In(time.FixedZone("X", -5*3600)), Complaint: "c", Category: "k",
		SubjectOfficial: "cb-002", Text: "t", Outcome: "o", Desk: "d"}
	cases := map[string]counter.Event{
		"every field": full,
		"bare":        {ID: "e2", Type: counter.Withdrawn, Dossier: "D", At: at, Agency: "a"},
		"empty lists and a zoned zero": {ID: "e3", Type: counter.Received, At: time.Time{}.In(hcm), Documents: []counter.Item{},
			Items: []counter.Item{}, Applicant: &counter.Applicant{}, Slip: &counter.Slip{}, DueAt: time.Time{}.In(hcm)},
		"utc": {ID: "e4", Type: counter.Received, At: at.UTC(), RecordedAt: at.Local()},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			b, _, err := encodeEvent(nil, e)
			require.NoError(t, err)
			var want counter.Event
			require.NoError(t, json.Unmarshal(b, &want))
			got, ok := asLogged(e)
			require.True(t, ok)
			require.True(t, reflect.DeepEqual(want, got), "want %#v\ngot  %#v", want, got)
		})
	}
	// Every string field, when not UTF-8, sends the event to the decoder
	// (but Hash, which the log does not keep).
	bad := "\xff"
	v := reflect.ValueOf(&full).Elem()
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.String:
			if path == "Event.Hash" {
				return
			}
			old := v.String()
			v.SetString(bad)
			_, ok := asLogged(full)
			require.False(t, ok, "%s not UTF-8", path)
			v.SetString(old)
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), path)
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	}
	walk(v, "Event")
}
