package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard"
)

func TestParseToken(t *testing.T) {
	good, _, err := dashboard.NewToken()
	require.NoError(t, err)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"new token", good, true},
		{"operator secret", "a-bootstrap-secret", true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", dashboard.MaxTokenLen+1), false},
		{"space inside", "abc def", false},
		{"control character", "abc\x00def", false},
		{"non-ASCII", "mậtkhẩu", false},
		{"prefixed but short", "mc_abc", false},
		{"prefixed, one character too many", good + "A", false},
		{"prefixed, not base64url", "mc_" + strings.Repeat("+", len(good)-3), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dashboard.ParseToken(tt.in)
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.in, got)
		})
	}
	other, _, err := dashboard.NewToken()
	require.NoError(t, err)
	require.NotEqual(t, good, other, "tokens are random")
	require.Len(t, dashboard.HashToken(good), 64)
	require.NotContains(t, dashboard.HashToken(good), good[3:])
}

// FuzzParseToken: no input panics, and whatever ParseToken accepts is
// short, visible ASCII and returned unchanged.
func FuzzParseToken(f *testing.F) {
	good, _, _ := dashboard.NewToken()
	for _, s := range []string{good, "boot", "", "mc_", "mc_" + strings.Repeat("A", 43), "a b", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := dashboard.ParseToken(s)
		if err != nil {
			return
		}
		if got != s || len(s) == 0 || len(s) > dashboard.MaxTokenLen {
			t.Fatalf("ParseToken(%q) = %q", s, got)
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] > '~' {
				t.Fatalf("ParseToken accepted byte %#x in %q", s[i], s)
			}
		}
	})
}

func TestTokenLifecycle(t *testing.T) {
	f := newFixture(t)
	sup, _ := f.tokens.add(t, dashboard.RoleSupervisor, "so-xd")

	tests := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"malformed", `{"role":`, 400, counter.CodeBadJSON, ""},
		{"unknown role", `{"role":"admin","agency":"so-xd","name":"x"}`, 422, counter.CodeInvalidParam, "role"},
		{"unknown agency", `{"role":"viewer","agency":"nowhere","name":"x"}`, 422, counter.CodeUnknownAgency, "agency"},
		{"no name", `{"role":"viewer","agency":"so-xd","name":" "}`, 422, counter.CodeInvalidParam, "name"},
		{"above its scope", `{"role":"viewer","agency":"tp-danang","name":"x"}`, 403, counter.CodeForbidden, "agency"},
		{"sibling subtree", `{"role":"supervisor","agency":"q-haichau","name":"x"}`, 403, counter.CodeForbidden, "agency"},
		{"trailing value", `{"role":"viewer","agency":"so-xd","name":"x"} {"role":"supervisor"}`, 400, counter.CodeBadJSON, ""},
		{"role and Role", `{"role":"viewer","Role":"supervisor","agency":"so-xd","name":"x"}`, 400, counter.CodeBadJSON, "Role"},
		{"ROLE alone", `{"ROLE":"viewer","agency":"so-xd","name":"x"}`, 400, counter.CodeBadJSON, "ROLE"},
		{"invalid UTF-8", "{\"role\":\"viewer\",\"agency\":\"so-xd\",\"name\":\"ki\xf0sk\"}", 400, counter.CodeBadJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, f.s, "POST", "/api/v1/tokens", []byte(tt.body), "Authorization", "Bearer "+sup)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			code, _, _, field := apiError(t, r)
			require.Equal(t, tt.code, code)
			require.Equal(t, tt.field, field)
		})
	}

	r := do(t, f.s, "POST", "/api/v1/tokens", []byte(`{"role":"viewer","agency":"so-xd-motcua","name":"kiosk"}`), "Authorization", "Bearer "+sup)
	require.Equal(t, 201, r.Status, "body %s", r.Body)
	var minted struct{ Token, ID string }
	require.NoError(t, json.Unmarshal(r.Body, &minted))
	stored, err := f.tokens.Token(minted.ID)
	require.NoError(t, err)
	require.Equal(t, dashboard.HashToken(minted.Token), stored.Hash, "only the hash is stored")
	require.Equal(t, "viewer", stored.Role)

	// The kiosk URL form: the token in ?access_token=.
	r = do(t, f.s, "GET", "/api/v1/rollup?access_token="+minted.Token, nil, "Authorization", "")
	require.Equal(t, 200, r.Status, "body %s", r.Body)
	require.Contains(t, string(r.Body), `"agency":"so-xd-motcua"`, "the agency defaults to the token's")

	r = do(t, f.s, "DELETE", "/api/v1/tokens/"+minted.ID, nil, "Authorization", "Bearer "+sup)
	require.Equal(t, 200, r.Status, "body %s", r.Body)
	r = do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "Bearer "+minted.Token)
	require.Equal(t, 401, r.Status, "revocation takes effect on the next request")
	r = do(t, f.s, "DELETE", "/api/v1/tokens/nope", nil, "Authorization", "Bearer "+sup)
	require.Equal(t, 404, r.Status)
}

// TestEventsOnDossiersOutOfScope: a writer cannot act on, nor learn about,
// a dossier of another subtree through POST /events.
func TestEventsOnDossiersOutOfScope(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"an event on another subtree's dossier",
			`{"id":"x1","type":"result_ready","dossier":"OTHER-1","at":"2026-03-18T08:00:00+07:00","agency":"so-xd-motcua"}`,
			404, counter.CodeDossierNotFound, "dossier"},
		{"a receipt reusing another subtree's code",
			`{"id":"x2","type":"received","dossier":"OTHER-1","at":"2026-03-18T08:00:00+07:00","agency":"so-xd-motcua","procedure":"1.009994","channel":"direct"}`,
			403, counter.CodeForbidden, "dossier"},
		{"a transfer sent from another subtree",
			`{"events":[{"id":"x3","type":"transferred","dossier":"OWN-1","at":"2026-03-18T08:00:00+07:00","agency":"so-xd-motcua","to":"q-haichau"},
			{"id":"x4","type":"transferred","dossier":"OTHER-1","at":"2026-03-18T08:00:00+07:00","agency":"q-haichau","to":"so-xd"}]}`,
			403, counter.CodeForbidden, "events[1].agency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			desk, _ := f.tokens.add(t, dashboard.RoleDesk, "so-xd")
			r := do(t, f.s, "POST", "/api/v1/events", []byte(tt.body), "Authorization", "Bearer "+desk)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			code, _, _, field := apiError(t, r)
			require.Equal(t, tt.code, code)
			require.Equal(t, tt.field, field)
			requireNoData(t, r)
			require.Zero(t, f.records)
		})
	}
	// A transfer out of the subtree by the holder is allowed.
	f := newFixture(t)
	desk, _ := f.tokens.add(t, dashboard.RoleDesk, "so-xd")
	r := do(t, f.s, "POST", "/api/v1/events",
		[]byte(`{"id":"x5","type":"transferred","dossier":"OWN-1","at":"2026-03-18T08:00:00+07:00","agency":"so-xd-motcua","to":"q-haichau"}`),
		"Authorization", "Bearer "+desk)
	require.Equal(t, 201, r.Status, "body %s", r.Body)
}

func TestFailedAuthRateLimit(t *testing.T) {
	f := newFixture(t)
	clock := now
	f.s.Now = func() time.Time { return clock }
	f.s.AuthLimiter = dashboard.NewRateLimiter(dashboard.DefaultAuthFailures, dashboard.DefaultAuthWindow)
	good, _ := f.tokens.add(t, dashboard.RoleViewer, "so-xd")
	for i := range dashboard.DefaultAuthFailures {
		r := do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "Bearer wrong-guess")
		require.Equal(t, 401, r.Status, "failure %d", i+1)
	}
	r := do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "Bearer wrong-guess")
	require.Equal(t, 429, r.Status)
	code, _, _, _ := apiError(t, r)
	require.Equal(t, counter.CodeTooManyRequests, code)
	r = do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "Bearer "+good)
	require.Equal(t, 429, r.Status, "while limited, even a right token is not checked: no oracle")

	req := httptest.NewRequest("GET", "/api/v1/rollup", nil)
	req.Header.Set("Authorization", "Bearer "+good)
	res, err := f.s.App().Test(req, -1)
	require.NoError(t, err)
	require.Equal(t, "6", res.Header.Get("Retry-After"), "one failure refills in a tenth of the minute")

	clock = clock.Add(6 * time.Second)
	r = do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "Bearer "+good)
	require.Equal(t, 200, r.Status, "the bucket refills")
	r = do(t, f.s, "GET", "/api/v1/rollup", nil, "Authorization", "")
	require.Equal(t, 401, r.Status, "a missing token guesses nothing and is not counted")
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	kiosk := f.s.App().Group("/kiosk-test", dashboard.SecurityHeaders(true))
	kiosk.Get("/", func(c *fiber.Ctx) error { return c.SendString("board") })
	tests := []struct {
		path      string
		frameable bool
	}{
		{"/api/v1/healthz", false},
		{"/api/v1/nope", false},
		{"/kiosk-test/", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := f.s.App().Test(httptest.NewRequest("GET", tt.path, nil), -1)
			require.NoError(t, err)
			csp := res.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "script-src 'self';")
			require.NotContains(t, csp, "unsafe-inline")
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
			if tt.frameable {
				require.Contains(t, csp, "frame-ancestors *")
				require.Empty(t, res.Header.Get("X-Frame-Options"))
			} else {
				require.Contains(t, csp, "frame-ancestors 'none'")
				require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
			}
		})
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://motcua.example:8080", true},
		{"https://MOTCUA.example:8080", true},
		{"http://evil.example", false},
		{"http://motcua.example", false},
		{"null", false},
		{"file://motcua.example:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			r, err := http.NewRequestWithContext(context.Background(), "GET", "http://motcua.example:8080/ws", nil)
			require.NoError(t, err)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			require.Equal(t, tt.ok, dashboard.SameOrigin(r))
		})
	}
}
