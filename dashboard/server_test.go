package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/dashboard"
)

const testToken = "test-token"

var hcm = mustLoadLocation("Asia/Ho_Chi_Minh")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testConfig is a small city: one department with a counter, one district.
func testConfig() *counter.Config {
	root := &counter.Agency{ID: "tp-danang", Name: "UBND thành phố Đà Nẵng", Level: counter.LevelCity,
		Head: counter.Head{Name: "Nguyễn Văn A", Title: "Chủ tịch"},
		Children: []*counter.Agency{
			{ID: "so-xd", Name: "Sở Xây dựng", Level: counter.LevelDepartment, Head: counter.Head{Name: "Trần Thị B", Title: "Giám đốc"},
				Children: []*counter.Agency{{ID: "so-xd-motcua", Name: "Bộ phận một cửa", Level: counter.LevelCounter,
					Head: counter.Head{Name: "Lê C", Title: "Trưởng bộ phận"}, Desks: []string{"q1", "q2"}}}},
			{ID: "q-haichau", Name: "UBND quận Hải Châu", Level: counter.LevelDistrict, Head: counter.Head{Name: "Võ D", Title: "Chủ tịch"}},
		}}
	procs := []counter.Procedure{{Code: "1.009994", Name: "Cấp giấy phép xây dựng",
		LeadTime:  counter.Duration{Value: 15, Unit: calendar.Days},
		Documents: []counter.Document{{Code: "don", Name: "Đơn"}}, Basis: "Nghị định 15/2021/NĐ-CP"}}
	cal := &calendar.Calendar{
		Location:    hcm,
		Weekend:     map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute}, {Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour}},
		Holidays:    map[calendar.Date]string{},
		Workdays:    map[calendar.Date]string{},
	}
	return counter.NewConfig(root, []counter.Official{{ID: "cb-001", Name: "Phạm D", Agency: "so-xd-motcua"}}, procs, cal, counter.DefaultRules())
}

// now is the server clock of the tests: Wednesday 2026-03-18 10:00 local.
var now = time.Date(2026, 3, 18, 10, 0, 0, 0, hcm)

func newServer(t *testing.T, l *mock.Ledger) *dashboard.Server {
	t.Helper()
	s := dashboard.NewServer(l, testConfig())
	s.Now = func() time.Time { return now }
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return s
}

type response struct {
	Status int
	Body   []byte
}

// do sends one request through the app, with the test token unless
// headers say otherwise.
func do(t *testing.T, s *dashboard.Server, method, path string, body []byte, headers ...string) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := s.App().Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Body: b}
}

// apiError decodes an error body, failing unless it has exactly the shape
// of SPEC.md §6.1.
func apiError(t *testing.T, r response) (code, message, messageVI, field string) {
	t.Helper()
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Body, &top), "body %s", r.Body)
	require.Len(t, top, 1, "body %s", r.Body)
	var e map[string]string
	require.NoError(t, json.Unmarshal(top["error"], &e), "body %s", r.Body)
	for k := range e {
		require.Contains(t, []string{"code", "message", "message_vi", "field"}, k, "body %s", r.Body)
	}
	require.NotEmpty(t, e["code"])
	require.NotEmpty(t, e["message"])
	require.NotEmpty(t, e["message_vi"])
	if f, ok := e["field"]; ok {
		require.NotEmpty(t, f, "field must be omitted when empty")
	}
	return e["code"], e["message"], e["message_vi"], e["field"]
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		ready  func() error
		status int
		body   string
	}{
		{"healthz", "/api/v1/healthz", nil, 200, `{"status":"ok"}`},
		{"ready", "/api/v1/readyz", func() error { return nil }, 200, `{"status":"ready"}`},
		{"not ready", "/api/v1/readyz", func() error { return io.ErrClosedPipe }, 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{})
			s.Ready = tt.ready
			r := do(t, s, "GET", tt.path, nil, "Authorization", "")
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			if tt.body != "" {
				require.JSONEq(t, tt.body, string(r.Body))
				return
			}
			code, _, _, _ := apiError(t, r)
			require.Equal(t, counter.CodeUnavailable, code)
		})
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"basic", "Basic dXNlcjpwYXNz", http.StatusUnauthorized},
		{"bearer without token", "Bearer ", http.StatusUnauthorized},
		{"bearer word only", "Bearer", http.StatusUnauthorized},
		{"any token for now", "Bearer abc", http.StatusOK},
		{"scheme is case-insensitive", "bearer abc", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{})
			r := do(t, s, "GET", "/api/v1/procedures", nil, "Authorization", tt.header)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			if tt.status == http.StatusUnauthorized {
				code, msg, vi, _ := apiError(t, r)
				require.Equal(t, counter.CodeUnauthorized, code)
				require.Contains(t, msg, "Bearer")
				require.Contains(t, vi, "mã truy cập")
			}
		})
	}
}

func TestAuthenticatorSeam(t *testing.T) {
	var got dashboard.Principal
	s := newServer(t, &mock.Ledger{})
	s.Authenticator = dashboard.AuthenticatorFunc(func(tok string) (dashboard.Principal, error) {
		if tok != "good" {
			return dashboard.Principal{}, counter.Errorf(counter.CodeUnauthorized, "", "unknown token", "mã không tồn tại")
		}
		return dashboard.Principal{Role: dashboard.RoleViewer, Agency: "so-xd"}, nil
	})
	s.App().Get("/api/v1/whoami", func(c *fiber.Ctx) error {
		got, _ = dashboard.PrincipalOf(c)
		return c.SendStatus(204)
	})
	r := do(t, s, "GET", "/api/v1/whoami", nil, "Authorization", "Bearer bad")
	require.Equal(t, 401, r.Status)
	r = do(t, s, "GET", "/api/v1/whoami", nil, "Authorization", "Bearer good")
	require.Equal(t, 204, r.Status)
	require.Equal(t, dashboard.Principal{Role: dashboard.RoleViewer, Agency: "so-xd"}, got)
}

func TestOpenAuthenticator(t *testing.T) {
	a := dashboard.OpenAuthenticator{Bootstrap: "boot-secret", Root: "tp-danang"}
	tests := []struct {
		token string
		want  dashboard.Principal
		err   bool
	}{
		{token: "", err: true},
		{token: "boot-secret", want: dashboard.Principal{Name: "bootstrap", Role: dashboard.RoleSupervisor, Agency: "tp-danang"}},
		{token: "boot-secret2", want: dashboard.Principal{Role: dashboard.RoleIntegration, Agency: "tp-danang"}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			p, err := a.Authenticate(tt.token)
			if tt.err {
				require.Equal(t, counter.CodeUnauthorized, counter.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, p)
		})
	}
	// Without a bootstrap token configured, no token is a supervisor.
	p, err := dashboard.OpenAuthenticator{Root: "tp-danang"}.Authenticate("x")
	require.NoError(t, err)
	require.NotEqual(t, dashboard.RoleSupervisor, p.Role)
}

func TestFiberErrors(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		auth   string
		status int
		code   string
	}{
		{"unknown api route", "GET", "/api/v1/nope", nil, "Bearer x", 404, counter.CodeNotFound},
		{"unknown route outside api", "GET", "/nope", nil, "", 404, counter.CodeNotFound},
		{"wrong method", "DELETE", "/api/v1/events", nil, "Bearer x", 405, dashboard.CodeMethodNotAllowed},
		{"wrong method on healthz", "POST", "/api/v1/healthz", []byte("{}"), "Bearer x", 405, dashboard.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{})
			r := do(t, s, tt.method, tt.path, tt.body, "Authorization", tt.auth)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			code, _, _, _ := apiError(t, r)
			require.Equal(t, tt.code, code)
		})
	}
}

func TestPanicIsInternalError(t *testing.T) {
	s := newServer(t, &mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			panic("boom: secret detail")
		},
	})
	r := do(t, s, "POST", "/api/v1/events", []byte(receivedJSON))
	require.Equal(t, 500, r.Status)
	code, msg, _, _ := apiError(t, r)
	require.Equal(t, counter.CodeInternal, code)
	require.NotContains(t, msg, "secret")
	require.NotContains(t, string(r.Body), "secret")
}

// serve runs s on a real listener, for what app.Test cannot show:
// connections, timeouts, resets.
func serve(t *testing.T, s *dashboard.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, s.Shutdown(context.Background()))
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String()
}

// TestBodyTooLarge: a body over 1 MiB gets a readable 413, also while the
// client is still sending it (issue 10: "sometimes a TCP reset instead of a
// readable 413"); a client without a token gets its 401 the same way.
func TestBodyTooLarge(t *testing.T) {
	var calls int
	s := newServer(t, &mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			calls++
			return &counter.RecordResult{Events: events}, nil
		},
	})
	base := serve(t, s)
	under := append([]byte(receivedJSON), bytes.Repeat([]byte(" "), dashboard.DefaultBodyLimit-len(receivedJSON))...)
	over := bytes.Repeat([]byte(" "), dashboard.DefaultBodyLimit+1)
	tests := []struct {
		name    string
		body    []byte
		chunked bool
		token   string
		status  int
		code    string
	}{
		{"just under the limit", under, false, "x", 201, ""},
		{"over the limit", over, false, "x", 413, counter.CodeBodyTooLarge},
		{"over the limit, chunked", over, true, "x", 413, counter.CodeBodyTooLarge},
		{"over the limit, 3 MiB", bytes.Repeat([]byte(" "), 3<<20), false, "x", 413, counter.CodeBodyTooLarge},
		{"no token", over, false, "", 401, counter.CodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Over and over: a reset came only sometimes.
			for range 10 {
				r := rawPost(t, base, tt.token, tt.body, tt.chunked)
				require.Equal(t, tt.status, r.Status, "body %s", r.Body)
				if tt.code != "" {
					code, _, _, _ := apiError(t, r)
					require.Equal(t, tt.code, code)
				}
			}
		})
	}
	require.Equal(t, 10, calls)

	// The same through Go's client, which writes the body while it reads.
	req, err := http.NewRequest("POST", base+"/api/v1/events", bytes.NewReader(over))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer x")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 413, res.StatusCode, "body %s", b)
}

// rawPost sends POST /api/v1/events on a new connection, writing the whole
// body while it reads the answer, as a client that does not wait for one
// would.
func rawPost(t *testing.T, base, token string, body []byte, chunked bool) response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	var head strings.Builder
	head.WriteString("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
	if token != "" {
		head.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	var payload []byte
	if chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 64<<10)
			payload = fmt.Appendf(payload, "%x\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		payload = append(payload, "0\r\n\r\n"...)
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n", len(body))
		payload = body
	}
	go func() {
		conn.Write([]byte(head.String()))
		conn.Write(payload) // may fail once the server has answered and closed
	}()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the answer must arrive, not a reset")
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Body: b}
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s := newServer(t, &mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			close(entered)
			<-release
			return &counter.RecordResult{Events: events}, nil
		},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	status := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/events", strings.NewReader(receivedJSON))
		req.Header.Set("Authorization", "Bearer x")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- 0
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	close(release)
	require.Equal(t, 201, <-status, "the request in flight at shutdown is answered")
	require.NoError(t, <-shut)
	require.NoError(t, <-served)
}

func TestShutdownBeforeServe(t *testing.T) {
	s := newServer(t, &mock.Ledger{})
	require.NoError(t, s.Shutdown(context.Background()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, s.Serve(ln), "Serve after Shutdown returns at once")
	_, err = net.Dial("tcp", ln.Addr().String())
	require.Error(t, err, "the listener is closed")
}
