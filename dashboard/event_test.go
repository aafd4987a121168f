package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/dashboard"
)

const receivedJSON = `{"id": "01JF3Z8K4Q9V6T0B2C5D7E8F9G", "type": "received", "dossier": "000.00.31.H17-260310-0001",
 "at": "2026-03-10T08:15:00+07:00", "agency": "so-xd-motcua", "official": "cb-001",
 "procedure": "1.009994", "channel": "direct",
 "applicant": {"name": "Hoàng E"}, "documents": [{"code": "don"}],
 "slip": {"number": "01/2026", "due_at": "2026-03-31T16:00:00+07:00"}}`

func batch(events ...string) string { return `{"events": [` + strings.Join(events, ",") + `]}` }

func eventN(i int) string {
	return fmt.Sprintf(`{"id": "e%d", "type": "transferred", "dossier": "D-1", "at": "2026-03-10T09:00:00+07:00", "agency": "so-xd-motcua", "to": "so-xd"}`, i)
}

func TestDecodeEvents(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		n     int
		code  string
		field string
	}{
		{name: "single", body: receivedJSON, n: 1},
		{name: "batch", body: batch(eventN(0), eventN(1), eventN(2)), n: 3},
		{name: "batch of the maximum", body: batch(repeat(dashboard.MaxBatch)...), n: dashboard.MaxBatch},
		{name: "empty body", body: "  ", code: counter.CodeBadJSON},
		{name: "malformed", body: `{"id": "x",`, code: counter.CodeBadJSON},
		{name: "trailing garbage", body: receivedJSON + "}", code: counter.CodeBadJSON},
		{name: "not an object", body: `[1, 2]`, code: counter.CodeInvalid},
		{name: "string", body: `"received"`, code: counter.CodeInvalid},
		{name: "empty batch", body: `{"events": []}`, code: counter.CodeInvalid, field: "events"},
		{name: "null batch", body: `{"events": null}`, code: counter.CodeInvalid, field: "events"},
		{name: "batch not an array", body: `{"events": {}}`, code: counter.CodeInvalid, field: "events"},
		{name: "batch too large", body: batch(repeat(dashboard.MaxBatch + 1)...), code: counter.CodeTooManyEvents, field: "events"},
		{name: "extra key beside events", body: `{"events": [` + eventN(0) + `], "id": "x"}`, code: counter.CodeInvalid, field: "id"},
		{name: "bad time", body: strings.Replace(receivedJSON, `"2026-03-10T08:15:00+07:00"`, `"yesterday"`, 1), code: counter.CodeInvalid, field: "at"},
		{name: "time without offset", body: strings.Replace(receivedJSON, `"2026-03-10T08:15:00+07:00"`, `"2026-03-10T08:15:00"`, 1), code: counter.CodeInvalid, field: "at"},
		{name: "number for a string", body: strings.Replace(receivedJSON, `"cb-001"`, `17`, 1), code: counter.CodeInvalid, field: "official"},
		{name: "nested time", body: strings.Replace(receivedJSON, `"2026-03-31T16:00:00+07:00"`, `42`, 1), code: counter.CodeInvalid, field: "slip.due_at"},
		{name: "array element", body: strings.Replace(receivedJSON, `[{"code": "don"}]`, `[{"code": "don"}, {"code": 7}]`, 1), code: counter.CodeInvalid, field: "documents[1].code"},
		{name: "unknown fields are ignored", body: strings.Replace(receivedJSON, `"channel": "direct"`, `"channel": "direct", "x_source": {"system": "igate"}, "applicant_address": "Hải Châu"`, 1), n: 1},
		{name: "bad field in batch", body: batch(eventN(0), eventN(1), strings.Replace(eventN(2), `"2026-03-10T09:00:00+07:00"`, `true`, 1)), code: counter.CodeInvalid, field: "events[2].at"},
		{name: "batch element not an object", body: batch(eventN(0), `7`), code: counter.CodeInvalid, field: "events[1]"},
		{name: "duplicate key", body: `{"id": "a", "id": "b"}`, code: counter.CodeBadJSON, field: "id"},
		// SPEC.md §10.4: nothing encoding/json would rewrite or guess at.
		{name: "case-variant keys", body: strings.Replace(receivedJSON, `"agency"`, `"At": "2020-01-01T00:00:00Z", "agency"`, 1), code: counter.CodeBadJSON, field: "At"},
		{name: "case-variant key alone", body: strings.Replace(receivedJSON, `"at"`, `"AT"`, 1), code: counter.CodeBadJSON, field: "AT"},
		{name: "long s folds to s", body: strings.Replace(eventN(0), `"to"`, `"step": "x", "ſtep"`, 1), code: counter.CodeBadJSON, field: "ſtep"},
		{name: "nested duplicate", body: strings.Replace(receivedJSON, `{"name": "Hoàng E"}`, `{"name": "Hoàng E", "name": "Lê F"}`, 1), code: counter.CodeBadJSON, field: "applicant.name"},
		{name: "nested case variant in a list", body: strings.Replace(receivedJSON, `[{"code": "don"}]`, `[{"code": "don"}, {"code": "don", "Code": "x"}]`, 1), code: counter.CodeBadJSON, field: "documents[1].Code"},
		{name: "duplicate in unknown metadata", body: strings.Replace(receivedJSON, `"channel": "direct"`, `"channel": "direct", "x": {"a": 1, "A": 2}`, 1), code: counter.CodeBadJSON, field: "x.A"},
		{name: "duplicate in a batch", body: batch(eventN(0), strings.Replace(eventN(1), `"to"`, `"to": "so-xd", "To"`, 1)), code: counter.CodeBadJSON, field: "events[1].To"},
		{name: "invalid UTF-8", body: strings.Replace(receivedJSON, "Hoàng E", "Ho\xe0ng E", 1), code: counter.CodeBadJSON},
		{name: "invalid UTF-8 in a key", body: strings.Replace(receivedJSON, `"channel"`, "\"ch\xffannel\"", 1), code: counter.CodeBadJSON},
		{name: "lone high surrogate", body: strings.Replace(receivedJSON, "Hoàng E", `Ho\ud83d E`, 1), code: counter.CodeBadJSON},
		{name: "lone low surrogate", body: strings.Replace(receivedJSON, "Hoàng E", `Ho\ude00 E`, 1), code: counter.CodeBadJSON},
		{name: "surrogate pair", body: strings.Replace(receivedJSON, "Hoàng E", `Ho\ud83d\ude00 \\ud83d E`, 1), n: 1},
		{name: "more than nine fractional digits", body: strings.Replace(receivedJSON, `"2026-03-10T08:15:00+07:00"`, `"2026-03-10T08:15:00.1234567891+07:00"`, 1), code: counter.CodeInvalid, field: "at"},
		{name: "offset minutes over 59", body: strings.Replace(receivedJSON, `"2026-03-31T16:00:00+07:00"`, `"2026-03-31T16:00:00+06:60"`, 1), code: counter.CodeInvalid, field: "slip.due_at"},
		{name: "nine fractional digits", body: strings.Replace(receivedJSON, `"2026-03-10T08:15:00+07:00"`, `"2026-03-10T08:15:00.123456789+07:00"`, 1), n: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := dashboard.DecodeEvents([]byte(tt.body))
			if tt.code != "" {
				require.Error(t, err)
				var e *counter.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, tt.code, e.Code, "err %v", err)
				require.Equal(t, tt.field, e.Field, "err %v", err)
				require.NotEmpty(t, e.Message)
				require.NotEmpty(t, e.MessageVI)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, tt.n)
		})
	}
}

func repeat(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = eventN(i)
	}
	return out
}

func TestDecodeEventsFields(t *testing.T) {
	body := strings.Replace(receivedJSON, `"type"`, `"seq": 99, "recorded_at": "2020-01-01T00:00:00Z", "hash": "ab", "prev_hash": "cd", "type"`, 1)
	events, err := dashboard.DecodeEvents([]byte(body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	want := counter.Event{
		ID: "01JF3Z8K4Q9V6T0B2C5D7E8F9G", Type: counter.Received, Dossier: "000.00.31.H17-260310-0001",
		At: time.Date(2026, 3, 10, 8, 15, 0, 0, hcm), Agency: "so-xd-motcua", Official: "cb-001",
		Procedure: "1.009994", Channel: "direct", Applicant: &counter.Applicant{Name: "Hoàng E"},
		Documents: []counter.Item{{Code: "don"}},
		Slip:      &counter.Slip{Number: "01/2026", DueAt: time.Date(2026, 3, 31, 16, 0, 0, 0, hcm)},
	}
	require.True(t, e.At.Equal(want.At))
	require.True(t, e.Slip.DueAt.Equal(want.Slip.DueAt))
	e.At = want.At // equal instants; the zone pointers differ
	e.Slip.DueAt = want.Slip.DueAt
	require.Equal(t, want, e, "server-set fields are cleared, the rest kept")
}

func TestEventCreate(t *testing.T) {
	dossier := &counter.Dossier{Code: "000.00.31.H17-260310-0001", Status: counter.DossierProcessing,
		ReceivedAt: tp(time.Date(2026, 3, 10, 8, 15, 0, 0, hcm)), ClockStart: tp(time.Date(2026, 3, 10, 8, 15, 0, 0, hcm)),
		DueAt: tp(time.Date(2026, 3, 12, 17, 0, 0, 0, hcm)), Clock: counter.Clock{State: counter.ClockOnTrack}}
	tests := []struct {
		name     string
		body     string
		replayed bool
		status   int
		n        int
	}{
		{"one event stored", receivedJSON, false, 201, 1},
		{"batch stored", batch(eventN(0), eventN(1)), false, 201, 2},
		{"retry answers 200", receivedJSON, true, 200, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []counter.Event
			s := newServer(t, &mock.Ledger{
				RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
					got = events
					stored := append([]counter.Event(nil), events...)
					for i := range stored {
						stored[i].Seq = uint64(i + 1)
					}
					return &counter.RecordResult{Events: stored, Dossiers: []*counter.Dossier{dossier}, Replayed: tt.replayed}, nil
				},
			})
			r := do(t, s, "POST", "/api/v1/events", []byte(tt.body))
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			require.Len(t, got, tt.n)
			var out struct {
				Events     []counter.Event     `json:"events"`
				Dossiers   []counter.Dossier   `json:"dossiers"`
				Violations []counter.Violation `json:"violations"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &out))
			require.Len(t, out.Events, tt.n)
			require.Equal(t, uint64(tt.n), out.Events[tt.n-1].Seq)
			require.NotNil(t, out.Violations, "violations is [] rather than null")
			require.Len(t, out.Dossiers, 1)
			// Stored states are stale; the answer shows the clock of now.
			require.Equal(t, counter.ClockOverdue, out.Dossiers[0].Clock.State)
			require.Equal(t, counter.ClockOnTrack, dossier.Clock.State, "the ledger's dossier is not modified")
		})
	}
}

func TestEventCreateBadInputNeverReachesLedger(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"malformed", `{"id": `, 400, counter.CodeBadJSON, ""},
		{"type error", strings.Replace(receivedJSON, `"2026-03-10T08:15:00+07:00"`, `"10/03/2026"`, 1), 422, counter.CodeInvalid, "at"},
		{"type error in batch", batch(eventN(0), eventN(1), strings.Replace(eventN(2), `"to": "so-xd"`, `"to": ["so-xd"]`, 1)), 422, counter.CodeInvalid, "events[2].to"},
		{"empty batch", `{"events": []}`, 422, counter.CodeInvalid, "events"},
		{"too many", batch(repeat(dashboard.MaxBatch + 1)...), 422, counter.CodeTooManyEvents, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{}) // a nil RecordFn panics if called
			r := do(t, s, "POST", "/api/v1/events", []byte(tt.body))
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			code, _, _, field := apiError(t, r)
			require.Equal(t, tt.code, code)
			require.Equal(t, tt.field, field)
		})
	}
}

func tp(t time.Time) *time.Time { return &t }

// BenchmarkDecodeEvents: the checks and decode of one POST /events body
// with a single event, which every write request pays outside the writer.
func BenchmarkDecodeEvents(b *testing.B) {
	body := []byte(receivedJSON)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dashboard.DecodeEvents(body); err != nil {
			b.Fatal(err)
		}
	}
}
