package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/dashboard"
)

// startServeDB runs `motcua serve` on db, like startServe.
func startServeDB(t *testing.T, db string, env map[string]string) (*Main, string) {
	t.Helper()
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	require.NoError(t, m.ParseFlags([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig, "--log-format", "json"}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m, "http://" + m.cmd.(*ServeCommand).BoundAddr().String()
}

// mint creates a token through POST /api/v1/tokens with the supervisor
// token boot.
func mint(t *testing.T, base, boot, role, agency string) string {
	t.Helper()
	status, body := request(t, "POST", base+"/api/v1/tokens", boot,
		[]byte(`{"role":"`+role+`","agency":"`+agency+`","name":"test `+role+`"}`))
	require.Equal(t, 201, status, "%s", body)
	var out struct{ Token, ID string }
	require.NoError(t, json.Unmarshal(body, &out))
	require.NotEmpty(t, out.ID)
	return out.Token
}

func TestTokenCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", []string{"token"}, ExitUsage, `the only token subcommand is "create"`},
		{"bad role", []string{"token", "create", "--db", db, "--role", "admin", "--agency", "so-xd", "--name", "x"}, ExitUsage, "--role must be one of"},
		{"no agency", []string{"token", "create", "--db", db, "--role", "desk", "--name", "x"}, ExitUsage, "--agency is required"},
		{"no name", []string{"token", "create", "--db", db, "--role", "desk", "--agency", "so-xd"}, ExitUsage, "--name is required"},
		{"unknown agency", []string{"token", "create", "--db", db, "--config", shippedConfig, "--role", "desk", "--agency", "nowhere", "--name", "x"}, ExitFail, `unknown agency "nowhere"`},
		{"created", []string{"token", "create", "--db", db, "--config", shippedConfig, "--role", "desk", "--agency", "so-xd-motcua", "--name", "Quầy 1"}, ExitOK, "shown only this once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, context.Background(), nil, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.stderr)
		})
	}

	code, stdout, stderr := run(t, context.Background(), nil, "token", "create", "--db", db, "--config", shippedConfig,
		"--role", "viewer", "--agency", "so-xd", "--name", "wallboard")
	require.Equal(t, ExitOK, code, stderr)
	token := strings.TrimSpace(stdout)
	_, err := dashboard.ParseToken(token)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(token, dashboard.TokenPrefix))

	// The printed token signs in to a server started on that database.
	_, base := startServeDB(t, db, nil)
	status, body := request(t, "GET", base+"/api/v1/rollup", token, nil)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"agency":"so-xd"`)
	status, _ = request(t, "GET", base+"/api/v1/rollup?agency=tp-danang", token, nil)
	require.Equal(t, 403, status, "a viewer of so-xd does not see the city")
}

func TestBootstrapToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	env := map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": "a-long-bootstrap-secret-0001"}
	m, base := startServeDB(t, db, env)
	status, body := request(t, "GET", base+"/api/v1/audit/verify", "a-long-bootstrap-secret-0001", nil)
	require.Equal(t, 200, status, "%s", body)
	status, _ = request(t, "GET", base+"/api/v1/audit/verify", "another-secret", nil)
	require.Equal(t, 401, status)
	require.NoError(t, m.Close())

	// Restarting with the same secret is idempotent; revoked, it stays so.
	m, base = startServeDB(t, db, env)
	status, body = request(t, "DELETE", base+"/api/v1/tokens/"+BootstrapTokenID, "a-long-bootstrap-secret-0001", nil)
	require.Equal(t, 200, status, "%s", body)
	status, _ = request(t, "GET", base+"/api/v1/audit/verify", "a-long-bootstrap-secret-0001", nil)
	require.Equal(t, 401, status, "revocation takes effect at once")
	require.NoError(t, m.Close())
	_, base = startServeDB(t, db, env)
	status, _ = request(t, "GET", base+"/api/v1/audit/verify", "a-long-bootstrap-secret-0001", nil)
	require.Equal(t, 401, status, "a restart does not revive a revoked bootstrap token")
}
