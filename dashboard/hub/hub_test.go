package hub_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/dashboard/hub"
)

// testConfig is a city with two districts, each with a counter and a
// division.
func testConfig() *counter.Config {
	root := &counter.Agency{ID: "city", Name: "UBND thành phố", Level: counter.LevelCity, Children: []*counter.Agency{
		{ID: "qa", Name: "Quận A", Level: counter.LevelDistrict, Children: []*counter.Agency{
			{ID: "qa-motcua", Level: counter.LevelCounter, Desks: []string{"q1"}},
			{ID: "qa-tnmt", Level: counter.LevelDivision},
		}},
		{ID: "qb", Name: "Quận B", Level: counter.LevelDistrict, Children: []*counter.Agency{
			{ID: "qb-motcua", Level: counter.LevelCounter, Desks: []string{"q1"}},
		}},
	}}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	return counter.NewConfig(root, nil, nil, &calendar.Calendar{Location: loc}, counter.DefaultRules())
}

// serveHub starts a websocket endpoint whose ?agency= is the client's scope.
func serveHub(t *testing.T, h *hub.Hub) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		serve := h.Serve
		if r.URL.Query().Get("redact") == "1" {
			serve = h.ServeRedacted
		}
		if err := serve(conn, r.URL.Query().Get("agency")); err != nil {
			t.Log(err)
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dial(t *testing.T, url, agency string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url+"?agency="+agency, nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

type msg struct {
	Type      string              `json:"type"`
	Agency    string              `json:"agency"`
	Violation *counter.Violation  `json:"violation"`
	Dossier   *counter.Dossier    `json:"dossier"`
	Node      *counter.RollupNode `json:"node"`
	Alert     *hub.Alert          `json:"alert"`
}

// readUntil reads messages (skipping pings) until one of type "marker"
// arrives, and returns those before it.
func readUntil(t *testing.T, conn *websocket.Conn, marker string) []msg {
	t.Helper()
	var out []msg
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := conn.ReadMessage()
		require.NoError(t, err)
		var m msg
		require.NoError(t, json.Unmarshal(b, &m))
		if m.Type == "ping" {
			continue
		}
		if m.Type == "violation" && m.Violation.ID == marker {
			return out
		}
		out = append(out, m)
	}
}

func waitClients(t *testing.T, h *hub.Hub, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return h.Clients() == n }, 10*time.Second, 5*time.Millisecond)
}

// markers publishes a violation "end" in every leaf, so that each client
// knows it has read everything published before.
func markers(h *hub.Hub) {
	h.Publish(counter.Change{Violations: []counter.Violation{
		{ID: "end", Code: counter.VOverdue, Agency: "qa-motcua"},
		{ID: "end", Code: counter.VOverdue, Agency: "qb-motcua"},
		{ID: "end", Code: counter.VOverdue, Agency: "qa-tnmt"},
	}})
}

func TestPublishScope(t *testing.T) {
	h := hub.New(testConfig())
	t.Cleanup(h.Close)
	url := serveHub(t, h)
	conns := map[string]*websocket.Conn{}
	for _, a := range []string{"city", "qa", "qb", "qa-tnmt"} {
		conns[a] = dial(t, url, a)
	}
	waitClients(t, h, 4)
	h.Publish(counter.Change{
		Violations: []counter.Violation{{ID: "v1", Code: counter.VMissingSlip, Agency: "qa-motcua"}},
		Dossiers: []*counter.Dossier{
			{Code: "D-A", Agency: "qa-motcua", Holder: "qa-tnmt", Applicant: &counter.Applicant{Name: "Hoàng E"}},
			{Code: "D-B", Agency: "qb-motcua", Holder: "qb-motcua"},
			// Passed on by qa-tnmt to another district: qa-tnmt still sees it.
			{Code: "D-C", Agency: "qa-motcua", Holder: "qb-motcua", Visible: []string{"qa-motcua", "qa-tnmt", "qb-motcua"}},
		},
		Rollup: []*counter.RollupNode{
			{Agency: "qa-motcua", Total: map[string]int{"missing_slip": 1}},
			{Agency: "qa", Total: map[string]int{"missing_slip": 1}},
			{Agency: "city", Total: map[string]int{"missing_slip": 1}},
		},
	})
	markers(h)
	tests := []struct {
		scope string
		want  []string
	}{
		{"city", []string{"violation v1", "dossier D-A", "dossier D-B", "dossier D-C", "rollup qa-motcua", "rollup qa", "rollup city"}},
		{"qa", []string{"violation v1", "dossier D-A", "dossier D-C", "rollup qa-motcua", "rollup qa"}},
		{"qb", []string{"dossier D-B", "dossier D-C"}},
		{"qa-tnmt", []string{"dossier D-A", "dossier D-C"}},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			var got []string
			for _, m := range readUntil(t, conns[tt.scope], "end") {
				switch m.Type {
				case "violation":
					got = append(got, "violation "+m.Violation.ID)
				case "dossier":
					got = append(got, "dossier "+m.Dossier.Code)
				case "rollup":
					require.Equal(t, m.Agency, m.Node.Agency)
					got = append(got, "rollup "+m.Agency)
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestAlerts(t *testing.T) {
	h := hub.New(testConfig())
	t.Cleanup(h.Close)
	url := serveHub(t, h)
	h.Alert(hub.Alert{Status: "firing", Fingerprint: "f1", Labels: map[string]string{"alertname": "OneStopDossierOverdue", "agency": "qa-motcua"}})
	h.Alert(hub.Alert{Status: "firing", Fingerprint: "f2", Labels: map[string]string{"alertname": "MotcuaDown"}})
	h.Alert(hub.Alert{Status: "firing", Fingerprint: "f3", Labels: map[string]string{"alertname": "OneStopDeskUnstaffed", "agency": "qb-motcua"}})
	h.Alert(hub.Alert{Status: "resolved", Fingerprint: "f3", Labels: map[string]string{"alertname": "OneStopDeskUnstaffed", "agency": "qb-motcua"}})
	require.Len(t, h.Alerts(), 2)

	conns := map[string]*websocket.Conn{}
	for _, a := range []string{"city", "qa", "qb"} {
		conns[a] = dial(t, url, a)
	}
	waitClients(t, h, 3)
	h.Alert(hub.Alert{Status: "firing", Fingerprint: "f4", Labels: map[string]string{"alertname": "OneStopDeskUnstaffed", "agency": "qb-motcua"}})
	markers(h)
	tests := []struct {
		scope string
		want  []string
	}{
		{"city", []string{"firing f1", "firing f2", "firing f4"}}, // kept ones first, on connect
		{"qa", []string{"firing f1"}},
		{"qb", []string{"firing f4"}},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			var got []string
			for _, m := range readUntil(t, conns[tt.scope], "end") {
				if m.Type == "alert" {
					got = append(got, m.Alert.Status+" "+m.Alert.Fingerprint)
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestSlowClient: a client that stops reading is dropped; the publisher
// and the other clients carry on.
func TestSlowClient(t *testing.T) {
	h := hub.New(testConfig())
	h.SendBuffer = 8
	t.Cleanup(h.Close)
	url := serveHub(t, h)
	fast := dial(t, url, "qa")
	slow := dial(t, url, "qa")
	_ = slow // never read
	waitClients(t, h, 2)

	const n = 300
	big := strings.Repeat("x", 64<<10)
	var count atomic.Int64
	received := make(chan int64, 1)
	go func() {
		fast.SetReadDeadline(time.Now().Add(60 * time.Second))
		for count.Load() < n {
			_, b, err := fast.ReadMessage()
			if err != nil {
				break
			}
			if strings.Contains(string(b), `"type":"violation"`) {
				count.Add(1)
			}
		}
		received <- count.Load()
	}()
	for i := 0; i < n; i++ {
		// Keep the fast reader within half its buffer, however slow the
		// machine: the test is about the reader that never reads.
		for deadline := time.Now().Add(20 * time.Second); count.Load() < int64(i-h.SendBuffer/2) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		// Publish must return even though the slow client's socket is full.
		h.Publish(counter.Change{Violations: []counter.Violation{{ID: "v", Agency: "qa-motcua", Details: map[string]any{"pad": big}}}})
	}
	require.Equal(t, int64(n), <-received, "the fast client loses nothing")
	waitClients(t, h, 1)
}

func TestCloseDisconnects(t *testing.T) {
	h := hub.New(testConfig())
	counts := make(chan int, 10)
	h.OnClients = func(n int) { counts <- n }
	url := serveHub(t, h)
	conn := dial(t, url, "city")
	waitClients(t, h, 1)
	h.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := conn.ReadMessage()
	require.True(t, websocket.IsCloseError(err, websocket.CloseGoingAway), "err=%v", err)
	require.Equal(t, 0, h.Clients())
	require.Equal(t, 1, <-counts)
	require.Equal(t, 0, <-counts)

	// The hub refuses clients after Close.
	c2, _, err := websocket.DefaultDialer.Dial(url+"?agency=city", nil)
	require.NoError(t, err)
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c2.ReadMessage()
	require.Error(t, err)
}

func TestPing(t *testing.T) {
	h := hub.New(testConfig())
	h.PingInterval = 20 * time.Millisecond
	t.Cleanup(h.Close)
	conn := dial(t, serveHub(t, h), "qa")
	pinged := make(chan struct{}, 1)
	conn.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return conn.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
	})
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := conn.ReadMessage()
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"ping"}`, string(b))
	<-pinged
}
