package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// copyFile copies a file, as an operator restores the key file.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o600))
}

// dossierView fetches GET /dossiers/{code} as the dossier and its events.
func dossierView(t *testing.T, base, token, code string) (counter.Dossier, []counter.Event) {
	t.Helper()
	status, body := request(t, "GET", base+"/api/v1/dossiers/"+code, token, nil)
	require.Equal(t, 200, status, "%s", body)
	var v struct {
		Dossier counter.Dossier `json:"dossier"`
		Events  []counter.Event `json:"events"`
	}
	require.NoError(t, json.Unmarshal(body, &v))
	return v.Dossier, v.Events
}

// TestBackupRestore takes a backup while serving, starts a server on the
// copy (with the key file restored beside it) and reads the same dossiers
// with the same tokens; then takes one offline.
func TestBackupRestore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "motcua.db")
	env := map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": bootSecret}
	m, base := startServeDB(t, db, env)
	writer := mint(t, base, bootSecret, "integration", "so-xd")
	head := mint(t, base, bootSecret, "supervisor", "so-xd")
	for _, d := range []string{"B-1", "B-2", "B-3"} {
		status, body := request(t, "POST", base+"/api/v1/events", writer, receivedEvent(t, "ev-"+d, d))
		require.Equal(t, 201, status, "%s", body)
	}
	wantD, wantE := dossierView(t, base, writer, "B-2")

	out := filepath.Join(t.TempDir(), "backup.db")
	tests := []struct {
		name   string
		token  string
		args   []string
		code   int
		stderr string
	}{
		{"no source", bootSecret, []string{"backup", "--out", out}, ExitUsage, "give exactly one of --db and --server"},
		{"no out", bootSecret, []string{"backup", "--server", base}, ExitUsage, "--out is required"},
		{"no token", "", []string{"backup", "--server", base, "--out", out}, ExitFail, "set MOTCUA_TOKEN"},
		{"supervisor below the root", head, []string{"backup", "--server", base, "--out", out}, ExitFail, "403 Forbidden"},
		{"database held by the server", bootSecret, []string{"backup", "--db", db, "--out", out}, ExitFail, "timeout"},
		{"root supervisor", bootSecret, []string{"backup", "--server", base, "--out", out}, ExitOK, "back it up separately"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, context.Background(), map[string]string{"MOTCUA_TOKEN": tt.token}, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.stderr)
		})
	}
	// A write after the backup is not in it.
	status, body := request(t, "POST", base+"/api/v1/events", writer, receivedEvent(t, "ev-B-4", "B-4"))
	require.Equal(t, 201, status, "%s", body)
	require.NoError(t, m.Close())

	copyFile(t, db+".key", out+".key")
	_, restored := startServeDB(t, out, env)
	gotD, gotE := dossierView(t, restored, writer, "B-2")
	require.Equal(t, wantE, gotE)
	require.Equal(t, wantD.TrackingKey, gotD.TrackingKey, "the restored key file keys the same tracking keys")
	require.Equal(t, wantD.DueAt, gotD.DueAt)
	status, _ = request(t, "GET", restored+"/api/v1/dossiers/B-4", writer, nil)
	require.Equal(t, 404, status)

	// Offline, from the database no server holds any more.
	offline := filepath.Join(t.TempDir(), "offline.db")
	code, stdout, stderr := run(t, context.Background(), nil, "backup", "--db", db, "--out", offline)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "4 events")
	code, _, _ = run(t, context.Background(), nil, "verify", "--db", offline)
	require.Equal(t, ExitOK, code)
}
