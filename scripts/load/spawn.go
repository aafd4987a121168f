package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// server is a motcua serve process this tool started (--spawn).
type server struct {
	cmd     *exec.Cmd
	DB      string
	URL     string
	Token   string // the integration token for the root agency
	LogPath string
	exited  chan error
}

var servingAddr = regexp.MustCompile(`msg="motcua serving" addr=(\S+)`)

// buildMotcua builds ./cmd/motcua into dir and returns the binary's path.
func buildMotcua(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "motcua")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/motcua/motcua/cmd/motcua")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build motcua: %w", err)
	}
	return bin, nil
}

// moduleRoot is the folder of the module the tool runs in, where serve
// finds configs/ as `go run ./cmd/motcua serve` would; "" outside one.
func moduleRoot(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return ""
	}
	return filepath.Dir(mod)
}

// spawnServer starts `bin serve` on a fresh database in dir, on a free
// loopback port, with a random bootstrap token, waits until it is ready
// and creates an integration token for the root agency through
// POST /api/v1/tokens.
func spawnServer(ctx context.Context, bin, dir, workdir, configDir string, extra ...string) (*server, error) {
	boot, err := randomHex(24)
	if err != nil {
		return nil, err
	}
	s := &server{DB: filepath.Join(dir, "motcua.db"), LogPath: filepath.Join(dir, "serve.log"), exited: make(chan error, 1)}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", s.DB}
	if configDir != "" {
		args = append(args, "--config", configDir)
	}
	args = append(args, extra...)
	logf, err := os.Create(s.LogPath)
	if err != nil {
		return nil, fmt.Errorf("spawn: %w", err)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = workdir
	s.cmd.Env = append(os.Environ(), "MOTCUA_BOOTSTRAP_TOKEN="+boot)
	s.cmd.Stdout = logf
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("spawn: %w", err)
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("spawn %s: %w", bin, err)
	}
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() { // copy the log, spotting the address it listens on
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-copied // Wait closes the pipe: read it all first
		err := s.cmd.Wait()
		logf.Close()
		s.exited <- err
	}()
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case err := <-s.exited:
		s.exited <- err
		return nil, fmt.Errorf("motcua serve exited before listening (%v); log: %s", err, s.LogPath)
	case <-time.After(60 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("motcua serve did not listen within 60 s; log: %s", s.LogPath)
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if err := waitReady(ctx, hc, s.URL); err != nil {
		s.Stop()
		return nil, err
	}
	c := &client{base: s.URL, token: boot, http: hc}
	var ag struct {
		Agencies *agencyNode `json:"agencies"`
	}
	if err := c.getJSON(ctx, "/api/v1/agencies", &ag); err != nil || ag.Agencies == nil {
		s.Stop()
		return nil, fmt.Errorf("spawn: root agency: %w", err)
	}
	req, _ := json.Marshal(map[string]string{"role": "integration", "agency": ag.Agencies.ID, "name": "load tool"})
	status, body, err := c.post(ctx, "/api/v1/tokens", req)
	if err == nil && status != http.StatusCreated {
		err = fmt.Errorf("POST /api/v1/tokens: HTTP %d: %s", status, snippet(body))
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err == nil {
		err = json.Unmarshal(body, &tok)
	}
	if err == nil && tok.Token == "" {
		err = errors.New("POST /api/v1/tokens: no token in the answer")
	}
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("spawn: integration token: %w", err)
	}
	s.Token = tok.Token
	return s, nil
}

func waitReady(ctx context.Context, hc *http.Client, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/readyz", nil)
		if err != nil {
			return fmt.Errorf("readyz: %w", err)
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("motcua serve not ready within 30 s (last: %v)", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop asks the server to shut down (SIGINT) and kills it if it has not
// within 30 s. It returns the process's exit error, if any.
func (s *server) Stop() error {
	if s.cmd.Process == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("ask motcua serve to stop: %w", err)
	}
	select {
	case err := <-s.exited:
		s.exited <- err
		return err
	case <-time.After(30 * time.Second):
		if kerr := s.cmd.Process.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
			return fmt.Errorf("motcua serve did not stop within 30 s and could not be killed: %w", kerr)
		}
		err := <-s.exited
		s.exited <- err
		return fmt.Errorf("motcua serve did not stop within 30 s, killed: %w", err)
	}
}

// cpuSeconds is the user+system CPU time the server has used so far, from
// /proc (Linux); -1 where unknown.
func (s *server) cpuSeconds() float64 {
	if s == nil || s.cmd.Process == nil {
		return -1
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
