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
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter/store"
)

// serveArgs starts serve in-process with extra flags and returns it with
// its base URL and its log.
func serveArgs(t *testing.T, db string, extra ...string) (*Main, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	env := map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": bootSecret}
	m := &Main{Stdout: io.Discard, Stderr: logs, Getenv: func(k string) string { return env[k] }}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig, "--log-format", "json"}, extra...)
	require.NoError(t, m.ParseFlags(args))
	require.NoError(t, m.Run(context.Background()), "%s", logs)
	t.Cleanup(func() { m.Close() })
	return m, "http://" + m.cmd.(*ServeCommand).BoundAddr().String(), logs
}

// restoreWithoutKey backs db up offline and returns the copy, without its
// key file: what an operator restores when the key was not backed up.
func restoreWithoutKey(t *testing.T, db string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "restored.db")
	code, _, stderr := run(t, context.Background(), nil, "backup", "--db", db, "--out", out)
	require.Equal(t, ExitOK, code, stderr)
	_, err := os.Stat(out + ".key")
	require.ErrorIs(t, err, os.ErrNotExist)
	return out
}

// TestKeyFileRule restores a backup without its key file: serve, token
// create and replay refuse it, naming the file and how to restore it, and
// create no key; restored with its key, every tracking key is the same;
// serve --new-key accepts new tracking keys knowingly (logged); a key file
// from another database is refused.
func TestKeyFileRule(t *testing.T) {
	db, tokens := fillDB(t, 3)
	m, base, _ := serveArgs(t, db)
	want, _ := dossierView(t, base, tokens[1], "V-0002")
	require.NotEmpty(t, want.TrackingKey)
	require.NoError(t, m.Close())

	restored := restoreWithoutKey(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keyPath := restored + ".key"
	commands := map[string][]string{
		"serve":        {"serve", "--addr", "127.0.0.1:0", "--db", restored, "--config", shippedConfig},
		"token create": {"token", "create", "--db", restored, "--config", shippedConfig, "--role", "desk", "--agency", "so-xd-motcua", "--name", "Quầy 1"},
		"replay":       {"replay", "--db", restored, "--config", shippedConfig, "--scratch", t.TempDir()},
	}
	for name, args := range commands {
		t.Run(name+" refuses", func(t *testing.T) {
			code, stdout, stderr := run(t, ctx, nil, args...)
			require.Equal(t, ExitFail, code, "stdout %s stderr %s", stdout, stderr)
			require.Contains(t, stderr, "key file "+keyPath+" is missing, but "+restored+" already holds 3 events")
			require.Contains(t, stderr, "Restore it: copy the key file saved with the backup of this database to "+keyPath)
			require.Contains(t, stderr, "motcua serve --new-key")
			_, err := os.Stat(keyPath)
			require.ErrorIs(t, err, os.ErrNotExist, "a refused open creates no key file")
		})
	}

	t.Run("restored with its key", func(t *testing.T) {
		withKey := filepath.Join(t.TempDir(), "with-key.db")
		copyFile(t, restored, withKey)
		copyFile(t, db+".key", withKey+".key")
		_, b, _ := serveArgs(t, withKey)
		got, _ := dossierView(t, b, tokens[1], "V-0002")
		require.Equal(t, want.TrackingKey, got.TrackingKey)
	})

	var newKey []byte
	t.Run("--new-key", func(t *testing.T) {
		copyDB := filepath.Join(t.TempDir(), "new-key.db")
		copyFile(t, restored, copyDB)
		m, b, logs := serveArgs(t, copyDB, "--new-key")
		got, _ := dossierView(t, b, tokens[1], "V-0002")
		require.NotEqual(t, want.TrackingKey, got.TrackingKey, "a new key, new tracking keys")
		require.Contains(t, logs.String(), "created a new key file for a database with events")
		require.NoError(t, m.Close())
		var err error
		newKey, err = os.ReadFile(copyDB + ".key")
		require.NoError(t, err)
		// From now on that key is the database's: no flag needed.
		_, b, _ = serveArgs(t, copyDB)
		again, _ := dossierView(t, b, tokens[1], "V-0002")
		require.Equal(t, got.TrackingKey, again.TrackingKey)
	})

	t.Run("another database's key", func(t *testing.T) {
		require.NotEmpty(t, newKey)
		copyDB := filepath.Join(t.TempDir(), "wrong-key.db")
		copyFile(t, restored, copyDB)
		require.NoError(t, os.WriteFile(copyDB+".key", newKey, 0o600))
		code, _, stderr := run(t, ctx, nil, "serve", "--addr", "127.0.0.1:0", "--db", copyDB, "--config", shippedConfig)
		require.Equal(t, ExitFail, code, stderr)
		require.Contains(t, stderr, "key file "+copyDB+".key does not belong to "+copyDB)
	})

	t.Run("a new database creates its key silently", func(t *testing.T) {
		fresh := filepath.Join(t.TempDir(), "fresh.db")
		_, _, logs := serveArgs(t, fresh)
		_, err := os.Stat(fresh + ".key")
		require.NoError(t, err)
		require.NotContains(t, logs.String(), "new key file")
	})
}

// noCrash fails if stderr shows a panic, a fault or a goroutine dump.
func noCrash(t *testing.T, what, stderr string) {
	t.Helper()
	for _, sign := range []string{"panic", "SIGSEGV", "SIGBUS", "goroutine ", "fatal error", "unexpected fault"} {
		require.NotContains(t, stderr, sign, "%s crashed:\n%s", what, stderr)
	}
}

// serveOnce runs the binary's serve on db: if it starts, it lists dossiers
// and violations, checks health and stops it with SIGTERM. It returns
// whether it started, its exit code and its stderr.
func serveOnce(t *testing.T, bin, db string) (bool, int, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--config", shippedConfig, "--log-format", "json")
	cmd.Env = append(os.Environ(), "MOTCUA_BOOTSTRAP_TOKEN="+bootSecret)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var mu sync.Mutex
	var stderr bytes.Buffer
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			mu.Lock()
			stderr.WriteString(sc.Text() + "\n")
			mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "motcua serving" {
				addr <- rec.Addr
			}
		}
	}()
	text := func() string { mu.Lock(); defer mu.Unlock(); return stderr.String() }
	started := false
	select {
	case a := <-addr:
		started = true
		base := "http://" + a
		for _, path := range []string{"/api/v1/healthz", "/api/v1/dossiers?agency=so-xd", "/api/v1/violations?agency=so-xd",
			"/api/v1/rollup?agency=so-xd", "/api/v1/dossiers/V-0002", "/api/v1/audit/verify"} {
			req, err := http.NewRequest("GET", base+path, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+bootSecret)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err, "GET %s: the server must answer\n%s", path, text())
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve neither started nor exited:\n%s", text())
	}
	<-done
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("serve died of %s:\n%s", ws.Signal(), text())
		}
	} else {
		require.NoError(t, err)
	}
	return started, code, text()
}

// TestDamagedFileWithTheBinary is the subprocess sample of store's
// TestDamagedFileRefusedCleanly: single-byte flips in copies of a database
// the built binary wrote, at page headers, elements and spread positions;
// `motcua verify` and `motcua serve` (with a few reads) must each either
// answer correctly or refuse with a message and exit 1, never crash.
func TestDamagedFileWithTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildMotcua(t)
	db, _ := fillDB(t, 5)
	orig, err := os.ReadFile(db)
	require.NoError(t, err)
	key, err := os.ReadFile(db + ".key")
	require.NoError(t, err)
	fc, err := store.CheckFile(db)
	require.NoError(t, err)
	ps, used := fc.PageSize, int(fc.Pages)*fc.PageSize
	out, err := exec.Command(bin, "verify", "--db", db).Output()
	require.NoError(t, err)
	wantVerify := string(out)
	require.Contains(t, wantVerify, "ok: 5 events")

	var positions []int
	for p := 0; p < int(fc.Pages); p += max(1, int(fc.Pages)/6) {
		positions = append(positions, p*ps, p*ps+10, p*ps+16+8) // id, count, the first element's ksize or freelist id
	}
	positions = append(positions, 16+48, ps+16+48) // both meta pages' txid
	for i := 1; i <= 8; i++ {
		positions = append(positions, i*used/9+i)
	}
	refused, served := 0, 0
	for i, pos := range positions {
		t.Run(fmt.Sprintf("byte %d", pos), func(t *testing.T) {
			copyDB := filepath.Join(t.TempDir(), "copy.db")
			b := append([]byte(nil), orig...)
			b[pos] ^= byte(1 << (i % 8))
			require.NoError(t, os.WriteFile(copyDB, b, 0o600))
			require.NoError(t, os.WriteFile(copyDB+".key", key, 0o600))

			cmd := exec.Command(bin, "verify", "--db", copyDB)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			noCrash(t, "verify", stderr.String())
			verified := err == nil
			if err == nil {
				require.Equal(t, wantVerify, stdout.String(), "verify says ok: the same chain")
			} else {
				ee, ok := err.(*exec.ExitError)
				require.True(t, ok, "%v", err)
				require.Equal(t, ExitFail, ee.ExitCode(), "stderr %s", stderr.String())
				require.NotEmpty(t, strings.TrimSpace(stdout.String()+stderr.String()), "a refusal says why")
			}

			started, code, logs := serveOnce(t, bin, copyDB)
			noCrash(t, "serve", logs)
			if started {
				served++
				require.Equal(t, ExitOK, code, logs)
				return
			}
			refused++
			require.Equal(t, ExitFail, code, logs)
			if verified {
				require.Contains(t, logs, "key file", "verify passed a file serve cannot use")
			}
			require.True(t, strings.Contains(logs, "database file is corrupt: ") || strings.Contains(logs, "key file") ||
				strings.Contains(logs, "The database may be damaged: motcua verify"),
				"a refusal names the problem:\n%s", logs)
		})
	}
	t.Logf("%d flips: serve refused %d, served %d", len(positions), refused, served)
	require.Positive(t, refused)
	require.Positive(t, served)
}
