package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCheckConfigReceivers: check-config checks an optional receivers.yaml
// against the tree in force today, and a folder without one is fine.
func TestCheckConfigReceivers(t *testing.T) {
	copyShipped := func(t *testing.T, receivers string) string {
		dir := t.TempDir()
		for _, f := range []string{"agencies.yaml", "procedures.yaml", "calendar.yaml", "rules.yaml"} {
			b, err := os.ReadFile(filepath.Join(shippedConfig, f))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
		}
		if receivers != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "receivers.yaml"), []byte(receivers), 0o644))
		}
		return dir
	}
	check := func(dir string, now time.Time) (int, string, string) {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Now: func() time.Time { return now }}
		code := m.Execute(context.Background(), []string{"check-config", "--config", dir})
		return code, stdout.String(), stderr.String()
	}
	today := time.Date(2026, 12, 5, 9, 0, 0, 0, hcm)

	code, stdout, stderr := check(copyShipped(t, ""), today)
	require.Equal(t, ExitOK, code, "no receivers file: %s", stderr)
	require.Contains(t, stdout, "ok: ")

	ended := "default: {webhook: \"http://127.0.0.1:1/x\"}\nheads:\n  q-haichau: {webhook: \"http://127.0.0.1:1/q\"}\n  q-nowhere: {email: \"a@b.vn\"}\n"
	dir := copyShipped(t, ended)
	code, stdout, stderr = check(dir, today)
	require.Equal(t, ExitFail, code)
	require.Empty(t, stdout)
	require.Equal(t, filepath.Join(dir, "receivers.yaml")+": smtp: smarthost and from are required when a contact has an email\n", stderr)

	ended = "default: {webhook: \"http://127.0.0.1:1/x\"}\nheads:\n  q-haichau: {webhook: \"http://127.0.0.1:1/q\"}\n  q-nowhere: {webhook: \"http://127.0.0.1:1/n\"}\n"
	dir = copyShipped(t, ended)
	code, _, stderr = check(dir, today)
	require.Equal(t, ExitFail, code)
	require.Equal(t, filepath.Join(dir, "receivers.yaml")+": heads: unknown agencies q-nowhere\n"+
		filepath.Join(dir, "receivers.yaml")+": heads: agencies not in force on 2026-12-05: q-haichau\n", stderr)

	// The same file was right on 30-6-2025, but for its unknown agency.
	code, _, stderr = check(dir, time.Date(2025, 6, 30, 9, 0, 0, 0, hcm))
	require.Equal(t, ExitFail, code)
	require.Equal(t, filepath.Join(dir, "receivers.yaml")+": heads: unknown agencies q-nowhere\n", stderr)

	// The shipped receivers name agencies in force today.
	code, _, stderr = check(shippedConfig, today)
	require.Equal(t, ExitOK, code, stderr)
}
