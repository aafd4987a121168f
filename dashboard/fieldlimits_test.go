package dashboard_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard"
)

// rawPost sends body to POST /api/v1/events as token, as bytes: no client
// library gets to clean it up first.
func (l *liveServer) rawPost(t testing.TB, token string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.URL+"/api/v1/events", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, out
}

// rawGet reads path as token.
func (l *liveServer) rawGet(t testing.TB, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, l.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, out
}

// logLength is how many events the store's log holds.
func (l *liveServer) logLength(t testing.TB) uint64 {
	t.Helper()
	v, err := l.Store.Verify()
	require.NoError(t, err)
	require.True(t, v.OK, "chain: %+v", v)
	return v.Events
}

// wardEvent is a received event at a ward's counter with the given extra
// members spliced in (JSON text, may override earlier members' values only
// by name clash, which the tests avoid). The counter is the one in force
// at at: Thạch Thang's before the 2025 reform, Hải Châu's centre after.
func wardEvent(id, dossier, at, extra string) []byte {
	return []byte(`{"id": "` + id + `", "type": "received", "dossier": "` + dossier + `", "at": "` + at + `",
		"agency": "` + wardCounterAt(at) + `", "procedure": "1.009994", "channel": "direct"` + extra + `}`)
}

// wardCounterAt is the ward counter in force at the RFC 3339 instant at
// (compared by its year, which is all the tests need).
func wardCounterAt(at string) string {
	if at < "2025" {
		return "p-thachthang-motcua"
	}
	return "phuong-haichau-ttpvhcc"
}

// listingsAnswer requires GET /dossiers to answer 200 for the ward, its
// district and the city, as the wallboard's first load does.
func (l *liveServer) listingsAnswer(t *testing.T) {
	t.Helper()
	for _, agency := range []string{"p-thachthang-motcua", "p-thachthang", "q-haichau", "phuong-haichau-ttpvhcc", "phuong-haichau", "tp-danang"} {
		st, body := l.rawGet(t, "supervisor-root", "/api/v1/dossiers?agency="+agency+"&limit=200")
		require.Equal(t, 200, st, "listing %s: %s", agency, body)
	}
	st, body := l.rawGet(t, "supervisor-root", "/api/v1/rollup?agency=tp-danang")
	require.Equal(t, 200, st, "roll-up: %s", body)
}

// TestHostileInputRefused reproduces each attack of issue 10, cases 3 and
// 9, over HTTP against the real store: every one is refused with the
// status and code SPEC.md §10.4 gives, naming the field where there is
// one, nothing is stored, and the listings keep answering.
func TestHostileInputRefused(t *testing.T) {
	l := startLive(t, 0)
	const at = "2026-03-10T08:00:00+07:00"
	tests := []struct {
		name   string
		body   []byte
		status int
		code   string
		field  string
	}{
		{"event at the Unix epoch", wardEvent("a-epoch", "A-EPOCH", "1970-01-01T00:00:00Z", ""), 422, counter.CodeOutOfRange, "at"},
		{"event in 1999", wardEvent("a-1999", "A-1999", "1999-12-31T23:59:59+07:00", ""), 422, counter.CodeOutOfRange, "at"},
		{"slip due in 2300", wardEvent("a-2300", "A-2300", at, `, "slip": {"number": "1", "due_at": "2300-01-01T08:00:00+07:00"}`), 422, counter.CodeOutOfRange, "slip.due_at"},
		{"slip due 9999-12-31", wardEvent("a-9999", "A-9999", at, `, "slip": {"number": "1", "due_at": "9999-12-31T23:59:59+07:00"}`), 422, counter.CodeOutOfRange, "slip.due_at"},
		{"offset +24:00", wardEvent("a-24", "A-24", "2026-03-10T08:00:00+24:00", ""), 422, counter.CodeOutOfRange, "at"},
		{"offset -24:00 on a slip", wardEvent("a-m24", "A-M24", at, `, "slip": {"number": "1", "due_at": "2026-03-31T08:00:00-24:00"}`), 422, counter.CodeOutOfRange, "slip.due_at"},
		{"offset +14:60", wardEvent("a-1460", "A-1460", "2026-03-10T08:00:00+14:60", ""), 422, counter.CodeInvalid, "at"},
		{"a 1 MB applicant name", wardEvent("a-mb", "A-MB", at, `, "applicant": {"name": "`+strings.Repeat("A", 1_000_000)+`"}`), 422, counter.CodeTooLong, "applicant.name"},
		{"a 1 MB reason in a batch", []byte(`{"events": [` + string(wardEvent("a-b0", "A-B0", at, "")) + `,` +
			string(wardEvent("a-b1", "A-B1", at, `, "reason": "`+strings.Repeat("ư", 300_000)+`"`)) + `]}`), 422, counter.CodeTooLong, "events[1].reason"},
		{"NUL in a dossier code", wardEvent("a-nul", `A-\u0000NUL`, at, ""), 422, counter.CodeBadCharacters, "dossier"},
		{"RLO in a dossier code", wardEvent("a-rlo", "A-\u202eOLR", at, ""), 422, counter.CodeBadCharacters, "dossier"},
		{"RLO in an event id", wardEvent(`a-\u202e`, "A-RLO2", at, ""), 422, counter.CodeBadCharacters, "id"},
		{"NUL in an event id", wardEvent(`a-\u0000`, "A-NUL2", at, ""), 422, counter.CodeBadCharacters, "id"},
		{"RLO in a name", wardEvent("a-rlon", "A-RLON", at, `, "applicant": {"name": "Lê \u202eB"}`), 422, counter.CodeBadCharacters, "applicant.name"},
		{"at and At", wardEvent("a-case", "A-CASE", at, `, "At": "1970-01-01T00:00:00Z"`), 400, counter.CodeBadJSON, "At"},
		{"name twice", wardEvent("a-dup", "A-DUP", at, `, "applicant": {"name": "Lê B", "Name": "Lê C"}`), 400, counter.CodeBadJSON, "applicant.Name"},
		{"invalid UTF-8", wardEvent("a-utf", "A-UTF", at, `, "applicant": {"name": "L`+"\xea\xff"+`"}`), 400, counter.CodeBadJSON, ""},
		{"lone surrogate", wardEvent("a-sur", "A-SUR", at, `, "applicant": {"name": "L\ud800"}`), 400, counter.CodeBadJSON, ""},
	}
	before := l.logLength(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := l.rawPost(t, "desk-root", tt.body)
			require.Equal(t, tt.status, st, "%s", firstBytes(body))
			var e struct {
				Error struct {
					Code      string `json:"code"`
					Message   string `json:"message"`
					MessageVI string `json:"message_vi"`
					Field     string `json:"field"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &e), "%s", firstBytes(body))
			require.Equal(t, tt.code, e.Error.Code, "%s", body)
			require.Equal(t, tt.field, e.Error.Field, "%s", body)
			require.NotEmpty(t, e.Error.MessageVI)
			require.Less(t, len(body), 1000, "the refusal does not echo the input")
		})
	}
	require.Equal(t, before, l.logLength(t), "refusals store nothing")
	l.listingsAnswer(t)
}

func firstBytes(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestImplausibleDataStillListed: a store that took an event at the Unix
// epoch and slips due in 2300 and 9999 before the range existed (the
// rules of this test's config are widened to write them) keeps answering
// every listing, view and roll-up of the ward, district and city, where
// it used to panic into a 500 on each.
func TestImplausibleDataStillListed(t *testing.T) {
	l := startLive(t, 0)
	shipped := l.Config.Rules.PlausibleRange
	l.Config.Rules.PlausibleRange = counter.DateRange{}
	for _, b := range [][]byte{
		wardEvent("old-epoch", "OLD-EPOCH", "1970-01-01T00:00:00Z", ""),
		wardEvent("old-2300", "OLD-2300", "2026-03-10T08:00:00+07:00", `, "slip": {"number": "1", "due_at": "2300-01-01T08:00:00+07:00"}`),
		wardEvent("old-9999", "OLD-9999", "2026-03-10T09:00:00+07:00", `, "slip": {"number": "2", "due_at": "9999-12-31T23:59:59+07:00"}`),
		wardEvent("old-ok", "OLD-OK", "2026-03-10T10:00:00+07:00", ""),
	} {
		st, body := l.rawPost(t, "desk-root", b)
		require.Equal(t, 201, st, "%s", body)
	}
	l.Config.Rules.PlausibleRange = shipped

	l.listingsAnswer(t)
	st, body := l.rawGet(t, "supervisor-root", "/api/v1/dossiers?agency=tp-danang&limit=200")
	require.Equal(t, 200, st)
	for _, code := range []string{"OLD-EPOCH", "OLD-2300", "OLD-9999", "OLD-OK"} {
		require.Contains(t, string(body), `"code":"`+code+`"`)
		st, body := l.rawGet(t, "supervisor-root", "/api/v1/dossiers/"+code)
		require.Equal(t, 200, st, "%s: %s", code, body)
	}
	st, body = l.rawGet(t, "supervisor-root", "/api/v1/dossiers/OLD-EPOCH")
	require.Equal(t, 200, st)
	require.Contains(t, string(body), `"at":"1970-01-01T00:00:00Z"`, "the event reads back as sent")
	st, body = l.rawGet(t, "supervisor-root", "/api/v1/violations?agency=tp-danang")
	require.Equal(t, 200, st, "%s", body)

	// A new event on the epoch dossier gets an answer, never a 5xx.
	st, body = l.rawPost(t, "desk-root", []byte(`{"id": "old-epoch-2", "type": "withdrawn", "dossier": "OLD-EPOCH",
		"at": "2026-03-11T08:00:00+07:00", "agency": "phuong-haichau-ttpvhcc"}`))
	require.Less(t, st, 500, "%s", body)
}

// TestAlertWebhookStrictJSON: the Alertmanager webhook body is held to the
// same JSON rules as events: keys equal up to case, or bytes that are not
// UTF-8, are 400 bad_json.
func TestAlertWebhookStrictJSON(t *testing.T) {
	f := newFixture(t)
	sup, _ := f.tokens.add(t, dashboard.RoleSupervisor, "tp-danang")
	for body, field := range map[string]string{
		`{"version": "4", "status": "firing", "Status": "resolved", "alerts": []}`:             "Status",
		`{"version": "4", "alerts": [{"labels": {"agency": "so-xd", "Agency": "q-haichau"}}]}`: "alerts[0].labels.Agency",
		"{\"version\": \"4\", \"alerts\": [{\"labels\": {\"agency\": \"so-xd\xff\"}}]}":        "",
	} {
		r := do(t, f.s, "POST", "/api/v1/alerts", []byte(body), "Authorization", "Bearer "+sup)
		require.Equal(t, 400, r.Status, "%s: %s", body, r.Body)
		code, _, _, got := apiError(t, r)
		require.Equal(t, counter.CodeBadJSON, code)
		require.Equal(t, field, got)
	}
	r := do(t, f.s, "POST", "/api/v1/alerts", []byte(`{"version": "4", "status": "firing", "alerts": []}`), "Authorization", "Bearer "+sup)
	require.Equal(t, 200, r.Status, "%s", r.Body)
}
