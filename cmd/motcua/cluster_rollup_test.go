package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
)

// serveAll starts `motcua serve` in this process once per argument list,
// all at once (cluster nodes wait for each other's quorum), and returns
// their base URLs.
func serveAll(t *testing.T, env map[string]string, argss ...[]string) []string {
	t.Helper()
	bases, _ := serveMains(t, env, argss...)
	return bases
}

// serveMains is serveAll, also returning the commands (Close stops one).
func serveMains(t *testing.T, env map[string]string, argss ...[]string) ([]string, []*Main) {
	t.Helper()
	mains := make([]*Main, len(argss))
	errs := make([]error, len(argss))
	var wg sync.WaitGroup
	for i, args := range argss {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		mains[i] = m
		require.NoError(t, m.ParseFlags(append([]string{"serve", "--addr", "127.0.0.1:0", "--config", shippedConfig, "--log-format", "json"}, args...)))
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = m.Run(context.Background()) }()
	}
	wg.Wait()
	bases := make([]string, len(argss))
	for i, m := range mains {
		require.NoError(t, errs[i], "serve %v", argss[i])
		t.Cleanup(func() { require.NoError(t, m.Close()) })
		bases[i] = "http://" + m.cmd.(*ServeCommand).BoundAddr().String()
	}
	return bases, mains
}

// receiptAt is a receipt at agency's counter an hour ago.
func receiptAt(t *testing.T, id, dossier, agency string) []byte {
	t.Helper()
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	require.NotNil(t, cfg.Agency(agency))
	at := time.Now().In(cfg.Calendar.Location).Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)
	return fmt.Appendf(nil, `{"id": %q, "type": "received", "dossier": %q, "at": %q, "agency": %q,
		"procedure": "1.009994", "channel": "direct", "applicant": {"name": "Hoàng E", "id_number": "079123456789"}}`, id, dossier, at, agency)
}

// TestClusterRollup: two provinces, each its own cluster with its own log
// (HCM and DNA, one node each here; in the test they are two departments
// of the shipped city's tree, standing for two provinces' trees, which a
// real roll-up's config would hold side by side), take writes; a roll-up
// node sources both logs and its roll-up and scorecards show both
// provinces' dossiers; every write to it is refused with 403; its metrics
// show each source; stopped, its view verifies and replays like any
// database.
func TestClusterRollup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes")
	}
	dir := t.TempDir()
	ports := freePorts(t, 4)
	const boot = "rollup-bootstrap-secret-0123456789"
	const hcmLeaf, dnaLeaf = "hcm-leaf-token-0123456789", "dna-leaf-token-0123456789"
	hcmRoute, hcmLeafAddr := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	dnaRoute, dnaLeafAddr := fmt.Sprintf("127.0.0.1:%d", ports[2]), fmt.Sprintf("127.0.0.1:%d", ports[3])
	province := func(stream, route, leaf, db string) []string {
		return []string{"--db", filepath.Join(dir, db), "--cluster-node", strings.ToLower(stream) + "-1", "--cluster-listen", route,
			"--cluster-peers", route, "--cluster-stream", stream, "--cluster-leaf-listen", leaf}
	}
	hcm := serveAll(t, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": boot, "MOTCUA_LEAF_TOKEN": hcmLeaf},
		province("HCM", hcmRoute, hcmLeafAddr, "hcm.db"))[0]
	dna := serveAll(t, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": boot, "MOTCUA_LEAF_TOKEN": dnaLeaf},
		province("DNA", dnaRoute, dnaLeafAddr, "dna.db"))[0]

	mint := func(base, bootstrap, agency string) string {
		status, body := request(t, "POST", base+"/api/v1/tokens", bootstrap,
			fmt.Appendf(nil, `{"role": "integration", "agency": %q, "name": "rollup test"}`, agency))
		require.Equal(t, 201, status, "%s", body)
		var out struct{ Token string }
		require.NoError(t, json.Unmarshal(body, &out))
		return out.Token
	}
	hcmWriter, dnaWriter := mint(hcm, boot, "tp-danang"), mint(dna, boot, "tp-danang")
	for i := range 4 {
		status, body := request(t, "POST", hcm+"/api/v1/events", hcmWriter, receiptAt(t, fmt.Sprintf("hcm-e%d", i), fmt.Sprintf("HCM-%d", i), "so-xd-motcua"))
		require.Equal(t, 201, status, "%s", body)
	}
	for i := range 3 {
		status, body := request(t, "POST", dna+"/api/v1/events", dnaWriter, receiptAt(t, fmt.Sprintf("dna-e%d", i), fmt.Sprintf("DNA-%d", i), "so-nv-motcua"))
		require.Equal(t, 201, status, "%s", body)
	}

	// The roll-up: a token per province (MOTCUA_LEAF_TOKEN_HCM) or one
	// for the rest (MOTCUA_LEAF_TOKEN).
	rollupDB := filepath.Join(dir, "national.db")
	const nationalBoot = "national-bootstrap-secret-0123456789"
	rollups, rmains := serveMains(t, map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": nationalBoot, "MOTCUA_LEAF_TOKEN_HCM": hcmLeaf, "MOTCUA_LEAF_TOKEN": dnaLeaf},
		[]string{"--db", rollupDB, "--cluster-node", "national", "--cluster-source", "HCM=" + hcmLeafAddr, "--cluster-source", "DNA=" + dnaLeafAddr})
	rollup := rollups[0]

	received := func() map[string]int {
		status, body := request(t, "GET", rollup+"/api/v1/rollup?agency=tp-danang", nationalBoot, nil)
		if status != 200 {
			return nil
		}
		var root struct {
			Children []struct {
				Agency   string `json:"agency"`
				Received int    `json:"received"`
			} `json:"children"`
		}
		require.NoError(t, json.Unmarshal(body, &root))
		out := map[string]int{}
		for _, c := range root.Children {
			if c.Received > 0 {
				out[c.Agency] = c.Received
			}
		}
		return out
	}
	require.Eventually(t, func() bool {
		got := received()
		return got["so-xd"] == 4 && got["so-nv"] == 3
	}, 20*time.Second, 100*time.Millisecond, "the roll-up shows both provinces: %v", received())
	status, body := request(t, "GET", rollup+"/api/v1/readyz", "", nil)
	require.Equal(t, 200, status, "%s", body)
	for _, code := range []string{"HCM-3", "DNA-2"} {
		status, body := request(t, "GET", rollup+"/api/v1/dossiers/"+code, nationalBoot, nil)
		require.Equal(t, 200, status, "%s: %s", code, body)
	}
	status, body = request(t, "GET", rollup+"/api/v1/scorecards?agency=tp-danang", nationalBoot, nil)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"so-xd"`)
	require.Contains(t, string(body), `"so-nv"`)

	// A new write in a province reaches the roll-up.
	status, body = request(t, "POST", dna+"/api/v1/events", dnaWriter, receiptAt(t, "dna-late", "DNA-LATE", "so-nv-motcua"))
	require.Equal(t, 201, status, "%s", body)
	require.Eventually(t, func() bool { return received()["so-nv"] == 4 }, 20*time.Second, 100*time.Millisecond)

	// Every write to the roll-up is refused, even with a writer's token
	// (minted on the roll-up, whose tokens are its own).
	var refusal struct {
		Error struct{ Code, Message, MessageVI string } `json:"error"`
	}
	nationalWriter := mint(rollup, nationalBoot, "tp-danang")
	status, body = request(t, "POST", rollup+"/api/v1/events", nationalWriter, receiptAt(t, "nat-e1", "NAT-1", "so-xd-motcua"))
	require.Equal(t, 403, status, "%s", body)
	require.NoError(t, json.Unmarshal(body, &refusal))
	require.Equal(t, "read_only_node", refusal.Error.Code)
	require.Contains(t, refusal.Error.Message, "read-only roll-up")
	require.Contains(t, string(body), "nút tổng hợp chỉ đọc")
	status, body = request(t, "GET", rollup+"/api/v1/dossiers/NAT-1", nationalBoot, nil)
	require.Equal(t, 404, status, "%s", body)
	// A province's token is that province's: the roll-up has its own.
	status, _ = request(t, "GET", rollup+"/api/v1/dossiers/HCM-1", boot, nil)
	require.Equal(t, 401, status)

	status, body = request(t, "GET", rollup+"/metrics", "", nil)
	require.Equal(t, 200, status)
	for _, src := range []string{"HCM", "DNA"} {
		require.Contains(t, string(body), fmt.Sprintf(`motcua_cluster_source_lag{node="national",source=%q} 0`, src))
	}
	require.Contains(t, string(body), `motcua_cluster_rollup_refused_total{node="national"} 0`)

	// Stopped, the roll-up's view verifies and replays like any database,
	// and refuses a plain import.
	require.NoError(t, rmains[0].Close())
	ctx := context.Background()
	code, out, stderr := run(t, ctx, nil, "verify", "--db", rollupDB)
	require.Equal(t, ExitOK, code, "%s %s", out, stderr)
	code, out, stderr = run(t, ctx, nil, "replay", "--db", rollupDB, "--config", shippedConfig, "--scratch", dir)
	require.Equal(t, ExitOK, code, "%s %s", out, stderr)
	file := filepath.Join(dir, "one.ndjson")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(strings.Fields(string(receiptAt(t, "x1", "X-1", "so-xd-motcua"))), " ")+"\n"), 0o600))
	code, _, stderr = run(t, ctx, nil, "import", "--db", rollupDB, "--config", shippedConfig, file)
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "a read-only roll-up's view of the log ROLLUP")
}

// TestClusterImportAndToken: `import --nats-url` and `token create
// --nats-url` work against a running three-node cluster: the imported
// events go through the log and are on every node, a second import adds
// nothing, the minted token works on every node; a plain --db that is a
// cluster view is refused with the way to do it instead.
func TestClusterImportAndToken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes")
	}
	dir := t.TempDir()
	ports := freePorts(t, 4)
	var routes []string
	for _, p := range ports[:3] {
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", p))
	}
	const boot = "import-bootstrap-secret-0123456789"
	const natsToken = "nats-client-token-0123456789"
	env := map[string]string{"MOTCUA_BOOTSTRAP_TOKEN": boot, "MOTCUA_NATS_TOKEN": natsToken}
	var argss [][]string
	for i := range 3 {
		args := []string{"--db", filepath.Join(dir, fmt.Sprintf("n%d.db", i+1)), "--cluster-node", fmt.Sprintf("n%d", i+1),
			"--cluster-listen", routes[i], "--cluster-peers", strings.Join(routes, ",")}
		if i == 0 {
			args = append(args, "--cluster-client-listen", fmt.Sprintf("127.0.0.1:%d", ports[3]))
		}
		argss = append(argss, args)
	}
	nodes := serveAll(t, env, argss...)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", ports[3])
	ctx := context.Background()

	// token create --nats-url: the token is in the cluster's bucket.
	code, token, stderr := run(t, ctx, env, "token", "create", "--nats-url", natsURL, "--config", shippedConfig,
		"--role", "integration", "--agency", "so-xd", "--name", "importer")
	require.Equal(t, ExitOK, code, "%s", stderr)
	token = strings.TrimSpace(token)
	for _, n := range nodes {
		status, body := request(t, "GET", n+"/api/v1/dossiers?agency=so-xd", token, nil)
		require.Equal(t, 200, status, "the token minted through the cluster works on %s: %s", n, body)
	}

	// import --nats-url: through the log, on every node.
	var lines []string
	for i := range 30 {
		lines = append(lines, string(receiptAt(t, fmt.Sprintf("imp-e%d", i), fmt.Sprintf("IMP-%d", i), "so-xd-motcua")))
	}
	file := filepath.Join(dir, "history.ndjson")
	// One event per line.
	var ndjson strings.Builder
	for _, l := range lines {
		ndjson.WriteString(strings.Join(strings.Fields(l), " ") + "\n")
	}
	require.NoError(t, os.WriteFile(file, []byte(ndjson.String()), 0o600))
	importer := filepath.Join(dir, "importer.db")
	// The token in the URL this time, not in MOTCUA_NATS_TOKEN.
	tokenURL := fmt.Sprintf("nats://%s@127.0.0.1:%d", natsToken, ports[3])
	code, _, stderr = run(t, ctx, nil, "import", "--nats-url", tokenURL, "--db", importer, "--config", shippedConfig, "--batch", "7", file)
	require.Equal(t, ExitOK, code, "%s", stderr)
	require.Contains(t, stderr, "30 events read, 30 new, 0 already stored")
	for _, n := range nodes {
		for _, c := range []string{"IMP-0", "IMP-29"} {
			require.Eventually(t, func() bool {
				status, _ := request(t, "GET", n+"/api/v1/dossiers/"+c, token, nil)
				return status == 200
			}, 10*time.Second, 50*time.Millisecond, "%s on %s", c, n)
		}
	}
	// Again, from the kept view: nothing new.
	code, _, stderr = run(t, ctx, env, "import", "--nats-url", natsURL, "--db", importer, "--config", shippedConfig, file)
	require.Equal(t, ExitOK, code, "%s", stderr)
	require.Contains(t, stderr, "30 events read, 0 new, 30 already stored")

	// A refused record stops the import at its line, as on a single node.
	bad := filepath.Join(dir, "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, fmt.Appendf(nil, "%s\n%s\n",
		strings.Join(strings.Fields(string(receiptAt(t, "imp-x1", "IMPX-1", "so-xd-motcua"))), " "),
		`{"id": "imp-x2", "type": "result_ready", "dossier": "NOPE", "at": "2026-03-02T08:00:00+07:00", "agency": "so-xd-motcua"}`), 0o600))
	code, _, stderr = run(t, ctx, env, "import", "--nats-url", natsURL, "--db", importer, "--config", shippedConfig, bad)
	require.Equal(t, ExitFail, code, "%s", stderr)
	require.Contains(t, stderr, bad+":2: dossier_not_found")
	require.Eventually(t, func() bool {
		status, _ := request(t, "GET", nodes[2]+"/api/v1/dossiers/IMPX-1", token, nil)
		return status == 200
	}, 10*time.Second, 50*time.Millisecond, "the line before the refused one is kept")

	// Not a motcua cluster's log name: refused, nothing created.
	code, _, stderr = run(t, ctx, env, "token", "create", "--nats-url", natsURL, "--cluster-stream", "NOPE", "--config", shippedConfig,
		"--role", "viewer", "--agency", "so-xd", "--name", "x")
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "no motcua log NOPE")

	// A cluster view (the importer's, as a node's would be) as a plain
	// --db: refused, with the way that works.
	code, _, stderr = run(t, ctx, nil, "import", "--db", importer, "--config", shippedConfig, file)
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "a cluster node's view of the log MOTCUA")
	require.Contains(t, stderr, "motcua import --nats-url")
	code, _, stderr = run(t, ctx, nil, "token", "create", "--db", importer, "--config", shippedConfig, "--role", "viewer", "--agency", "so-xd", "--name", "x")
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "motcua token create --nats-url")
	require.Contains(t, stderr, "POST /api/v1/tokens")
}
