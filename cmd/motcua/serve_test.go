package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// startServe runs `motcua serve` on 127.0.0.1:0 with a fresh database and
// the repository's configuration, and returns its base URL.
func startServe(t *testing.T, env map[string]string) (*Main, string, string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "motcua.db")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	require.NoError(t, m.ParseFlags([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig, "--log-format", "json"}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m, "http://" + m.cmd.(*ServeCommand).BoundAddr().String(), db
}

func request(t *testing.T, method, url, token string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

// receivedEvent returns a receipt at the construction department's counter
// an hour ago, with an official and a procedure of the shipped config.
func receivedEvent(t *testing.T, id, dossier string) []byte {
	t.Helper()
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	var official string
	for _, o := range cfg.Officials {
		if o.Agency == "so-xd-motcua" {
			official = o.ID
			break
		}
	}
	require.NotEmpty(t, official, "the shipped config has an official at so-xd-motcua")
	require.NotNil(t, cfg.Procedure("1.009994"))
	at := time.Now().In(cfg.Calendar.Location).Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	return fmt.Appendf(nil, `{"id": %q, "type": "received", "dossier": %q, "at": %q, "agency": "so-xd-motcua",
		"official": %q, "procedure": "1.009994", "channel": "direct", "applicant": {"name": "Hoàng E"}}`, id, dossier, at, official)
}

func TestServe(t *testing.T) {
	m, base, db := startServe(t, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": "boot"})

	status, body := request(t, "GET", base+"/api/v1/healthz", "", nil)
	require.Equal(t, 200, status, "%s", body)
	status, body = request(t, "GET", base+"/api/v1/readyz", "", nil)
	require.Equal(t, 200, status, "%s", body)
	status, _ = request(t, "GET", base+"/api/v1/dossiers/X", "", nil)
	require.Equal(t, 401, status)

	// The bootstrap supervisor mints the integration token that writes.
	status, body = request(t, "POST", base+"/api/v1/tokens", "boot", []byte(`{"role":"integration","agency":"tp-danang","name":"e2e"}`))
	require.Equal(t, 201, status, "%s", body)
	var minted struct{ Token string }
	require.NoError(t, json.Unmarshal(body, &minted))
	writer := minted.Token

	ev := receivedEvent(t, "e2e-1", "E2E-0001")
	status, body = request(t, "POST", base+"/api/v1/events", writer, ev)
	require.Equal(t, 201, status, "%s", body)
	var rec struct {
		Events   []counter.Event   `json:"events"`
		Dossiers []counter.Dossier `json:"dossiers"`
	}
	require.NoError(t, json.Unmarshal(body, &rec))
	require.Len(t, rec.Events, 1)
	require.NotZero(t, rec.Events[0].Seq)
	require.Len(t, rec.Dossiers, 1)
	require.Equal(t, counter.DossierProcessing, rec.Dossiers[0].Status)

	// A retry of the same event is answered 200 and stores nothing new.
	status, body = request(t, "POST", base+"/api/v1/events", writer, ev)
	require.Equal(t, 200, status, "%s", body)

	status, body = request(t, "GET", base+"/api/v1/dossiers/E2E-0001", "boot", nil)
	require.Equal(t, 200, status, "%s", body)
	var view struct {
		Dossier counter.Dossier `json:"dossier"`
		Events  []counter.Event `json:"events"`
	}
	require.NoError(t, json.Unmarshal(body, &view))
	require.Equal(t, "E2E-0001", view.Dossier.Code)
	require.Equal(t, "so-xd-motcua", view.Dossier.Holder)
	require.NotNil(t, view.Dossier.DueAt)
	require.Equal(t, counter.ClockOnTrack, view.Dossier.Clock.State)
	require.Len(t, view.Events, 1)
	require.Equal(t, "e2e-1", view.Events[0].ID)

	status, body = request(t, "GET", base+"/api/v1/dossiers?agency=so-xd", "boot", nil)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"code":"E2E-0001"`)

	status, body = request(t, "GET", base+"/metrics", "", nil)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `motcua_events_total{type="received"} 1`)
	require.Contains(t, string(body), `motcua_http_request_duration_seconds_count{code="201",method="POST",route="/api/v1/events"} 1`)
	require.Contains(t, string(body), "motcua_store_commit_duration_seconds_count")

	// After Close the database is released and holds the event.
	require.NoError(t, m.Close())
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	st, err := store.Open(db, cfg, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	d, events, _, err := st.FindDossierByCode(context.Background(), "E2E-0001")
	require.NoError(t, err)
	require.Equal(t, counter.DossierProcessing, d.Status)
	require.Len(t, events, 1)
}

// TestServeStopsOnSignal runs the whole Execute path with a context that is
// already cancelled, as after SIGTERM: it starts, shuts down and exits 0.
func TestServeStopsOnSignal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db := filepath.Join(t.TempDir(), "motcua.db")
	code, _, stderr := run(t, ctx, nil, "serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig)
	require.Equal(t, ExitOK, code, "stderr %s", stderr)
	require.Contains(t, stderr, "motcua serving")
	require.Contains(t, stderr, "shutting down")
	require.Contains(t, stderr, "stopped")
	_, err := os.Stat(db)
	require.NoError(t, err)
}

func TestServeRefusesInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "agencies.yaml"), []byte("agencies: []\n"), 0o644))
	db := filepath.Join(t.TempDir(), "motcua.db")
	code, _, stderr := run(t, context.Background(), nil, "serve", "--addr", "127.0.0.1:0", "--db", db, "--config", dir)
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, filepath.Join(dir, "procedures.yaml")+": file is missing")
	_, err := os.Stat(db)
	require.ErrorIs(t, err, os.ErrNotExist, "no database is created for an invalid config")
}

func TestServeAddressInUse(t *testing.T) {
	_, base, _ := startServe(t, nil)
	db := filepath.Join(t.TempDir(), "motcua.db")
	code, _, stderr := run(t, context.Background(), nil, "serve", "--addr", base[len("http://"):], "--db", db, "--config", shippedConfig)
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "listen")
}
