package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shippedConfig is the repository's configuration folder.
const shippedConfig = "../../configs"

// run executes a command line and returns its exit code, stdout and stderr.
func run(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	code := m.Execute(ctx, args)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "no command", args: nil, code: ExitUsage, stderr: "Usage:"},
		{name: "unknown command", args: []string{"frobnicate"}, code: ExitUsage, stderr: `unknown command "frobnicate"`},
		{name: "help", args: []string{"-h"}, code: ExitOK, stdout: "motcua check-config"},
		{name: "command help", args: []string{"due", "-h"}, code: ExitOK, stderr: "Usage: motcua due"},
		{name: "unknown flag", args: []string{"serve", "--port", "80"}, code: ExitUsage, stderr: "flag provided but not defined: -port"},
		{name: "stray argument", args: []string{"check-config", "configs"}, code: ExitUsage, stderr: `unexpected argument "configs"`},
		{name: "bad log format", args: []string{"serve", "--log-format", "xml"}, code: ExitUsage, stderr: "--log-format must be text or json"},
		{name: "due without from", args: []string{"due", "--value", "3", "--unit", "days"}, code: ExitUsage, stderr: "--from is required"},
		{name: "due with bad from", args: []string{"due", "--from", "tomorrow", "--value", "3", "--unit", "days"}, code: ExitUsage, stderr: "--from must be RFC 3339"},
		{name: "due without value", args: []string{"due", "--from", "2026-03-10", "--unit", "days"}, code: ExitUsage, stderr: "--value is required"},
		{name: "due with negative value", args: []string{"due", "--from", "2026-03-10", "--value", "-2", "--unit", "days"}, code: ExitUsage, stderr: "want an integer ≥ 0"},
		{name: "alertmanager-config through Main", args: []string{"alertmanager-config", "--config", shippedConfig}, code: ExitOK, stdout: "route:"},
		{name: "alertmanager-config keeps its exit code for bad flags", args: []string{"alertmanager-config", "--nope"}, code: ExitUsage, stderr: "usage: motcua alertmanager-config"},
		{name: "alertmanager-config fails on a missing folder", args: []string{"alertmanager-config", "--config", "/nonexistent"}, code: ExitFail, stderr: "not a directory"},
		{name: "due with bad unit", args: []string{"due", "--from", "2026-03-10", "--value", "2", "--unit", "weeks"}, code: ExitUsage, stderr: "--unit must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, context.Background(), nil, tt.args...)
			require.Equal(t, tt.code, code, "stdout %s\nstderr %s", stdout, stderr)
			require.Contains(t, stdout, tt.stdout)
			require.Contains(t, stderr, tt.stderr)
		})
	}
}

func TestCheckConfig(t *testing.T) {
	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, "agencies.yaml"), []byte("agencies:\n  - id: Bad ID\n    level: planet\n"), 0o644))

	code, stdout, stderr := run(t, context.Background(), nil, "check-config", "--config", shippedConfig)
	require.Equal(t, ExitOK, code, "stderr %s", stderr)
	require.Regexp(t, `^ok: \d+ agencies, \d+ officials, \d+ procedures, \d+ holidays \(2023–20\d\d\), \d+ make-up workdays, zone Asia/Ho_Chi_Minh \(\.\./\.\./configs\)\n$`, stdout)

	// Without --config and without ./configs, the built-in folder is used.
	code, stdout, _ = run(t, context.Background(), nil, "check-config")
	require.Equal(t, ExitOK, code)
	require.True(t, strings.HasPrefix(stdout, "ok: ") && strings.HasSuffix(stdout, "(built-in)\n"), stdout)

	code, stdout, stderr = run(t, context.Background(), nil, "check-config", "--config", broken)
	require.Equal(t, ExitFail, code)
	require.Empty(t, stdout)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.GreaterOrEqual(t, len(lines), 3, "every problem is listed: %s", stderr)
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, broken+string(filepath.Separator)), "line %q names the file", l)
	}
	require.Contains(t, stderr, filepath.Join(broken, "agencies.yaml")+":2: ")
	require.Contains(t, stderr, filepath.Join(broken, "procedures.yaml")+": ")
	require.Contains(t, stderr, filepath.Join(broken, "calendar.yaml")+": ")

	code, _, stderr = run(t, context.Background(), nil, "check-config", "--config", filepath.Join(broken, "nowhere"))
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "not a directory")
}

func TestDue(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"calendar days", []string{"--from", "2026-03-10T08:15:00+07:00", "--value", "15", "--unit", "days"}, "2026-03-25T23:59:59+07:00"},
		// Friday before Tết 2026 (16–20 February off): three working days
		// are 23, 24 and 25 February.
		{"working days over Tết", []string{"--from", "2026-02-13 10:00", "--value", "3", "--unit", "working_days"}, "2026-02-25T23:59:59+07:00"},
		// 09:00 UTC is 16:00 local: one office hour left today, one tomorrow.
		{"working hours from UTC", []string{"--from", "2026-03-10T09:00:00Z", "--value", "2", "--unit", "working_hours"}, "2026-03-11T08:30:00+07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"due", "--config", shippedConfig}, tt.args...)
			code, stdout, stderr := run(t, context.Background(), nil, args...)
			require.Equal(t, ExitOK, code, "stderr %s", stderr)
			require.Equal(t, tt.want+"\n", stdout)
		})
	}
}
