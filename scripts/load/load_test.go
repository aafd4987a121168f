package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestLoadEndToEnd builds motcua, starts a second motcua as the peer, and
// runs every load against a spawned server and the peer in alternation:
// each load stores exactly its event budget with no error, the table and
// the probes are printed, and the dossiers the peer holds afterwards are
// what the loads meant (received now, overdue from the past, whole lives
// returned).
func TestLoadEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves motcua")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var buildLog bytes.Buffer
	bin, err := buildMotcua(ctx, t.TempDir(), &buildLog)
	if err != nil {
		t.Fatalf("%v\n%s", err, buildLog.String())
	}
	peer, err := spawnServer(ctx, bin, t.TempDir(), moduleRoot(ctx), "")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Stop()

	var out, progress bytes.Buffer
	err = run(ctx, []string{"--spawn", "--bin", bin, "--peer", peer.URL, "--peer-token", peer.Token,
		"--loads", "all", "--duration", "20s", "--events", "200", "--writers", "16", "--batch-writers", "4",
		"--naive-duration", "2s", "--naive-events", "100", "--fsync-n", "20"}, &out, &progress)
	t.Logf("output:\n%s", out.String())
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}

	text := out.String()
	for _, want := range []string{"fsync probe: 20 × (4 KiB write + fsync): p50 ", "naive bbolt, one Update per event, 16 writers: 100 events",
		"target  ", "events/s", "p50", "p99", "errors", "vs naive", "disk B/event"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	row := regexp.MustCompile(`(?m)^\s*(motcua|peer)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+ ms)\s+([\d.]+ ms)\s+(\d+)\s+([\d.]+)×\s+(\S+)`)
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		seen[m[1]+" "+m[2]] = true
		writers, m := m[3], append(m[:3:3], m[4:]...)
		if want := map[bool]string{true: "16", false: "4"}[strings.HasPrefix(m[2], "single")]; writers != want {
			t.Errorf("%s %s: %s writers, want %s", m[1], m[2], writers, want)
		}
		if m[3] != "200" || m[7] != "0" {
			t.Errorf("%s %s: %s events, %s errors; want 200 and 0", m[1], m[2], m[3], m[7])
		}
		if rate, _ := strconv.Atoi(m[4]); rate <= 0 {
			t.Errorf("%s %s: %s events/s", m[1], m[2], m[4])
		}
		if disk, err := strconv.Atoi(m[9]); m[1] == "motcua" && (err != nil || disk <= 0) {
			t.Errorf("motcua %s: disk per event %q, want a positive number", m[2], m[9])
		}
	}
	for _, l := range allLoads {
		for _, target := range []string{"motcua", "peer"} {
			if !seen[target+" "+l.Name] {
				t.Errorf("no row for %s %s", target, l.Name)
			}
		}
	}
	if !regexp.MustCompile(`motcua disk: 1000 events stored by this run; database file [\d.]+ MB \(\d+ B/event\), bbolt extent [\d.]+ MB \(\d+ B/event\), pages in use [\d.]+ MB \(\d+ B/event\)`).MatchString(text) {
		t.Errorf("no overall disk line for motcua")
	}

	// The peer keeps what the loads sent: target 1, load i, dossier n.
	run := regexp.MustCompile(`run (LD[0-9a-f]+)`).FindStringSubmatch(text)
	if run == nil {
		t.Fatal("no run id in the output")
	}
	c := &client{base: peer.URL, token: peer.Token, http: newHTTPClient(1, 10*time.Second)}
	type dossier struct {
		Dossier struct {
			Status string `json:"status"`
			Clock  struct {
				State string `json:"state"`
			} `json:"clock"`
		} `json:"dossier"`
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	get := func(load, n int) dossier {
		t.Helper()
		var d dossier
		// The code's date is the load's first day: today, or yesterday
		// when the run crossed midnight.
		var err error
		for _, day := range []time.Time{time.Now(), time.Now().AddDate(0, 0, -1)} {
			code := codeOf(codeStem(run[1]+"-1-"+strconv.Itoa(load), day.In(loc)), int64(n))
			if err = c.getJSON(ctx, "/api/v1/dossiers/"+code, &d); err == nil {
				return d
			}
		}
		t.Fatal(err)
		return d
	}
	if d := get(0, 7); len(d.Events) != 1 || d.Dossier.Clock.State == "overdue" {
		t.Errorf("single-now dossier: %d events, clock %q; want 1 received, not overdue", len(d.Events), d.Dossier.Clock.State)
	}
	// Every procedure the backfill uses has run out (25 covers them all).
	for _, load := range []int{1, 3} {
		for n := range 25 {
			if d := get(load, 175+n); len(d.Events) != 1 || d.Dossier.Clock.State != "overdue" {
				t.Errorf("backfilled dossier %d of load %d: %d events, clock %q; want 1, overdue", 175+n, load, len(d.Events), d.Dossier.Clock.State)
			}
		}
	}
	d := get(4, 49)
	var types []string
	for _, e := range d.Events {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != "received,transferred,result_ready,returned" || d.Dossier.Status != "returned" {
		t.Errorf("dossier life: events %s, status %q; want received,transferred,result_ready,returned and returned", got, d.Dossier.Status)
	}
	if err := c.getJSON(ctx, "/api/v1/dossiers/"+run[1]+"-1-4-50", new(json.RawMessage)); err == nil {
		t.Error("a 51st life exists: the lives load sent more than its 200 events")
	}
}

// TestLoopbackOnly: the tool refuses to drive anything but this machine.
func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		if err := checkLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "ftp://127.0.0.1", "127.0.0.1:8080"} {
		if err := checkLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"--url", "http://192.0.2.1:8080", "--token", "x"}, &bytes.Buffer{}, &stderr); err == nil {
		t.Error("run drove a server off loopback")
	}
}

// TestBoltUsage: the extent and pages in use read from the file are
// bbolt's own figures, while updates free pages and the file runs ahead.
func TestBoltUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sawFree := false
	for i := range 300 {
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			if i%3 == 2 { // deletes free pages
				return b.Delete([]byte(strconv.Itoa(i - 1)))
			}
			return b.Put([]byte(strconv.Itoa(i)), bytes.Repeat([]byte{'x'}, 3000))
		}); err != nil {
			t.Fatal(err)
		}
		var size int64
		if err := db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
			t.Fatal(err)
		}
		st := db.Stats()
		free := int64(st.FreePageN+st.PendingPageN) * int64(db.Info().PageSize)
		sawFree = sawFree || free > 0
		got, err := readBoltUsage(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Extent != size || got.InUse != size-free {
			t.Fatalf("after %d updates: extent %d, in use %d; bbolt says %d and %d", i+1, got.Extent, got.InUse, size, size-free)
		}
	}
	if !sawFree {
		t.Error("no update freed a page: the in-use figure went untested")
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 300*3000/3 {
		t.Fatalf("file: %v, %v", fi, err)
	}
}

// TestWritersSpreadOverClusterNodes: with --url A,B,C writer i posts to
// the i-th node, round the list.
func TestWritersSpreadOverClusterNodes(t *testing.T) {
	c := &client{base: "http://127.0.0.1:1", more: []string{"http://127.0.0.1:2", "http://127.0.0.1:3"}}
	var got []string
	for i := range 5 {
		got = append(got, c.forWriter(i).base)
	}
	want := []string{"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:1", "http://127.0.0.1:2"}
	if !slices.Equal(got, want) {
		t.Fatalf("writers post to %v, want %v", got, want)
	}
	if one := (&client{base: "http://127.0.0.1:1"}); one.forWriter(3) != one {
		t.Fatal("a single server is every writer's")
	}
}
