package dashboard_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/dashboard"
)

// TestRevokeClosesWebsockets: revoking a token closes the websockets it
// opened within a second (issue 10, case 6: 28 messages over 75 s after
// revocation); another token's stay open.
func TestRevokeClosesWebsockets(t *testing.T) {
	f := newFixture(t)
	sup, _ := f.tokens.add(t, dashboard.RoleSupervisor, "tp-danang")
	viewer, viewerID := f.tokens.add(t, dashboard.RoleViewer, "so-xd")
	other, _ := f.tokens.add(t, dashboard.RoleViewer, "so-xd")
	base := serve(t, f.s)
	dial := func(token string) *websocket.Conn {
		conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws",
			http.Header{"Authorization": {"Bearer " + token}})
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	revoked, kept := dial(viewer), dial(other)
	require.Eventually(t, func() bool { return f.s.Hub.Clients() == 2 }, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	req, err := http.NewRequest("DELETE", base+"/api/v1/tokens/"+viewerID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+sup)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)

	require.NoError(t, revoked.SetReadDeadline(start.Add(time.Second)))
	for {
		_, _, err = revoked.ReadMessage()
		if err != nil {
			break
		}
	}
	var ce *websocket.CloseError
	require.True(t, errors.As(err, &ce), "the socket must be closed within 1 s, got %v after %v", err, time.Since(start))
	require.Equal(t, websocket.ClosePolicyViolation, ce.Code)
	require.Equal(t, "token revoked", ce.Text)

	require.NoError(t, kept.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, _, err = kept.ReadMessage()
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the other token's socket stays open, got %v", err)
	require.Equal(t, 1, f.s.Hub.Clients())
}

// TestBodyReadAfterAuth: a body is read only once its token is checked,
// and bodies together stay within the budget of bytes in flight (issue
// 10, case 2: 1,500 connections trickling bodies that announce 1 MB took
// the process from 26 MB to 1.5 GB, no token needed).
func TestBodyReadAfterAuth(t *testing.T) {
	s := newServer(t, &mock.Ledger{})
	s.Authenticator = dashboard.AuthenticatorFunc(func(token string) (dashboard.Principal, error) {
		if token == "good" {
			return dashboard.Principal{Role: dashboard.RoleIntegration, Agency: "tp-danang"}, nil
		}
		return dashboard.Principal{}, counter.Errorf(counter.CodeUnauthorized, "", "unknown token", "sai mã")
	})
	s.AuthLimiter = nil
	s.BodyBytesInFlight = 2_500_000 // two bodies of 1 MB
	s.BodyTimeout = 3 * time.Second
	base := serve(t, s)
	addr := strings.TrimPrefix(base, "http://")

	// trickle announces a 1,000,000-byte body, sends 10 KiB of it and
	// keeps the connection open.
	trickle := func(token string) net.Conn {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		_, err = fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Length: 1000000\r\n\r\n%s", token, bytes.Repeat([]byte("x"), 10<<10))
		require.NoError(t, err)
		return conn
	}
	status := func(conn net.Conn) int {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		b := make([]byte, 12)
		_, err := io.ReadFull(conn, b)
		require.NoError(t, err)
		var code int
		_, err = fmt.Sscanf(string(b), "HTTP/1.1 %d", &code)
		require.NoError(t, err)
		return code
	}

	t.Run("no token: 401 at once, the body unread", func(t *testing.T) {
		start := time.Now()
		require.Equal(t, 401, status(trickle("bad")))
		require.Less(t, time.Since(start), 2*time.Second, "not after the body timeout")
	})
	t.Run("budget of bytes in flight", func(t *testing.T) {
		// Two slow bodies of 1 MB take the budget; the third is refused at
		// once, the other two end at the body timeout.
		a, b, c := trickle("good"), trickle("good"), trickle("good")
		got := []int{status(a), status(b), status(c)}
		slices.Sort(got)
		require.Equal(t, []int{408, 408, 429}, got)
		// Then the budget is free again: a whole body goes through.
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		body := bytes.Repeat([]byte(" "), 1000000)
		_, err = fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"+
			"Content-Length: %d\r\n\r\n%s", len(body), body)
		require.NoError(t, err)
		require.Equal(t, 400, status(conn), "read whole, then refused as malformed JSON")
	})
	t.Run("compressed body refused", func(t *testing.T) {
		r := rawPostHeaders(t, base, "Authorization: Bearer good\r\nContent-Encoding: gzip\r\n", []byte("\x1f\x8b"))
		require.Equal(t, 415, r.Status, "body %s", r.Body)
		code, _, _, _ := apiError(t, r)
		require.Equal(t, dashboard.CodeUnsupportedEncoding, code)
	})
}

// TestHeaderAndIdleTimeouts: a client that opens a connection and sends
// nothing, or trickles its headers, is cut off at the header timeout; an
// idle keep-alive connection at the idle timeout.
func TestHeaderAndIdleTimeouts(t *testing.T) {
	s := newServer(t, &mock.Ledger{})
	s.HeaderTimeout = 500 * time.Millisecond
	s.IdleTimeout = 700 * time.Millisecond
	base := serve(t, s)
	addr := strings.TrimPrefix(base, "http://")
	closedWithin := func(t *testing.T, conn net.Conn, d time.Duration) {
		t.Helper()
		start := time.Now()
		require.NoError(t, conn.SetReadDeadline(start.Add(5*time.Second)))
		// EOF, or a reset when the client was still writing.
		_, err := io.Copy(io.Discard, conn)
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server closes the connection")
		require.Less(t, time.Since(start), d)
	}
	t.Run("silent", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		closedWithin(t, conn, 2*time.Second)
	})
	t.Run("slowloris", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, b := range []byte("GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nX-A: ") {
				if _, err := conn.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		closedWithin(t, conn, 2*time.Second)
		<-done
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.Write([]byte("GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
		res, err := http.ReadResponse(bufioReader(conn), nil)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
		closedWithin(t, conn, 2*time.Second)
	})
}

// rawPostHeaders sends POST /api/v1/events with extra header lines.
func rawPostHeaders(t *testing.T, base, headers string, body []byte) response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /api/v1/events HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s",
		headers, len(body), body)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	res, err := http.ReadResponse(bufioReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Body: b}
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
