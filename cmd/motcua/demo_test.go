package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startDemo(t *testing.T, db string) (*Main, string, *syncBuffer) {
	t.Helper()
	return startDemoEnv(t, db, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": "boot"})
}

func startDemoEnv(t *testing.T, db string, env map[string]string) (*Main, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	m := &Main{Stdout: io.Discard, Stderr: logs, Getenv: func(k string) string { return env[k] }}
	require.NoError(t, m.ParseFlags([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig,
		"--demo", "--demo-speed", "120"}))
	require.NoError(t, m.Run(context.Background()))
	return m, "http://" + m.cmd.(*ServeCommand).BoundAddr().String(), logs
}

// TestServeDemo: on an empty database the board moves within seconds of
// start; on one with data the demo stands aside.
func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	m, base, logs := startDemo(t, db)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws?agency=tp-danang&access_token=boot", nil)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	kinds := map[string]int{}
	for kinds["violation"] == 0 || kinds["dossier"] == 0 || kinds["rollup"] == 0 {
		_, b, err := conn.ReadMessage()
		require.NoError(t, err, "the board got %v so far", kinds)
		var msg struct{ Type string }
		require.NoError(t, json.Unmarshal(b, &msg))
		kinds[msg.Type]++
	}
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "demo: live") }, 60*time.Second, 10*time.Millisecond)
	// The supervisor secret never goes in a URL: the kiosk link carries a
	// viewer token of its own.
	require.NotContains(t, logs.String(), "access_token=boot")
	require.Contains(t, logs.String(), "/wallboard?access_token=mc_")
	require.Contains(t, logs.String(), "desk_token=mc_")
	status, body := request(t, "GET", base+"/api/v1/rollup", "boot", nil)
	require.Equal(t, 200, status)
	var root struct{ Received int }
	require.NoError(t, json.Unmarshal(body, &root))
	require.Greater(t, root.Received, 100, "the demo played days of history")
	require.NoError(t, m.Close())
	require.NotContains(t, logs.String(), "level=ERROR")

	// The database now holds data: a second demo refuses to touch it.
	m, _, logs = startDemo(t, db)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "demo skipped") }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, m.Close())
}

// TestServeDemoKioskLink: without a bootstrap token, the demo mints a
// read-only viewer token and logs a kiosk link a newcomer can open.
func TestServeDemoKioskLink(t *testing.T) {
	m, base, logs := startDemoEnv(t, filepath.Join(t.TempDir(), "demo.db"), map[string]string{})
	defer m.Close()
	var link string
	require.Eventually(t, func() bool {
		_, rest, ok := strings.Cut(logs.String(), "/wallboard?access_token=")
		if ok {
			link, _, _ = strings.Cut(rest, `"`)
		}
		return ok
	}, 10*time.Second, 10*time.Millisecond)
	require.True(t, strings.HasPrefix(link, "mc_"), "a real token in the link, got %q", link)
	status, _ := request(t, "GET", base+"/api/v1/rollup", link, nil)
	require.Equal(t, 200, status, "the kiosk token reads the whole city")
	status, _ = request(t, "POST", base+"/api/v1/events", link, receivedEvent(t, "k1", "K-1"))
	require.Equal(t, 403, status, "but writes nothing")
}
