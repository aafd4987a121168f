package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/dashboard"
)

// FuzzDecodeEvents checks that no body yields a panic or a 5xx, both from
// the decoder alone and through the whole POST /events handler. Seeds are
// in testdata/fuzz/FuzzDecodeEvents.
func FuzzDecodeEvents(f *testing.F) {
	for _, seed := range []string{receivedJSON, batch(eventN(0), eventN(1)), `{"events": []}`, `{"at": 1}`, `[]`, `null`} {
		f.Add([]byte(seed))
	}
	s := dashboard.NewServer(&mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			return &counter.RecordResult{Events: events}, nil
		},
	}, testConfig())
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, decErr := dashboard.DecodeEvents(body)
		if decErr != nil {
			var e *counter.Error
			if !errors.As(decErr, &e) {
				t.Fatalf("DecodeEvents error %v is not a *counter.Error", decErr)
			}
			if st := dashboard.StatusOf(e.Code); st < 400 || st >= 500 {
				t.Fatalf("DecodeEvents error code %q has status %d, want 4xx", e.Code, st)
			}
			if e.Message == "" || e.MessageVI == "" {
				t.Fatalf("DecodeEvents error %#v lacks a message", e)
			}
		} else if len(events) < 1 || len(events) > dashboard.MaxBatch {
			t.Fatalf("DecodeEvents returned %d events", len(events))
		}
		if len(body) > dashboard.DefaultBodyLimit {
			return
		}
		req := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer fuzz")
		res, err := s.App().Test(req, -1)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for body %q", res.StatusCode, body)
		}
		// The ledger accepts everything: the handler refuses exactly what
		// the decoder refuses.
		if (decErr == nil) != (res.StatusCode == 201) {
			t.Fatalf("status %d but decode error %v", res.StatusCode, decErr)
		}
	})
}

// FuzzPostEvents sends any body to POST /api/v1/events of the whole stack
// (shipped configuration, real store and rules, SPEC.md §6.1): the answer
// is a 2xx or a 4xx, never a 5xx, and after a 4xx the log holds exactly
// the events it held before. Seeds, in testdata/fuzz/FuzzPostEvents, are
// valid events and the attacks of issue 10 (cases 3 and 9).
func FuzzPostEvents(f *testing.F) {
	l := startLive(f, 0)
	f.Add([]byte(`{"id": "f-add", "type": "received", "dossier": "F-ADD", "at": "2026-03-11T08:00:00+07:00",
		"agency": "so-xd-motcua", "procedure": "1.009994", "channel": "direct"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > dashboard.DefaultBodyLimit {
			return
		}
		before := l.logLength(t)
		req := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer desk-root")
		res, err := l.Server.App().Test(req, -1)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		after := l.logLength(t)
		switch {
		case res.StatusCode >= 500:
			t.Fatalf("status %d for body %q: %s", res.StatusCode, body, out)
		case res.StatusCode >= 400 && after != before:
			t.Fatalf("status %d stored %d events: %s", res.StatusCode, after-before, out)
		case res.StatusCode < 400 && after < before:
			t.Fatalf("status %d and the log shrank", res.StatusCode)
		}
	})
}
