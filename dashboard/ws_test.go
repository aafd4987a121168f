package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/demo"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/dashboard/hub"
	"github.com/motcua/motcua/violations"
)

// liveServer is the whole stack on a loopback port: the shipped Da Nang
// configuration, a real store with the rules, the hub and the pages.
type liveServer struct {
	URL    string
	Store  *store.Store
	Config *counter.Config
	Clock  *demo.Clock
	Hub    *hub.Hub
	Server *dashboard.Server
}

// liveTokens are the test's tokens and whom they speak for.
var liveTokens = map[string]dashboard.Principal{
	"viewer-root":            {Role: dashboard.RoleViewer, Agency: "tp-danang"},
	"desk-root":              {Role: dashboard.RoleDesk, Agency: "tp-danang"},
	"viewer-haichau":         {Role: dashboard.RoleViewer, Agency: "q-haichau"},
	"viewer-phuong-haichau":  {Role: dashboard.RoleViewer, Agency: "phuong-haichau"},
	"viewer-thanhkhe":        {Role: dashboard.RoleViewer, Agency: "q-thanhkhe"},
	"viewer-phuong-thanhkhe": {Role: dashboard.RoleViewer, Agency: "phuong-thanhkhe"},
	"supervisor-root":        {Role: dashboard.RoleSupervisor, Agency: "tp-danang"},
	// A per-official desk token: Hoàng Thu Hằng at Hải Châu's counter.
	"desk-hc-cb064":   {Role: dashboard.RoleDesk, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Name: "Hoàng Hữu Hải"},
	"head-thachthang": {Role: dashboard.RoleHead, Agency: "p-thachthang"},
	"head-root":       {Role: dashboard.RoleHead, Agency: "tp-danang"},
}

// liveNow is the instant the test clock stands at: a Wednesday afternoon.
var liveNow = time.Date(2026, 3, 11, 15, 0, 0, 0, mustLoadLocation("Asia/Ho_Chi_Minh"))

// startLive serves the stack; with history, days of demo history fill the
// store first so that the board has something to show.
func startLive(t testing.TB, historyDays int) *liveServer {
	t.Helper()
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	clock := &demo.Clock{Wall: func() time.Time { return liveNow }}
	h := hub.New(cfg)
	st, err := store.Open(filepath.Join(t.TempDir(), "live.db"), cfg, store.Options{
		Now: clock.Now, Evaluator: violations.New(), Publisher: h, NoSync: true,
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	})
	require.NoError(t, err)
	if historyDays > 0 {
		sim := demo.New(st, cfg, clock, 1, 42)
		sim.WarmupDays = historyDays
		sim.Sweep = st.SweepUntil
		require.NoError(t, sim.Warmup(context.Background(), liveNow))
	}
	clock.Set(liveNow, 0) // stands still from here
	srv := dashboard.NewServer(st, cfg)
	srv.Now = clock.Now
	srv.Hub = h
	srv.TrackingKey = st.TrackingKey
	srv.Authenticator = dashboard.AuthenticatorFunc(func(token string) (dashboard.Principal, error) {
		if p, ok := liveTokens[token]; ok {
			return p, nil
		}
		return dashboard.Principal{}, counter.Errorf(counter.CodeUnauthorized, "", "unknown token", "sai mã truy cập")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		h.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		st.Close()
	})
	return &liveServer{URL: "http://" + ln.Addr().String(), Store: st, Config: cfg, Clock: clock, Hub: h, Server: srv}
}

// post sends one event as token and returns the API's answer.
func (l *liveServer) post(t testing.TB, token string, e counter.Event) (int, map[string]json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(e)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, l.URL+"/api/v1/events", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &out), "body %s", body)
	return res.StatusCode, out
}

// refusal is an event that raises missing_reason at once: an intake
// refusal without a reason, at the counter of agency.
// The dossier code is in the national format, which the shipped rules
// expect: its sequence is derived from id.
func refusal(id, counterID string, at time.Time) counter.Event {
	code := fmt.Sprintf("000.00.31.H17-%s-%04d", at.Format("060102"), crc32.ChecksumIEEE([]byte(id))%10000)
	return counter.Event{ID: id, Type: counter.IntakeRefused, Dossier: code, At: at, Agency: counterID, Procedure: "1.000894"}
}

func (l *liveServer) dialWS(t testing.TB, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(l.URL, "http")+"/ws?"+query, header)
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, res, err
}

// nextOf reads messages until one of type typ arrives.
func nextOf(t testing.TB, conn *websocket.Conn, typ string) map[string]json.RawMessage {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := conn.ReadMessage()
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &m))
		if string(m["type"]) == `"`+typ+`"` {
			return m
		}
	}
}

// TestWebsocketFeed: a client of a district gets the violations, dossiers
// and roll-up nodes of its district as soon as they are committed, through
// fiber's adaptor (which needs fasthttp >= 1.53 for Hijack).
func TestWebsocketFeed(t *testing.T) {
	l := startLive(t, 0)
	hc, _, err := l.dialWS(t, "agency=phuong-haichau&access_token=viewer-phuong-haichau", nil)
	require.NoError(t, err)
	tk, _, err := l.dialWS(t, "agency=phuong-thanhkhe", http.Header{"Authorization": {"Bearer viewer-phuong-thanhkhe"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return l.Hub.Clients() == 2 }, 5*time.Second, 5*time.Millisecond)

	status, _ := l.post(t, "desk-root", refusal("e1", "phuong-haichau-ttpvhcc", liveNow.Add(-time.Hour)))
	require.Equal(t, http.StatusCreated, status)
	status, _ = l.post(t, "desk-root", refusal("e2", "phuong-thanhkhe-ttpvhcc", liveNow.Add(-time.Hour)))
	require.Equal(t, http.StatusCreated, status)

	var v counter.Violation
	require.NoError(t, json.Unmarshal(nextOf(t, hc, "violation")["violation"], &v))
	require.Equal(t, "phuong-haichau-ttpvhcc", v.Agency)
	require.Equal(t, counter.VMissingReason, v.Code)
	require.NoError(t, json.Unmarshal(nextOf(t, tk, "violation")["violation"], &v))
	require.Equal(t, "phuong-thanhkhe-ttpvhcc", v.Agency)

	// Roll-up nodes stop at the client's scope: Hải Châu never sees the city.
	seen := map[string]bool{}
	for i := 0; i < 2; i++ {
		var a string
		require.NoError(t, json.Unmarshal(nextOf(t, hc, "rollup")["agency"], &a))
		seen[a] = true
	}
	require.Equal(t, map[string]bool{"phuong-haichau-ttpvhcc": true, "phuong-haichau": true}, seen)
}

func TestWebsocketRefusals(t *testing.T) {
	l := startLive(t, 0)
	tests := []struct {
		name   string
		query  string
		header http.Header
		status int
	}{
		{"no token", "agency=q-haichau", nil, http.StatusUnauthorized},
		{"unknown token", "agency=q-haichau&access_token=nope", nil, http.StatusUnauthorized},
		{"outside scope", "agency=q-thanhkhe&access_token=viewer-haichau", nil, http.StatusForbidden},
		{"parent of scope", "agency=tp-danang&access_token=viewer-haichau", nil, http.StatusForbidden},
		{"unknown agency", "agency=nowhere&access_token=viewer-root", nil, http.StatusNotFound},
		{"other origin", "agency=q-haichau&access_token=viewer-haichau", http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := l.dialWS(t, tt.query, tt.header)
			require.Error(t, err)
			require.NotNil(t, res)
			require.Equal(t, tt.status, res.StatusCode)
		})
	}
	require.Zero(t, l.Hub.Clients())

	// The page's own origin is welcome.
	_, _, err := l.dialWS(t, "access_token=viewer-haichau", http.Header{"Origin": {l.URL}})
	require.NoError(t, err)
}

// TestAlertWebhook: Alertmanager's webhook reaches the boards of the
// alert's agency, and a board that connects later still sees it firing.
func TestAlertWebhook(t *testing.T) {
	l := startLive(t, 0)
	hook := func(token, body string) int {
		req, err := http.NewRequest(http.MethodPost, l.URL+"/api/v1/alerts", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	alert := func(status, agency string) string {
		return fmt.Sprintf(`{"version":"4","status":%q,"receiver":"wallboard","alerts":[{"status":%q,
			"labels":{"alertname":"OneStopDossierOverdue","agency":%q,"severity":"warning"},
			"annotations":{"summary":"Hồ sơ quá hạn tại %s"},"startsAt":"2026-03-11T08:00:00Z","fingerprint":"fp-%s"}]}`,
			status, status, agency, agency, agency)
	}
	require.Equal(t, http.StatusForbidden, hook("viewer-root", alert("firing", "q-haichau-motcua")))
	require.Equal(t, http.StatusOK, hook("supervisor-root", alert("firing", "q-haichau-motcua")))
	require.Equal(t, http.StatusOK, hook("supervisor-root", alert("firing", "q-thanhkhe-motcua")))

	hc, _, err := l.dialWS(t, "agency=q-haichau&access_token=viewer-haichau", nil)
	require.NoError(t, err)
	var a hub.Alert
	require.NoError(t, json.Unmarshal(nextOf(t, hc, "alert")["alert"], &a))
	require.Equal(t, "q-haichau-motcua", a.Labels["agency"])
	require.Equal(t, "firing", a.Status)

	require.Equal(t, http.StatusOK, hook("supervisor-root", alert("resolved", "q-haichau-motcua")))
	require.NoError(t, json.Unmarshal(nextOf(t, hc, "alert")["alert"], &a))
	require.Equal(t, "resolved", a.Status)
	require.Len(t, l.Hub.Alerts(), 1)
}
