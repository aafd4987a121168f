package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// api is the real JSON API over a real store with the real rules and the
// shipped Da Nang configuration, in process, on a clock the test sets.
type api struct {
	t     *testing.T
	mu    sync.Mutex
	now   time.Time
	store *store.Store
	srv   *dashboard.Server
	n     int
}

// newAPI is the API on the shipped configuration without its dossier-code
// formats: the scenarios use short codes ("ET-1") to stay readable, and a
// dossier_code_format on each would only be noise.
// TestDossierCodeFormatOverAPI checks the shipped formats themselves.
func newAPI(t *testing.T, now string) *api {
	t.Helper()
	return newAPIOf(t, now, func(cfg *counter.Config) *counter.Config {
		rules := cfg.Rules
		rules.DossierCodeFormats = nil
		return counter.NewConfig(cfg.Root, cfg.Officials, cfg.Procedures, cfg.Calendar, rules)
	})
}

// newAPIOf is newAPI on the shipped configuration as adjust returns it
// (nil: as shipped).
func newAPIOf(t *testing.T, now string, adjust func(*counter.Config) *counter.Config) *api {
	t.Helper()
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	if adjust != nil {
		cfg = adjust(cfg)
	}
	a := &api{t: t, now: local(now)}
	dir := t.TempDir()
	a.store, err = store.Open(filepath.Join(dir, "m.db"), cfg, store.Options{Now: a.clock, Evaluator: violations.New()})
	require.NoError(t, err)
	a.srv = dashboard.NewServer(a.store, cfg)
	a.srv.Now = a.clock
	a.srv.Logger = slog.New(slog.DiscardHandler)
	a.srv.Authenticator = dashboard.AuthenticatorFunc(func(string) (dashboard.Principal, error) {
		return dashboard.Principal{Name: "test", Role: dashboard.RoleIntegration, Agency: cfg.Root.ID}, nil
	})
	t.Cleanup(func() {
		rep, err := a.store.Replay(context.Background(), dir, nil)
		require.NoError(t, err)
		require.Empty(t, rep.Differences, "replay must rebuild the same views")
		require.NoError(t, a.store.Close())
	})
	return a
}

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

func (a *api) clock() time.Time { a.mu.Lock(); defer a.mu.Unlock(); return a.now }

// at moves the server clock to s.
func (a *api) at(s string) {
	a.mu.Lock()
	a.now = local(s)
	a.mu.Unlock()
	_, err := a.store.SweepUntil(a.clock())
	require.NoError(a.t, err)
}

func (a *api) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			b, err = json.Marshal(body)
			require.NoError(a.t, err)
		}
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.srv.App().Test(req, -1)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(a.t, json.Unmarshal(raw, &out), "body %s", raw)
	}
	return resp.StatusCode, out
}

// event builds an event at the clock's current time with a fresh id.
func (a *api) event(typ, dossier, agency string, fields map[string]any) map[string]any {
	a.n++
	e := map[string]any{"id": fmt.Sprintf("t-%d", a.n), "type": typ, "dossier": dossier,
		"at": a.clock().Format(time.RFC3339), "agency": agency}
	for k, v := range fields {
		e[k] = v
	}
	if dossier == "" {
		delete(e, "dossier")
	}
	return e
}

// post records one event at s (the clock moves there first) and requires
// a 201.
func (a *api) post(s, typ, dossier, agency string, fields map[string]any) map[string]any {
	a.t.Helper()
	a.at(s)
	code, body := a.do("POST", "/api/v1/events", a.event(typ, dossier, agency, fields))
	require.Equal(a.t, 201, code, "%s %s: %v", typ, dossier, body)
	return body
}

type vkey struct{ Code, Agency, Status string }

// violations returns the dossier's violations as (code, agency, status).
func (a *api) violations(dossier string) []vkey {
	a.t.Helper()
	code, body := a.do("GET", "/api/v1/dossiers/"+dossier, nil)
	require.Equal(a.t, 200, code, "%v", body)
	var out []vkey
	for _, v := range body["violations"].([]any) {
		m := v.(map[string]any)
		out = append(out, vkey{m["code"].(string), m["agency"].(string), m["status"].(string)})
	}
	slices.SortFunc(out, func(x, y vkey) int { return strings.Compare(x.Code+x.Agency, y.Code+y.Agency) })
	return out
}

func errorOf(body map[string]any) (string, string) {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	field, _ := e["field"].(string)
	return code, field
}

// TestAcceptanceRulesOverHTTP checks every acceptance rule of SPEC §3 with
// its status and error code through the API, and that a refusal stores
// nothing.
func TestAcceptanceRulesOverHTTP(t *testing.T) {
	const ctr, code = counterHC, "000.00.31.H17-260310-0001"
	recv := map[string]any{"procedure": "1.009994", "channel": "direct", "official": clerkHC,
		"applicant": map[string]any{"name": "Hoàng E"}, "documents": []any{map[string]any{"code": "don"}},
		"slip": map[string]any{"number": "01/2026", "due_at": "2026-03-31T16:00:00+07:00"}}
	tests := []struct {
		name        string
		setup       func(a *api)
		event       func(a *api) any
		status      int
		code, field string
	}{
		{"malformed JSON", nil, func(a *api) any { return []byte(`{"id": "x",`) }, 400, counter.CodeBadJSON, ""},
		{"not a creating event for an unknown dossier", nil, func(a *api) any { return a.event("result_ready", code, ctr, nil) }, 404, counter.CodeDossierNotFound, "dossier"},
		{"unknown procedure", nil, func(a *api) any {
			return a.event("received", code, ctr, map[string]any{"procedure": "9.999999", "channel": "direct"})
		}, 422, counter.CodeUnknownProcedure, "procedure"},
		{"unknown agency", nil, func(a *api) any { return a.event("received", code, "q-nowhere", recv) }, 422, counter.CodeUnknownAgency, "agency"},
		{"unknown official", nil, func(a *api) any {
			e := a.event("received", code, ctr, recv)
			e["official"] = "cb-999"
			return e
		}, 422, counter.CodeUnknownOfficial, "official"},
		{"official of another unit", nil, func(a *api) any {
			e := a.event("received", code, ctr, recv)
			e["official"] = "cb-001"
			return e
		}, 422, counter.CodeUnknownOfficial, "official"},
		{"unknown transfer target", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			return a.event("transferred", code, ctr, map[string]any{"to": "q-nowhere"})
		}, 422, counter.CodeUnknownAgency, "to"},
		{"unknown desk", nil, func(a *api) any {
			return a.event("shift_started", "", ctr, map[string]any{"desk": "no-such-desk"})
		}, 422, counter.CodeUnknownDesk, "desk"},
		{"item code outside the catalogue", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			return a.event("supplement_requested", code, ctr, map[string]any{"items": []any{map[string]any{"code": "giay_khong_ton_tai"}}, "reason": "thiếu"})
		}, 422, counter.CodeUnknownDocument, "items[0].code"},
		{"event in the future", nil, func(a *api) any {
			e := a.event("received", code, ctr, recv)
			e["at"] = a.clock().Add(6 * time.Minute).Format(time.RFC3339)
			return e
		}, 422, counter.CodeEventInFuture, "at"},
		{"event on a returned dossier", func(a *api) {
			a.post("2026-03-10 08:15", "received", code, ctr, recv)
			a.post("2026-03-10 09:00", "result_ready", code, ctr, nil)
			a.post("2026-03-10 09:30", "returned", code, ctr, nil)
		}, func(a *api) any { return a.event("transferred", code, ctr, map[string]any{"to": tnmtHC}) }, 409, counter.CodeDossierClosed, "dossier"},
		{"event before the dossier's creation", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			e := a.event("result_ready", code, ctr, nil)
			e["at"] = "2026-03-09T08:00:00+07:00"
			return e
		}, 422, counter.CodeBeforeCreation, "at"},
		{"second receipt", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any { return a.event("received", code, ctr, recv) }, 409, counter.CodeAlreadyReceived, "type"},
		{"transfer by a unit not holding it", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			return a.event("transferred", code, tnmtHC, map[string]any{"to": ctr})
		}, 409, counter.CodeNotHolder, "agency"},
		{"transfer to the holder itself", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			return a.event("transferred", code, ctr, map[string]any{"to": ctr})
		}, 422, counter.CodeInvalid, "to"},
		{"same id, different body", func(a *api) { a.post("2026-03-10 08:15", "received", code, ctr, recv) }, func(a *api) any {
			e := a.event("received", "OTHER-CODE", ctr, recv)
			e["id"] = "t-1"
			return e
		}, 409, counter.CodeEventIDConflict, "id"},
		{"atomic batch names the failing index", nil, func(a *api) any {
			return map[string]any{"events": []any{a.event("received", code, ctr, recv), a.event("transferred", code, ctr, map[string]any{"to": ctr})}}
		}, 422, counter.CodeInvalid, "events[1].to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, "2026-03-10 08:00")
			if tt.setup != nil {
				tt.setup(a)
			}
			before := a.events()
			a.at("2026-03-10 10:00")
			status, body := a.do("POST", "/api/v1/events", tt.event(a))
			require.Equal(t, tt.status, status, "%v", body)
			c, f := errorOf(body)
			require.Equal(t, tt.code, c)
			require.Equal(t, tt.field, f)
			e := body["error"].(map[string]any)
			require.NotEmpty(t, e["message"])
			require.NotEmpty(t, e["message_vi"])
			require.Equal(t, before, a.events(), "a refused request stores nothing")
		})
	}
}

// events is the number of events in the log.
func (a *api) events() uint64 {
	v, err := a.store.Verify()
	require.NoError(a.t, err)
	return v.Events
}

func TestRetryIsSafeOverHTTP(t *testing.T) {
	a := newAPI(t, "2026-03-10 08:15")
	e := a.event("received", "D1", counterHC, map[string]any{"procedure": "1.009994", "channel": "direct"})
	status, first := a.do("POST", "/api/v1/events", e)
	require.Equal(t, 201, status, "%v", first)
	status, again := a.do("POST", "/api/v1/events", e)
	require.Equal(t, 200, status, "a retry with the same body is answered 200")
	require.Equal(t, first["events"].([]any)[0].(map[string]any)["seq"], again["events"].([]any)[0].(map[string]any)["seq"])
	require.Equal(t, uint64(1), a.events())
}
