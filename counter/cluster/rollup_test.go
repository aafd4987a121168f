package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/cluster"
	"github.com/motcua/motcua/counter/countertest"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

const leafToken = "leaf-token-for-tests-0123456789"

// province is one province's cluster, a single node here, that accepts
// roll-up nodes on its leafnode port.
type province struct {
	node *cluster.Node
	view *store.Store
	leaf string
}

func startProvince(t *testing.T, stream string) *province {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	leaf := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	n, err := cluster.Start(ctx, cluster.Config{Name: stream + "-1", StoreDir: filepath.Join(dir, "js"), Stream: stream,
		LeafListen: leaf, LeafToken: leafToken, StartTimeout: 30 * time.Second, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	secret, err := n.Secret(ctx)
	require.NoError(t, err)
	st, err := store.Open(filepath.Join(dir, "view.db"), countertest.City(), store.Options{Secret: secret, Evaluator: violations.New()})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, n.Attach(st))
	require.Eventually(t, func() bool { return n.Ready() == nil }, 10*time.Second, 20*time.Millisecond)
	return &province{node: n, view: st, leaf: leaf}
}

// TestRollupSourcesProvinces: two provinces' clusters, each with its own
// log, take writes; a roll-up node sources both logs read-only and its view
// holds both provinces' dossiers and counts, and verdicts raised by each
// province's sweeps (the two sweep at the same instant, under the same
// message id); writes to it are refused; it cannot write into a
// province's log through its leafnode connection; restarted, it resumes.
func TestRollupSourcesProvinces(t *testing.T) {
	ctx := context.Background()
	hcm := startProvince(t, "HCM")
	dna := startProvince(t, "DNA")

	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	due := time.Now().Add(2 * time.Second).Truncate(time.Second)
	write := func(p *province, agency, prefix string, n int) {
		for i := range n {
			e := counter.Event{ID: fmt.Sprintf("%s-e%d", prefix, i), Type: counter.Received, Dossier: fmt.Sprintf("%s-D%d", prefix, i),
				At: at, Agency: agency, Procedure: "1.001", Channel: counter.ChannelDirect}
			if i == 0 {
				// The same promised instant in both provinces: both
				// propose "sweep-<due>", and both sweeps reach the roll-up.
				e.Slip = &counter.Slip{Number: "S-" + prefix, DueAt: due}
			}
			_, err := p.node.Record(ctx, []counter.Event{e})
			require.NoError(t, err)
		}
	}
	write(hcm, "q1-motcua", "hcm", 5)
	write(dna, "q2-motcua", "dna", 3)

	dir := t.TempDir()
	rollupPort := freePort(t)
	const rollupToken = "rollup-client-token-0123456789"
	startRollup := func() (*cluster.Node, *store.Store) {
		n, err := cluster.Start(ctx, cluster.Config{Name: "national", StoreDir: filepath.Join(dir, "js"),
			ClientListen: fmt.Sprintf("127.0.0.1:%d", rollupPort), ClientToken: rollupToken,
			Sources: []cluster.Source{
				{Stream: "HCM", Addrs: []string{hcm.leaf}, Token: leafToken},
				{Stream: "DNA", Addrs: []string{dna.leaf}, Token: leafToken},
			}, StartTimeout: 30 * time.Second, Logger: quiet})
		require.NoError(t, err)
		st, err := store.Open(filepath.Join(dir, "national.db"), countertest.City(), store.Options{Evaluator: violations.New()})
		require.NoError(t, err)
		require.NoError(t, n.Attach(st))
		return n, st
	}
	rn, rv := startRollup()
	t.Cleanup(func() { rn.Close(); rv.Close() })

	overdue := func(st *store.Store, code string) int {
		_, _, vs, err := st.FindDossierByCode(ctx, code)
		if counter.ErrorCode(err) == counter.CodeDossierNotFound {
			return 0
		}
		require.NoError(t, err)
		k := 0
		for _, v := range vs {
			if v.Code == "overdue" {
				k++
			}
		}
		return k
	}
	// Both provinces sweep their deadline; the roll-up folds both logs.
	require.Eventually(t, func() bool {
		return overdue(hcm.view, "hcm-D0") == 1 && overdue(dna.view, "dna-D0") == 1
	}, 15*time.Second, 50*time.Millisecond)
	sum := func() uint64 { return hcm.node.Status().Applied + dna.node.Status().Applied }
	require.Eventually(t, func() bool {
		s := rn.Status()
		return rn.Ready() == nil && s.Applied == sum() && s.Last == sum()
	}, 20*time.Second, 50*time.Millisecond, "the roll-up holds every entry of both logs")
	require.Equal(t, 1, overdue(rv, "hcm-D0"))
	require.Equal(t, 1, overdue(rv, "dna-D0"))
	for _, code := range []string{"hcm-D4", "dna-D2"} {
		ok, err := rv.HasDossier(code)
		require.NoError(t, err)
		require.True(t, ok, "%s in the roll-up", code)
	}
	root, err := rv.Rollup(ctx, "tp", time.Time{}, time.Time{})
	require.NoError(t, err)
	received := map[string]int{}
	for _, c := range root.Children {
		received[c.Agency] = c.Received
	}
	require.Equal(t, 8, root.Received)
	require.Equal(t, map[string]int{"q1": 5, "q2": 3}, received)
	st := rn.Status()
	require.Len(t, st.Sources, 2)
	require.Zero(t, st.Refused)
	require.False(t, st.Leader, "a roll-up proposes no sweeps")

	// Writes to the roll-up are refused: it is a read-only node.
	_, err = rn.Record(ctx, []counter.Event{{ID: "x", Type: counter.Received, Dossier: "X", At: at, Agency: "q1-motcua",
		Procedure: "1.001", Channel: counter.ChannelDirect}})
	require.Contains(t, err.Error(), "read-only roll-up")
	require.Equal(t, counter.CodeReadOnlyNode, counter.ErrorCode(err))
	_, err = rn.NextDossierCode("000.00.31.H17", time.Now())
	require.Equal(t, counter.CodeReadOnlyNode, counter.ErrorCode(err))

	// Through its leafnode connections the roll-up can read the provinces'
	// logs, not write into them, nor delete them.
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", rollupPort), nats.Token(rollupToken))
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Publish("hcm.log", []byte(`{"kind":"record","events":[]}`)))
	_, err = nc.Request("$JS.hcm.API.STREAM.DELETE.HCM", nil, time.Second)
	require.Error(t, err, "deleting a province's stream through the roll-up")
	_, err = nc.Request("$JS.hcm.API.STREAM.PURGE.HCM", nil, time.Second)
	require.Error(t, err, "purging a province's stream through the roll-up")
	_, err = nc.Request("$JS.hcm.API.DIRECT.GET.KV_hcm_meta.$KV.hcm_meta.secret", nil, time.Second)
	require.Error(t, err, "reading a province's secret through the roll-up")
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.Publish(ctx, "rollup.log", []byte("x"))
	require.Error(t, err, "the roll-up's stream takes no subject")
	before := hcm.node.Status().Last
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, before, hcm.node.Status().Last, "nothing entered HCM's log from the roll-up")

	// New writes keep flowing; a restarted roll-up resumes where it was.
	require.NoError(t, rn.Close())
	require.NoError(t, rv.Close())
	write(hcm, "q1-motcua", "hcm2", 2)
	rn, rv = startRollup()
	// A restarted roll-up recovers its stream before its leafnode
	// connections are up, so its first try at each source fails and
	// JetStream retries after 2 s + 10 s, then 20 s more (its source
	// backoff): on a loaded machine the second try can fail too.
	require.Eventually(t, func() bool {
		s := rn.Status()
		return rn.Ready() == nil && s.Applied == sum()
	}, 75*time.Second, 50*time.Millisecond)
	root, err = rv.Rollup(ctx, "tp", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, 10, root.Received)
	require.NoError(t, rn.Close())
	require.NoError(t, rv.Close())
}

// TestRollupConfig: a roll-up runs alone (no peers, no external NATS),
// each source needs an address and a token, names are distinct, and a
// leafnode listener needs a token.
func TestRollupConfig(t *testing.T) {
	src := cluster.Source{Stream: "HCM", Addrs: []string{"127.0.0.1:7422"}, Token: leafToken}
	for name, cfg := range map[string]cluster.Config{
		"peers":       {Name: "r", Peers: []string{"127.0.0.1:6222"}, Listen: "127.0.0.1:6223", Sources: []cluster.Source{src}},
		"nats-url":    {Name: "r", NATSURL: "nats://127.0.0.1:4222", Sources: []cluster.Source{src}},
		"no address":  {Name: "r", Sources: []cluster.Source{{Stream: "HCM", Token: leafToken}}},
		"no token":    {Name: "r", Sources: []cluster.Source{{Stream: "HCM", Addrs: src.Addrs}}},
		"twice":       {Name: "r", Sources: []cluster.Source{src, src}},
		"own name":    {Name: "r", Stream: "HCM", Sources: []cluster.Source{src}},
		"bad name":    {Name: "r", Sources: []cluster.Source{{Stream: "H.CM", Addrs: src.Addrs, Token: leafToken}}},
		"leaf token":  {Name: "p", StoreDir: t.TempDir(), LeafListen: "127.0.0.1:7422", LeafToken: "short"},
		"bad stream":  {Name: "p", StoreDir: t.TempDir(), Stream: "a b"},
		"leaf + nats": {Name: "p", NATSURL: "nats://127.0.0.1:4222", LeafListen: "127.0.0.1:7422", LeafToken: leafToken},
	} {
		cfg.StartTimeout = time.Second
		_, err := cluster.Start(context.Background(), cfg)
		require.Error(t, err, name)
	}
}
