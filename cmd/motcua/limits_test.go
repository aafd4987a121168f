package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/scripts/soak/flood"
)

// limitedServer is `motcua serve` run under a lowered descriptor limit.
type limitedServer struct {
	cmd  *exec.Cmd
	base string
	addr string
	pid  int
	mu   sync.Mutex
	logs bytes.Buffer
	// limits is the "limits" line serve logs at start.
	limits map[string]any
}

// buildSoak builds motcua and the soak tool (without the race detector,
// whatever the test runs with) into one folder.
func buildSoak(t *testing.T) (motcua, soak string) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), ".", "../../scripts/soak").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return filepath.Join(dir, "motcua"), filepath.Join(dir, "soak")
}

// startLimited starts `bin serve` on a fresh database with at most nofile
// open descriptors (soft and hard, through the shell's ulimit), with extra
// serve flags.
func startLimited(t *testing.T, bin string, nofile int, env []string, flags ...string) *limitedServer {
	t.Helper()
	args := append([]string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, nofile), bin, "serve",
		"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "flood.db"), "--config", shippedConfig,
		"--log-format", "json"}, flags...)
	cmd := exec.Command("sh", args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	s := &limitedServer{cmd: cmd, pid: cmd.Process.Pid}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			switch rec["msg"] {
			case "limits":
				s.mu.Lock()
				s.limits = rec
				s.mu.Unlock()
			case "motcua serving":
				addr <- rec["addr"].(string)
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		require.True(t, ok, "serve exited before listening: %s", s.log())
		s.addr, s.base = a, "http://"+a
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start: %s", s.log())
	}
	return s
}

func (s *limitedServer) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

func (s *limitedServer) alive() bool { return s.cmd.Process.Signal(syscall.Signal(0)) == nil }

// flooded is what one flood did to the server.
type flooded struct {
	soak   string
	probes flood.ProbeResult
	peak   int64
}

// floodServer runs the soak tool's flood kind against s for d while
// probing /api/v1/healthz (1 s timeout, every 100 ms) and sampling the
// server's RSS from this process.
func floodServer(t *testing.T, soak string, s *limitedServer, kind flood.Kind, conns int, d time.Duration, extra ...string) flooded {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	probes := make(chan flood.ProbeResult, 1)
	go func() { probes <- flood.Probe(ctx, s.base, 100*time.Millisecond, time.Second) }()
	peak := make(chan int64, 1)
	go func() {
		p, err := flood.PeakRSS(ctx, s.pid, 50*time.Millisecond)
		if err != nil {
			p = -1
		}
		peak <- p
	}()
	args := append([]string{"--addr", s.addr, "--floods", string(kind), "--conns", fmt.Sprint(conns),
		"--duration", d.String(), "--probe=false"}, extra...)
	out, err := exec.Command(soak, args...).CombinedOutput()
	cancel()
	f := flooded{soak: strings.TrimSpace(string(out)), probes: <-probes, peak: <-peak}
	require.NoError(t, err, "soak: %s", out)
	require.True(t, s.alive(), "the server died under the %s flood: %s", kind, s.log())
	require.GreaterOrEqual(t, f.peak, int64(0), "the server died under the %s flood", kind)
	return f
}

// floodConns is how many connections each flood holds: well past the
// server's descriptor limit, within this process's own.
func floodConns(t *testing.T, want int) int {
	t.Helper()
	var r syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r))
	return int(min(uint64(want), r.Cur/2))
}

// TestServeLimits runs the floods of issue 10 (cases 1 and 2) against a
// real serve process with a lowered descriptor limit; /api/v1/healthz must
// keep answering within 1 s (every probe, each on a new connection) and
// memory stay bounded.
func TestServeLimits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc and floods from 127.0.0.0/8")
	}
	motcua, soak := buildSoak(t)
	t.Run("floods", func(t *testing.T) { testFloods(t, motcua, soak) })
	t.Run("descriptor exhaustion", func(t *testing.T) { testDescriptorExhaustion(t, motcua, soak) })
}

// testFloods: at a 1,024-descriptor limit ≈1,020 idle connections made
// serve exit; trickled bodies announcing 1 MB pinned ~1 MB each, no token
// needed (1,500 took it from 26 MB to 1.5 GB). Here, at 256 descriptors,
// each flood holds 600 connections from 8 addresses, reopening each one
// the server closes.
func testFloods(t *testing.T, motcua, soak string) {
	const token = "flood-test-bootstrap-token-0123456789"
	s := startLimited(t, motcua, 256, []string{"MOTCUA_BOOTSTRAP_TOKEN=" + token}, "--max-body-in-flight", "8")
	require.EqualValues(t, 256, s.limits["nofile_soft"], "serve raised the soft limit to the hard one")
	require.EqualValues(t, 224, s.limits["max_conns"], "the cap is derived from the descriptor limit")

	for range 5 { // warm up
		res, err := http.Get(s.base + "/api/v1/healthz")
		require.NoError(t, err)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	before, err := flood.RSS(s.pid)
	require.NoError(t, err)
	conns := floodConns(t, 600)
	tests := []struct {
		name  string
		kind  flood.Kind
		extra []string
	}{
		{"idle connections", flood.Idle, nil},
		{"slowloris headers", flood.Slowloris, nil},
		{"slow bodies, no token", flood.SlowBody, nil},
		// A token holder's slow bodies are read, within the 8 MiB budget.
		{"slow bodies with a token", flood.SlowBody, []string{"--token", token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := floodServer(t, soak, s, tt.kind, conns, 3*time.Second, tt.extra...)
			t.Logf("%s\n%s\nserver RSS %d MiB before, peak %d MiB", f.soak, f.probes, before>>20, f.peak>>20)
			require.Zero(t, f.probes.Failed, "healthz must answer within 1 s: %s", f.probes)
			require.Greater(t, f.probes.OK, 10)
			require.Less(t, f.peak-before, int64(64<<20), "memory stays bounded")
		})
	}
	res, err := http.Get(s.base + "/api/v1/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	after, err := flood.RSS(s.pid)
	require.NoError(t, err)
	t.Logf("server RSS: %d MiB before the floods, %d MiB after", before>>20, after>>20)
}

// testDescriptorExhaustion: with the connection cap set above the
// descriptor limit, accept fails with "too many open files"; serve must
// shed a waiting connection and go on, not exit (issue 10, case 1: serve
// exited with status 1).
func testDescriptorExhaustion(t *testing.T, motcua, soak string) {
	s := startLimited(t, motcua, 128, nil, "--max-conns", "1000")
	f := floodServer(t, soak, s, flood.Idle, floodConns(t, 400), 3*time.Second, "--sources", "127.0.0.20")
	t.Logf("%s\n%s", f.soak, f.probes)
	require.Zero(t, f.probes.Failed, "healthz must answer within 1 s: %s", f.probes)
	require.Greater(t, f.probes.OK, 10)
	require.Contains(t, s.log(), "too many open files")
	require.Contains(t, s.log(), "accept failed;")
}
