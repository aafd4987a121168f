package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/dashboard/hub"
)

// memTokens is an in-memory dashboard.TokenStore.
type memTokens struct {
	mu     sync.Mutex
	byID   map[string]store.Token
	byHash map[string]string
}

func newMemTokens() *memTokens {
	return &memTokens{byID: map[string]store.Token{}, byHash: map[string]string{}}
}

func (m *memTokens) CreateToken(t store.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[t.ID]; ok {
		return counter.Errorf(counter.CodeAlreadyExists, "", "exists", "exists")
	}
	m.byID[t.ID], m.byHash[t.Hash] = t, t.ID
	return nil
}

func (m *memTokens) Token(id string) (*store.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byID[id]
	if !ok {
		return nil, store.ErrTokenNotFound
	}
	return &t, nil
}

func (m *memTokens) TokenByHash(hash string) (*store.Token, error) {
	m.mu.Lock()
	id, ok := m.byHash[hash]
	m.mu.Unlock()
	if !ok {
		return nil, store.ErrTokenNotFound
	}
	return m.Token(id)
}

func (m *memTokens) RevokeToken(id string, at time.Time) (*store.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byID[id]
	if !ok {
		return nil, store.ErrTokenNotFound
	}
	if t.RevokedAt == nil {
		t.RevokedAt = &at
		m.byID[id] = t
	}
	return &t, nil
}

// add mints a token for role at agency and returns it and its id.
func (m *memTokens) add(t *testing.T, role, agency string) (string, string) {
	t.Helper()
	tok, id, err := dashboard.NewToken()
	require.NoError(t, err)
	require.NoError(t, m.CreateToken(store.Token{ID: id, Hash: dashboard.HashToken(tok), Role: role, Agency: agency, Name: role}))
	return tok, id
}

// fakeAuditor answers verify and backup with fixed data.
type fakeAuditor struct{}

func (fakeAuditor) Verify() (*store.Verification, error) {
	return &store.Verification{OK: true, Events: 2, Head: "abcd"}, nil
}

func (fakeAuditor) Snapshot() (io.ReadCloser, int64, error) {
	const b = "SNAPSHOT-OF-EVERY-DOSSIER"
	return io.NopCloser(strings.NewReader(b)), int64(len(b)), nil
}

// Secrets the fixture's data carries: no denial may contain any of them.
const (
	secretOwn   = "SECRET-APPLICANT-OWN"
	secretOther = "SECRET-APPLICANT-OTHER"
	secretList  = "SECRET-LISTED"
)

// fixture is a server with stored tokens over a mock ledger holding one
// dossier in so-xd's subtree (OWN-1) and one in q-haichau's (OTHER-1).
type fixture struct {
	s       *dashboard.Server
	tokens  *memTokens
	records int // Record calls
	mu      sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{tokens: newMemTokens()}
	dossier := func(code, agency, secret string) *counter.Dossier {
		return &counter.Dossier{Code: code, Agency: agency, Holder: agency, Status: counter.DossierProcessing,
			Applicant: &counter.Applicant{Name: secret}}
	}
	cfgOnce := testConfig()
	l := &mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			// As the store does inside its write transaction.
			w, ok := counter.WriterFrom(ctx)
			if !ok {
				return nil, fmt.Errorf("no writer in the context")
			}
			for i := range events {
				var d *counter.Dossier
				switch events[i].Dossier {
				case "OWN-1":
					d = dossier("OWN-1", "so-xd-motcua", secretOwn)
				case "OTHER-1":
					d = dossier("OTHER-1", "q-haichau", secretOther)
				}
				if err := counter.Authorize(cfgOnce, w, d, &events[i]); err != nil {
					if len(events) > 1 {
						return nil, counter.WithFieldPrefix(err, fmt.Sprintf("events[%d]", i))
					}
					return nil, err
				}
			}
			f.mu.Lock()
			f.records++
			f.mu.Unlock()
			return &counter.RecordResult{Events: events}, nil
		},
		FindDossierByCodeFn: func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
			switch code {
			case "OWN-1":
				return dossier(code, "so-xd-motcua", secretOwn), []counter.Event{{ID: "e1", Type: counter.Received, Dossier: code, Agency: "so-xd-motcua"}}, nil, nil
			case "OTHER-1":
				return dossier(code, "q-haichau", secretOther), []counter.Event{{ID: "e2", Type: counter.Received, Dossier: code, Agency: "q-haichau"}}, nil, nil
			}
			return nil, nil, nil, counter.Errorf(counter.CodeDossierNotFound, "", "dossier %q not found", "không tìm thấy hồ sơ %q", code)
		},
		FindDossiersFn: func(ctx context.Context, flt counter.DossierFilter) ([]*counter.Dossier, string, error) {
			return []*counter.Dossier{dossier("L-"+flt.Agency, flt.Agency, secretList)}, "", nil
		},
		FindViolationsFn: func(ctx context.Context, flt counter.ViolationFilter) ([]counter.Violation, string, error) {
			return []counter.Violation{{ID: "v1", Code: counter.VOverdue, Agency: flt.Agency, Details: map[string]any{"x": secretList}}}, "", nil
		},
		RollupFn: func(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error) {
			return &counter.RollupNode{Agency: agency, Name: secretList}, nil
		},
	}
	f.s = newServer(t, l)
	f.s.Authenticator = dashboard.TokenAuthenticator{Tokens: f.tokens}
	f.s.Tokens = f.tokens
	f.s.Auditor = fakeAuditor{}
	f.s.AuthLimiter = nil // the matrix fails many sign-ins on purpose
	f.s.Hub = hub.New(f.s.Config)
	t.Cleanup(f.s.Hub.Close)
	return f
}

func eventAt(agency string) []byte {
	return fmt.Appendf(nil, `{"id": "m-%s", "type": "received", "dossier": "NEW-%s", "at": "2026-03-18T08:00:00+07:00",
		"agency": %q, "procedure": "1.009994", "channel": "direct"}`, agency, agency, agency)
}

// TestAuthorizationMatrix runs every role of so-xd against every endpoint,
// once on its own subtree (so-xd-motcua) and once on another (q-haichau):
// allowed requests succeed, denied ones get exactly the SPEC's status and
// carry no data.
func TestAuthorizationMatrix(t *testing.T) {
	const own, other = "so-xd-motcua", "q-haichau"
	type endpoint struct {
		name   string
		method string
		path   func(f *fixture, agency string) string
		body   func(agency string) []byte
		// want returns the status for role on own (true) or other subtree.
		want func(role string, own bool) int
	}
	scoped := func(role string, own bool) int {
		if own {
			return 200
		}
		return 403
	}
	anyone := func(string, bool) int { return 200 }
	dossierCode := map[string]string{own: "OWN-1", other: "OTHER-1"}
	endpoints := []endpoint{
		{"POST /events", "POST", func(*fixture, string) string { return "/api/v1/events" }, eventAt,
			func(role string, own bool) int {
				switch {
				case role != dashboard.RoleDesk && role != dashboard.RoleIntegration:
					return 403
				case own:
					return 201
				}
				return 403
			}},
		{"GET /dossiers/{code}", "GET", func(_ *fixture, a string) string { return "/api/v1/dossiers/" + dossierCode[a] }, nil,
			func(role string, own bool) int {
				if own {
					return 200
				}
				return 404
			}},
		{"GET /dossiers", "GET", func(_ *fixture, a string) string { return "/api/v1/dossiers?agency=" + a }, nil, scoped},
		{"GET /violations", "GET", func(_ *fixture, a string) string { return "/api/v1/violations?agency=" + a }, nil, scoped},
		{"GET /rollup", "GET", func(_ *fixture, a string) string { return "/api/v1/rollup?agency=" + a }, nil, scoped},
		{"GET /agencies", "GET", func(*fixture, string) string { return "/api/v1/agencies" }, nil, anyone},
		{"GET /procedures", "GET", func(*fixture, string) string { return "/api/v1/procedures" }, nil, anyone},
		{"GET /calendar/due", "GET", func(*fixture, string) string {
			return "/api/v1/calendar/due?from=2026-03-10T08:00:00%2B07:00&value=3&unit=working_days"
		}, nil, anyone},
		{"GET /audit/verify", "GET", func(*fixture, string) string { return "/api/v1/audit/verify" }, nil,
			func(role string, _ bool) int {
				if role == dashboard.RoleSupervisor {
					return 200
				}
				return 403
			}},
		{"GET /backup", "GET", func(*fixture, string) string { return "/api/v1/backup" }, nil,
			func(string, bool) int { return 403 }}, // only the root's supervisor: see TestBackupRootOnly
		{"POST /tokens", "POST", func(*fixture, string) string { return "/api/v1/tokens" },
			func(a string) []byte { return []byte(`{"role":"viewer","agency":"` + a + `","name":"kiosk"}`) },
			func(role string, own bool) int {
				switch {
				case role != dashboard.RoleSupervisor:
					return 403
				case own:
					return 201
				}
				return 403
			}},
		{"DELETE /tokens/{id}", "DELETE", func(f *fixture, a string) string {
			_, id := f.tokens.add(t, dashboard.RoleDesk, a)
			return "/api/v1/tokens/" + id
		}, nil,
			func(role string, own bool) int {
				switch {
				case role != dashboard.RoleSupervisor:
					return 403
				case own:
					return 200
				}
				return 404
			}},
		{"GET /ws", "GET", func(_ *fixture, a string) string { return "/ws?agency=" + a }, nil,
			func(role string, own bool) int {
				if own {
					return 400 // admitted: gorilla refuses a request that is not an upgrade
				}
				return 403
			}},
	}
	for _, role := range dashboard.Roles {
		for _, ep := range endpoints {
			for _, agency := range []string{own, other} {
				t.Run(fmt.Sprintf("%s/%s/%s", role, ep.name, agency), func(t *testing.T) {
					f := newFixture(t)
					token, _ := f.tokens.add(t, role, "so-xd")
					var body []byte
					if ep.body != nil {
						body = ep.body(agency)
					}
					r := do(t, f.s, ep.method, ep.path(f, agency), body, "Authorization", "Bearer "+token)
					want := ep.want(role, agency == own)
					require.Equal(t, want, r.Status, "body %s", r.Body)
					if want >= 400 && want != 400 {
						requireNoData(t, r)
						if ep.method == "POST" && ep.name == "POST /events" {
							require.Zero(t, f.records, "a denied write reaches the ledger")
						}
					}
				})
			}
		}
	}
}

// requireNoData checks that a denial is an error body with no data.
func requireNoData(t *testing.T, r response) {
	t.Helper()
	code, _, _, _ := apiError(t, r)
	require.Contains(t, []string{counter.CodeForbidden, counter.CodeDossierNotFound, counter.CodeNotFound, counter.CodeUnauthorized}, code)
	for _, s := range []string{secretOwn, secretOther, secretList, "SNAPSHOT", "mc_"} {
		require.NotContains(t, string(r.Body), s)
	}
}

// TestUnauthenticatedMatrix checks that every endpoint but health and
// metrics refuses a missing, unknown, malformed or revoked token with 401
// and no data.
func TestUnauthenticatedMatrix(t *testing.T) {
	f := newFixture(t)
	revoked, revokedID := f.tokens.add(t, dashboard.RoleSupervisor, "tp-danang")
	_, err := f.tokens.RevokeToken(revokedID, now)
	require.NoError(t, err)
	unknown, _, err := dashboard.NewToken()
	require.NoError(t, err)
	requests := []struct{ method, path string }{
		{"POST", "/api/v1/events"}, {"GET", "/api/v1/dossiers/OWN-1"}, {"GET", "/api/v1/dossiers"},
		{"GET", "/api/v1/violations"}, {"GET", "/api/v1/rollup"}, {"GET", "/api/v1/agencies"},
		{"GET", "/api/v1/procedures"}, {"GET", "/api/v1/calendar/due"}, {"GET", "/api/v1/audit/verify"},
		{"GET", "/api/v1/backup"}, {"POST", "/api/v1/tokens"}, {"DELETE", "/api/v1/tokens/x"}, {"GET", "/ws"},
	}
	headers := []struct{ name, value string }{
		{"missing", ""}, {"unknown", "Bearer " + unknown}, {"malformed", "Bearer mc_short"},
		{"revoked", "Bearer " + revoked}, {"not bearer", "Basic " + revoked},
	}
	for _, rq := range requests {
		for _, h := range headers {
			t.Run(rq.method+" "+rq.path+"/"+h.name, func(t *testing.T) {
				r := do(t, f.s, rq.method, rq.path, []byte(`{}`), "Authorization", h.value)
				require.Equal(t, http.StatusUnauthorized, r.Status, "body %s", r.Body)
				requireNoData(t, r)
			})
		}
	}
	for _, path := range []string{"/api/v1/healthz", "/api/v1/readyz"} {
		r := do(t, f.s, "GET", path, nil, "Authorization", "")
		require.Equal(t, 200, r.Status, path)
	}
}

// TestPagesCarryNoData checks that the page shells, served without a
// token (the browser signs in and calls the API), hold none of the data.
func TestPagesCarryNoData(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/wallboard", "/wallboard?agency=q-haichau", "/desk", "/d/OWN-1", "/d/OTHER-1"} {
		t.Run(path, func(t *testing.T) {
			r := do(t, f.s, "GET", path, nil, "Authorization", "")
			require.Equal(t, 200, r.Status)
			for _, s := range []string{secretOwn, secretOther, secretList} {
				require.NotContains(t, string(r.Body), s)
			}
		})
	}
}

// TestBackupRootOnly: a backup holds every agency, so only the root's
// supervisor may take one.
func TestBackupRootOnly(t *testing.T) {
	f := newFixture(t)
	root, _ := f.tokens.add(t, dashboard.RoleSupervisor, "tp-danang")
	r := do(t, f.s, "GET", "/api/v1/backup", nil, "Authorization", "Bearer "+root)
	require.Equal(t, 200, r.Status)
	require.Equal(t, "SNAPSHOT-OF-EVERY-DOSSIER", string(r.Body))
}
