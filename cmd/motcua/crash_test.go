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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
)

// builtMotcua is the motcua binary the process tests share: built once
// per test run instead of once per test.
var builtMotcua struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain removes the shared binary after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtMotcua.dir != "" {
		os.RemoveAll(builtMotcua.dir)
	}
	os.Exit(code)
}

// buildMotcua builds the motcua binary into a temporary folder, once.
func buildMotcua(t *testing.T) string {
	t.Helper()
	b := &builtMotcua
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "motcua-bin-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "motcua")
		if out, err := exec.Command("go", "build", "-o", b.bin, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	require.NoError(t, b.err)
	return b.bin
}

// proc is a motcua serve child process.
type proc struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer
	mu     *sync.Mutex
}

// startProc starts `bin serve` on db and waits until it listens.
func startProc(t *testing.T, bin, db string, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig, "--log-format", "json")
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}, mu: &sync.Mutex{}}
	t.Cleanup(func() { p.kill() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "motcua serving" {
				addr <- rec.Addr
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("serve exited before listening: %s", p.stderr)
		}
		p.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start")
	}
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// stop asks the server to stop and waits for it.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait())
}

// crashLoops is how many kill-and-restart rounds TestCrash runs:
// MOTCUA_CRASH_LOOPS, 1 by default.
func crashLoops(t *testing.T) int {
	n := 1
	if v := os.Getenv("MOTCUA_CRASH_LOOPS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "MOTCUA_CRASH_LOOPS")
	}
	return n
}

// TestCrash kills the server with SIGKILL while 16 writers post, restarts
// it, and checks that every event it acknowledged is there and that the
// hash chain verifies: an answer 2xx means on disk.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildMotcua(t)
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	var official string
	for _, o := range cfg.Officials {
		if o.Agency == "so-xd-motcua" {
			official = o.ID
			break
		}
	}
	require.NotEmpty(t, official)

	for loop := range crashLoops(t) {
		t.Run(fmt.Sprintf("round %d", loop), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "motcua.db")
			code, token, stderr := run(t, context.Background(), nil, "token", "create", "--db", db, "--config", shippedConfig,
				"--role", "integration", "--agency", "so-xd", "--name", "crash writer")
			require.Equal(t, ExitOK, code, stderr)
			token = strings.TrimSpace(token)

			p := startProc(t, bin, db)
			acked := crashWrite(t, p, token, official, cfg.Calendar.Location)
			require.NotEmpty(t, acked, "some writes were acknowledged before the kill")

			p = startProc(t, bin, db)
			for _, d := range acked {
				status, body := request(t, "GET", p.base+"/api/v1/dossiers/"+d, token, nil)
				require.Equal(t, 200, status, "acknowledged dossier %s lost: %s", d, body)
				var view struct {
					Events []counter.Event `json:"events"`
				}
				require.NoError(t, json.Unmarshal(body, &view))
				require.Len(t, view.Events, 1)
				require.Equal(t, "ev-"+d, view.Events[0].ID)
			}
			p.stop(t)

			code, out, stderr := run(t, context.Background(), nil, "verify", "--db", db)
			require.Equal(t, ExitOK, code, "verify: %s %s", out, stderr)
			t.Logf("%d acknowledged, all present; %s", len(acked), strings.TrimSpace(out))
		})
	}
}

// crashWrite runs 16 writers against p, kills p with SIGKILL once enough
// writes were acknowledged, and returns the dossiers whose receipt was
// answered 2xx.
func crashWrite(t *testing.T, p *proc, token, official string, loc *time.Location) []string {
	t.Helper()
	const writers = 16
	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	at := time.Now().In(loc).Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				d := fmt.Sprintf("CRASH-%02d-%05d", w, i)
				body := fmt.Appendf(nil, `{"id": "ev-%s", "type": "received", "dossier": %q, "at": %q, "agency": "so-xd-motcua",
					"official": %q, "procedure": "1.009994", "channel": "direct", "applicant": {"name": "Hoàng E"}}`, d, d, at, official)
				req, _ := http.NewRequest("POST", p.base+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, d)
					mu.Unlock()
				} else if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("POST %s: %d", d, res.StatusCode)
					return
				}
			}
		}()
	}
	// Kill mid-stream: after a varying number of acknowledged writes.
	want := 40 + time.Now().Nanosecond()%200
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= want {
			break
		}
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	p.cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), acked...)
}
