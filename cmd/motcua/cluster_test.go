package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
	"github.com/motcua/motcua/counter/store"
)

// clusterNode is one `motcua serve --cluster-node` child process.
type clusterNode struct {
	name, route, db string
	cmd             *exec.Cmd
	base            string
	addr            chan string
	mu              sync.Mutex
	log             bytes.Buffer
}

// freePorts returns n loopback ports free at the time of asking.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// spawn starts the node; wait returns once it listens (after a quorum).
func (n *clusterNode) spawn(t *testing.T, bin string, peers []string, env ...string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", n.db, "--config", shippedConfig, "--log-format", "json",
		"--cluster-node", n.name, "--cluster-listen", n.route, "--cluster-peers", strings.Join(peers, ","))
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	n.cmd = cmd
	addr := make(chan string, 1) // this run's: an earlier run's reader may still be draining
	n.addr = addr
	t.Cleanup(func() { n.kill() })
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			n.mu.Lock()
			n.log.WriteString(line + "\n")
			n.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "motcua serving" {
				addr <- rec.Addr
			}
		}
		close(addr)
	}()
}

func (n *clusterNode) wait(t *testing.T) {
	t.Helper()
	select {
	case a, ok := <-n.addr:
		if !ok {
			t.Fatalf("%s exited before listening: %s", n.name, n.logs())
		}
		n.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start: %s", n.name, n.logs())
	}
}

func (n *clusterNode) logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.log.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

func (n *clusterNode) kill() {
	if n.cmd != nil && n.cmd.ProcessState == nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
	}
}

func (n *clusterNode) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, n.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, n.cmd.Wait(), "%s: %s", n.name, n.logs())
}

// position reads the node's applied position and the log's head from its
// metrics.
func (n *clusterNode) position(client *http.Client) (applied, last uint64, ok bool) {
	res, err := client.Get(n.base + "/metrics")
	if err != nil {
		return 0, 0, false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		for name, dst := range map[string]*uint64{"motcua_cluster_applied_seq{": &applied, "motcua_cluster_log_last_seq{": &last} {
			if strings.HasPrefix(line, name) {
				f := strings.Fields(line)
				v, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err == nil {
					*dst = uint64(v)
					seen++
				}
			}
		}
	}
	return applied, last, seen == 2
}

func (n *clusterNode) ready(client *http.Client) bool {
	res, err := client.Get(n.base + "/api/v1/readyz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == 200
}

// settled waits until every node is ready and all have applied the same,
// last, entry of the log, twice in a row.
func settled(t *testing.T, nodes []*clusterNode, within time.Duration) uint64 {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	stable := 0
	var last uint64
	for time.Now().Before(deadline) {
		same := true
		var pos uint64
		for i, n := range nodes {
			a, l, ok := n.position(client)
			if !ok || a != l || !n.ready(client) || (i > 0 && a != pos) {
				same = false
				break
			}
			pos = a
		}
		if same && pos == last {
			stable++
			if stable >= 2 {
				return pos
			}
		} else {
			stable = 0
		}
		last = pos
		time.Sleep(300 * time.Millisecond)
	}
	for _, n := range nodes {
		a, l, _ := n.position(client)
		t.Logf("%s: applied %d of %d, ready %v", n.name, a, l, n.ready(client))
	}
	t.Fatalf("the nodes did not settle at one log position within %s", within)
	return 0
}

// clusterRounds is how many rounds TestClusterKill runs:
// MOTCUA_CLUSTER_ROUNDS, 1 by default (scripts/cluster-soak sets it).
func clusterRounds(t *testing.T) int {
	n := 1
	if v := os.Getenv("MOTCUA_CLUSTER_ROUNDS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "MOTCUA_CLUSTER_ROUNDS")
	}
	return n
}

// TestClusterKill runs three real nodes on loopback (SPEC.md §10.5):
// clients write to all three, one node is killed with SIGKILL mid-load,
// every acknowledged event must be on the survivors; the killed node is
// restarted on its files and catches up; a dossier whose promised time
// passes during the run gets one overdue verdict with one id on every
// node; two nodes racing on one event id accept it once; a token minted on
// one node works on the others and its revocation on a third takes effect
// everywhere; stopped, the three views are equal bucket by bucket, and a
// node restarted with an empty --db rebuilds an equal view from the log.
func TestClusterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three nodes")
	}
	bin := buildMotcua(t)
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	loc := cfg.Calendar.Location
	for round := range clusterRounds(t) {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			clusterRound(t, bin, loc, uint64(time.Now().UnixNano()))
		})
	}
}

func clusterRound(t *testing.T, bin string, loc *time.Location, seed uint64) {
	start := time.Now()
	r := rand.New(rand.NewPCG(seed, 1))
	const boot = "cluster-bootstrap-secret-0123456789"
	env := "MOTCUA_BOOTSTRAP_TOKEN=" + boot
	dir := t.TempDir()
	ports := freePorts(t, 3)
	var routes []string
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", ports[i]))
		nodes[i] = &clusterNode{name: fmt.Sprintf("n%d", i+1), route: routes[i], db: filepath.Join(dir, fmt.Sprintf("n%d.db", i+1))}
	}
	for _, n := range nodes {
		n.spawn(t, bin, routes, env)
	}
	for _, n := range nodes {
		n.wait(t)
	}
	t.Logf("three nodes up in %s (seed %d)", time.Since(start).Round(time.Millisecond), seed)

	// A token minted on one node works on the others.
	mint := func(n *clusterNode, agency string) (token, id string) {
		status, body := request(t, "POST", n.base+"/api/v1/tokens", boot,
			fmt.Appendf(nil, `{"role": "integration", "agency": %q, "name": "cluster test"}`, agency))
		require.Equal(t, 201, status, "%s", body)
		var out struct{ Token, ID string }
		require.NoError(t, json.Unmarshal(body, &out))
		return out.Token, out.ID
	}
	token, _ := mint(nodes[0], "so-xd")
	doomed, doomedID := mint(nodes[1], "so-xd")
	// At once, every time: tokens are read from their bucket's leader, so
	// a replica a moment behind never answers 401 for a fresh token.
	for i := range 6 {
		fresh, _ := mint(nodes[i%3], "so-xd")
		for _, n := range []*clusterNode{nodes[(i+1)%3], nodes[(i+2)%3]} {
			status, body := request(t, "GET", n.base+"/api/v1/dossiers?agency=so-xd&limit=1", fresh, nil)
			require.Equal(t, 200, status, "minted on %s, used at once on %s: %s", nodes[i%3].name, n.name, body)
		}
	}
	for _, n := range nodes {
		status, body := request(t, "GET", n.base+"/api/v1/dossiers?agency=so-xd", doomed, nil)
		require.Equal(t, 200, status, "%s: %s", n.name, body)
	}
	status, body := request(t, "DELETE", nodes[2].base+"/api/v1/tokens/"+doomedID, boot, nil)
	require.Equal(t, 200, status, "%s", body)
	for _, n := range nodes {
		status, _ := request(t, "GET", n.base+"/api/v1/dossiers?agency=so-xd", doomed, nil)
		require.Equal(t, 401, status, "a token revoked on n3 is refused on %s", n.name)
	}

	now := time.Now().In(loc)
	at := now.Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	receipt := func(code, due string) []byte {
		return fmt.Appendf(nil, `{"id": "ev-%s", "type": "received", "dossier": %q, "at": %q, "agency": "so-xd-motcua",
			"procedure": "1.009994", "channel": "direct", "applicant": {"name": "Hoàng Văn E", "id_number": "079%09d"},
			"slip": {"number": "S-%s", "due_at": %q}}`, code, code, at, rand.IntN(1e9), code, due)
	}

	// Dossiers whose promised time passes during the run, a few seconds
	// apart, each received through another node.
	var deadlines []string
	var lastDue time.Time
	for i := range 6 {
		code := fmt.Sprintf("DL-%d", i)
		due := now.Add(time.Duration(6+2*i) * time.Second).Truncate(time.Second)
		lastDue = due
		status, body := request(t, "POST", nodes[i%3].base+"/api/v1/events", token, receipt(code, due.Format(time.RFC3339)))
		require.Equal(t, 201, status, "%s", body)
		deadlines = append(deadlines, code)
	}

	// Two nodes racing on one event id with different bodies: one wins.
	for i := range 10 {
		code := fmt.Sprintf("RACE-%d", i)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := fmt.Appendf(nil, `{"id": "ev-%s", "type": "received", "dossier": "%s-%d", "at": %q, "agency": "so-xd-motcua",
					"procedure": "1.009994", "channel": "direct"}`, code, code, j, at)
				statuses[j], _ = request(t, "POST", nodes[j].base+"/api/v1/events", token, b)
			}()
		}
		wg.Wait()
		require.ElementsMatch(t, []int{201, 409}, statuses, "one of two racing writes of ev-%s is accepted", code)
	}

	// Load from 12 writers spread over the nodes; kill one node mid-load.
	victim := r.IntN(3)
	far := now.Add(10 * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	client := &http.Client{Timeout: 30 * time.Second}
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		fails int
	)
	stop := make(chan struct{})
	killed := make(chan struct{})
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := nodes[w%3]
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code := fmt.Sprintf("L-%02d-%05d", w, i)
				req, _ := http.NewRequest("POST", target.base+"/api/v1/events", bytes.NewReader(receipt(code, far)))
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					// The victim is gone: go on through a survivor.
					select {
					case <-killed:
						target = nodes[(victim+1+w%2)%3]
					default:
						t.Errorf("POST %s to %s: %v", code, target.name, err)
						return
					}
					continue
				}
				rb, _ := io.ReadAll(res.Body)
				res.Body.Close()
				switch {
				case res.StatusCode == 201:
					mu.Lock()
					acked = append(acked, code)
					mu.Unlock()
				case res.StatusCode == http.StatusServiceUnavailable:
					// Not acknowledged (no quorum yet while a new leader is
					// elected): the writer goes on.
					mu.Lock()
					fails++
					mu.Unlock()
					t.Logf("POST %s to %s: 503 %s", code, target.name, rb)
				default:
					t.Errorf("POST %s to %s: %d", code, target.name, res.StatusCode)
					return
				}
			}
		}()
	}
	waitAcked := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("fewer than %d writes acknowledged", n)
	}
	waitAcked(100 + r.IntN(300))
	close(killed)
	nodes[victim].kill()
	mu.Lock()
	atKill := len(acked)
	mu.Unlock()
	waitAcked(atKill + 200) // the survivors go on taking writes
	close(stop)
	wg.Wait()
	t.Logf("killed %s after %d acknowledged writes; %d in all, %d answered 503", nodes[victim].name, atKill, len(acked), fails)

	survivors := []*clusterNode{}
	for i, n := range nodes {
		if i != victim {
			survivors = append(survivors, n)
		}
	}
	present := func(n *clusterNode, codes []string) {
		t.Helper()
		for _, code := range codes {
			status, body := request(t, "GET", n.base+"/api/v1/dossiers/"+code, token, nil)
			require.Equal(t, 200, status, "acknowledged dossier %s missing on %s: %s", code, n.name, body)
		}
	}
	for _, n := range survivors {
		present(n, acked)
	}

	// The victim restarts on its files and catches up.
	nodes[victim].spawn(t, bin, routes, env)
	nodes[victim].wait(t)
	if d := time.Until(lastDue.Add(2 * time.Second)); d > 0 {
		time.Sleep(d)
	}
	pos := settled(t, nodes, 30*time.Second)
	present(nodes[victim], acked)

	// One overdue verdict, with one id, per passed deadline, on every node.
	for _, code := range deadlines {
		var id string
		for _, n := range nodes {
			status, body := request(t, "GET", n.base+"/api/v1/dossiers/"+code, token, nil)
			require.Equal(t, 200, status, "%s", body)
			var view struct {
				Violations []counter.Violation `json:"violations"`
			}
			require.NoError(t, json.Unmarshal(body, &view))
			var ids []string
			for _, v := range view.Violations {
				if v.Code == "overdue" {
					ids = append(ids, v.ID)
				}
			}
			require.Len(t, ids, 1, "%s on %s: one overdue verdict", code, n.name)
			if id == "" {
				id = ids[0]
			}
			require.Equal(t, id, ids[0], "%s: the same verdict id on every node", code)
		}
	}

	// Stopped at one log position, the views are equal bucket by bucket.
	for _, n := range nodes {
		n.stop(t)
	}
	for _, n := range nodes[1:] {
		diffs, err := store.CompareViewFiles(nodes[0].db, n.db)
		require.NoError(t, err)
		require.Empty(t, diffs, "views of n1 and %s differ at log position %d", n.name, pos)
	}

	// A node restarted with an empty --db rebuilds its view from the log.
	fresh := nodes[(victim+1)%3]
	fresh.db = filepath.Join(dir, "rebuilt.db")
	for _, n := range nodes {
		n.spawn(t, bin, routes, env)
	}
	for _, n := range nodes {
		n.wait(t)
	}
	pos = settled(t, nodes, 30*time.Second)
	present(fresh, acked)
	for _, n := range nodes {
		n.stop(t)
	}
	for _, n := range nodes {
		if n == fresh {
			continue
		}
		diffs, err := store.CompareViewFiles(n.db, fresh.db)
		require.NoError(t, err)
		require.Empty(t, diffs, "the rebuilt view differs from %s's at log position %d", n.name, pos)
	}
	// replay and verify work on a node's view as on any database.
	for _, db := range []string{nodes[victim].db, fresh.db} {
		code, out, stderr := run(t, context.Background(), nil, "replay", "--db", db, "--config", shippedConfig, "--scratch", dir)
		require.Equal(t, ExitOK, code, "replay %s: %s %s", db, out, stderr)
		code, out, stderr = run(t, context.Background(), nil, "verify", "--db", db)
		require.Equal(t, ExitOK, code, "verify %s: %s %s", db, out, stderr)
	}
	t.Logf("round done in %s at log position %d", time.Since(start).Round(time.Millisecond), pos)
}

// TestClusterFlags: cluster flags need a node name, an embedded node
// needs its listen address and peers, and the demo is a single node.
func TestClusterFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--cluster-listen", "127.0.0.1:6222"},
		{"serve", "--nats-url", "nats://127.0.0.1:4222"},
		{"serve", "--cluster-node", "n1"},
		{"serve", "--cluster-node", "n1", "--cluster-listen", "127.0.0.1:6222"},
		{"serve", "--cluster-node", "n1", "--nats-url", "nats://127.0.0.1:4222", "--demo"},
		{"serve", "--cluster-stream", "HCM"},
		{"serve", "--cluster-leaf-listen", "127.0.0.1:7422"},
		{"serve", "--cluster-source", "HCM=127.0.0.1:7422"},
		{"serve", "--cluster-node", "r", "--cluster-source", "HCM=127.0.0.1:7422", "--cluster-peers", "127.0.0.1:6222", "--cluster-listen", "127.0.0.1:6223"},
		{"serve", "--cluster-node", "r", "--cluster-source", "HCM=127.0.0.1:7422", "--nats-url", "nats://127.0.0.1:4222"},
		{"serve", "--cluster-node", "r", "--cluster-source", "HCM=127.0.0.1:7422", "--cluster-leaf-listen", "127.0.0.1:7423"},
		{"serve", "--cluster-node", "r", "--cluster-source", "HCM"},
	} {
		code, _, stderr := run(t, context.Background(), nil, args...)
		require.Equal(t, ExitUsage, code, "%v: %s", args, stderr)
		require.Contains(t, stderr, "cluster", "%v", args)
	}
	// The tools: --cluster-stream goes with --nats-url; a token goes into
	// a database or a cluster.
	for _, args := range [][]string{
		{"import", "--cluster-stream", "HCM", "x.ndjson"},
		{"token", "create", "--cluster-stream", "HCM", "--role", "viewer", "--agency", "tp-danang", "--name", "x"},
		{"token", "create", "--db", "x.db", "--nats-url", "nats://127.0.0.1:4222", "--role", "viewer", "--agency", "tp-danang", "--name", "x"},
	} {
		code, _, stderr := run(t, context.Background(), nil, args...)
		require.Equal(t, ExitUsage, code, "%v: %s", args, stderr)
		require.Contains(t, stderr, "--nats-url", "%v", args)
	}
	// A roll-up needs each province's leafnode token.
	code, _, stderr := run(t, context.Background(), nil, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "r.db"),
		"--config", shippedConfig, "--cluster-node", "r", "--cluster-source", "HCM=127.0.0.1:7422")
	require.Equal(t, ExitFail, code, "%s", stderr)
	require.Contains(t, stderr, "MOTCUA_LEAF_TOKEN_HCM or MOTCUA_LEAF_TOKEN")
}
