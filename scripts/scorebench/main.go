// Command scorebench measures GET /api/v1/scorecards end to end over HTTP:
// the whole shipped city over a year, against two running servers on
// copies of one database, in alternation, in the same run: this tree's
// build (which reads the kept score_tracks and score_days) and a build of
// an earlier revision (--before, which folds every dossier). Both must
// answer byte for byte alike.
//
// The database is the year of demo history that BenchmarkScorecardsYear
// builds (MOTCUA_BENCH_CACHE=DIR go test -run '^$' -bench ScorecardsYear
// ./dashboard leaves DIR/year.db). The earlier build gets a copy without
// the score buckets, as it wrote them; this one builds them when it opens
// its copy.
//
//	go run ./scripts/scorebench --db /tmp/b/year.db [--before 02362cb] [--requests 30]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	db := flag.String("db", "", "the year database (BenchmarkScorecardsYear's year.db)")
	before := flag.String("before", "02362cb", "git revision of the build to compare with")
	requests := flag.Int("requests", 30, "timed requests per server")
	agency := flag.String("agency", "tp-danang", "agency of the request (the city's root)")
	from := flag.String("from", "2025-12-01", "first day of the period")
	to := flag.String("to", "2026-11-30", "last day of the period")
	flag.Parse()
	if *db == "" {
		fmt.Fprintln(os.Stderr, "--db is required")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*db, *before, *requests, *agency, *from, *to); err != nil {
		fmt.Fprintln(os.Stderr, "scorebench:", err)
		os.Exit(1)
	}
}

type server struct {
	name  string
	cmd   *exec.Cmd
	url   string
	token string
	times []time.Duration
}

func run(db, before string, requests int, agency, from, to string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "scorebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return fmt.Errorf("git rev-parse: %w", err)
	}
	here := strings.TrimSpace(string(root))

	fmt.Println("building this tree and", before, "…")
	nowBin := filepath.Join(dir, "motcua-now")
	if err := goBuild(here, nowBin); err != nil {
		return err
	}
	old := filepath.Join(dir, "before-src")
	if err := os.MkdirAll(old, 0o755); err != nil {
		return err
	}
	archive := exec.Command("sh", "-c", fmt.Sprintf("git archive %s | tar -x -C %s", before, old))
	archive.Dir, archive.Stderr = here, os.Stderr
	if err := archive.Run(); err != nil {
		return fmt.Errorf("git archive %s: %w", before, err)
	}
	oldBin := filepath.Join(dir, "motcua-before")
	if err := goBuild(old, oldBin); err != nil {
		return err
	}

	fmt.Println("copying the database twice …")
	nowDB, oldDB := filepath.Join(dir, "now.db"), filepath.Join(dir, "before.db")
	for _, p := range []string{nowDB, oldDB} {
		if err := copyFile(db, p); err != nil {
			return err
		}
	}
	if err := dropScoreBuckets(oldDB); err != nil {
		return err
	}

	var servers []*server
	defer func() {
		for _, s := range servers {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	}()
	for i, sp := range []struct{ name, bin, db, workdir string }{
		{"before (" + before + ")", oldBin, oldDB, old},
		{"now", nowBin, nowDB, here},
	} {
		began := time.Now()
		s, err := spawn(ctx, sp.name, sp.bin, sp.db, sp.workdir, filepath.Join(dir, fmt.Sprintf("serve%d.log", i)))
		if s != nil {
			servers = append(servers, s)
		}
		if err != nil {
			return err
		}
		fmt.Printf("%s ready in %v\n", sp.name, time.Since(began).Round(100*time.Millisecond))
	}

	path := fmt.Sprintf("/api/v1/scorecards?agency=%s&from=%s&to=%s", agency, from, to)
	var bodies [2][]byte
	for round := -3; round < requests; round++ { // three untimed rounds first
		for i, s := range servers {
			began := time.Now()
			body, err := get(s.url+path, s.token)
			took := time.Since(began)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			if round >= 0 {
				s.times = append(s.times, took)
			}
			bodies[i] = body
		}
		if !bytes.Equal(bodies[0], bodies[1]) {
			return fmt.Errorf("the two builds answer differently (%d and %d bytes)", len(bodies[0]), len(bodies[1]))
		}
	}
	var out struct {
		Scorecards []json.RawMessage `json:"scorecards"`
	}
	if err := json.Unmarshal(bodies[1], &out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	fmt.Printf("\nGET %s: %d cards, %d bytes, the same from both builds\n", path, len(out.Scorecards), len(bodies[1]))
	fmt.Printf("%-22s %8s %8s %8s %8s %8s\n", "server", "min", "p50", "p90", "max", "mean")
	for _, s := range servers {
		t := slices.Clone(s.times)
		slices.Sort(t)
		var sum time.Duration
		for _, d := range t {
			sum += d
		}
		ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
		fmt.Printf("%-22s %8s %8s %8s %8s %8s\n", s.name, ms(t[0]), ms(t[len(t)/2]), ms(t[len(t)*9/10]), ms(t[len(t)-1]), ms(sum/time.Duration(len(t))))
	}
	return nil
}

func goBuild(dir, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/motcua")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build in %s: %w", dir, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// dropScoreBuckets makes db what the earlier build wrote: without the
// buckets it does not know (it refuses a file with unknown buckets).
func dropScoreBuckets(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"score_tracks", "score_days"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
}

var servingAddr = regexp.MustCompile(`msg="motcua serving" addr=(\S+)`)

// spawn starts bin serve on db (a new key file: the benchmark's database
// was written without one), waits until it serves and mints a head token
// for the city with the bootstrap token.
func spawn(ctx context.Context, name, bin, db, workdir, logPath string) (*server, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	boot := hex.EncodeToString(b)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--new-key")
	cmd.Dir = workdir
	cmd.Env = append(os.Environ(), "MOTCUA_BOOTSTRAP_TOKEN="+boot)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, cmd: cmd}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		logf.Close()
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case <-time.After(10 * time.Minute):
		return s, fmt.Errorf("%s did not start; see %s", name, logPath)
	}
	for i := 0; ; i++ {
		resp, err := http.Get(s.url + "/api/v1/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 600 {
			return s, fmt.Errorf("%s not ready", name)
		}
		time.Sleep(500 * time.Millisecond)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v1/tokens",
		strings.NewReader(`{"role":"head","agency":"tp-danang","name":"scorebench"}`))
	req.Header.Set("Authorization", "Bearer "+boot)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("mint a token on %s: %w", name, err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		return s, fmt.Errorf("mint a token on %s: status %d", name, resp.StatusCode)
	}
	s.token = tok.Token
	return s, nil
}

func get(url, token string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return body, nil
}
