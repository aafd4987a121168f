package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nuid"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/counter/cluster"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
)

// clusterServe is what serve adds for cluster mode (SPEC.md §10.5). Without
// --cluster-node serve is the single node it always was.
type clusterServe struct {
	ClusterNode   string
	ClusterListen string
	ClusterPeers  string
	NATSURL       string
	ClusterStore  string
	ClusterClient string
	ClusterSync   bool
	// ClusterStream names the cluster's log (--cluster-stream): each
	// province a name of its own, so that a roll-up can source several.
	ClusterStream string
	// ClusterLeaf is where the embedded server accepts roll-up nodes
	// (--cluster-leaf-listen), with the token $MOTCUA_LEAF_TOKEN.
	ClusterLeaf string
	// ClusterSources make this node a read-only roll-up of the clusters
	// named (--cluster-source NAME=HOST:PORT,...; repeatable).
	ClusterSources sourceFlags

	node *cluster.Node
}

func (c *clusterServe) clustered() bool { return c.ClusterNode != "" }

// rollup reports whether the node is a read-only roll-up.
func (c *clusterServe) rollup() bool { return len(c.ClusterSources) > 0 }

// sourceFlags are the --cluster-source flags: NAME=HOST:PORT[,HOST:PORT...].
type sourceFlags []cluster.Source

func (f *sourceFlags) String() string {
	var out []string
	for _, s := range *f {
		out = append(out, s.Stream+"="+strings.Join(s.Addrs, ","))
	}
	return strings.Join(out, " ")
}

func (f *sourceFlags) Set(v string) error {
	name, addrs, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want NAME=HOST:PORT[,HOST:PORT...], not %q", v)
	}
	src := cluster.Source{Stream: strings.TrimSpace(name)}
	for _, a := range strings.Split(addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			src.Addrs = append(src.Addrs, a)
		}
	}
	if len(src.Addrs) == 0 {
		return fmt.Errorf("source %s: no HOST:PORT", src.Stream)
	}
	*f = append(*f, src)
	return nil
}

// leafTokenEnv names the variable holding a source's leafnode token:
// MOTCUA_LEAF_TOKEN_<NAME> (NAME upper-cased, '-' as '_'), else
// MOTCUA_LEAF_TOKEN.
func leafTokenEnv(getenv func(string) string, stream string) (string, string) {
	name := "MOTCUA_LEAF_TOKEN_" + strings.ToUpper(strings.ReplaceAll(stream, "-", "_"))
	if v := getenv(name); v != "" {
		return v, name
	}
	return getenv("MOTCUA_LEAF_TOKEN"), name + " or MOTCUA_LEAF_TOKEN"
}

func (c *clusterServe) addClusterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ClusterNode, "cluster-node", "", "cluster mode: this node's name, unique in the cluster")
	fs.StringVar(&c.ClusterListen, "cluster-listen", "", "cluster mode: HOST:PORT where the embedded NATS server meets its peers")
	fs.StringVar(&c.ClusterPeers, "cluster-peers", "", "cluster mode: the other nodes' --cluster-listen addresses, comma-separated")
	fs.StringVar(&c.NATSURL, "nats-url", "", "cluster mode: use this external NATS cluster instead of an embedded server")
	fs.StringVar(&c.ClusterStore, "cluster-store", "", "cluster mode: the embedded server's JetStream folder (default: <db>.nats)")
	fs.StringVar(&c.ClusterClient, "cluster-client-listen", "", "cluster mode: HOST:PORT where the embedded server accepts NATS clients, with the token $MOTCUA_NATS_TOKEN (default: a random loopback port only this process uses)")
	fs.BoolVar(&c.ClusterSync, "cluster-sync-always", false, "cluster mode: fsync every JetStream write (slower; by default replicas carry durability)")
	fs.StringVar(&c.ClusterStream, "cluster-stream", "", "cluster mode: the name of the cluster's log, the same on every node; one per province when a roll-up sources several (default MOTCUA; ROLLUP for a roll-up)")
	fs.StringVar(&c.ClusterLeaf, "cluster-leaf-listen", "", "cluster mode: HOST:PORT where the embedded server lets roll-up nodes read the log, with the token $MOTCUA_LEAF_TOKEN (give it on every node of the cluster)")
	fs.Var(&c.ClusterSources, "cluster-source", "roll-up mode: NAME=HOST:PORT[,HOST:PORT...], a province's log and its nodes' --cluster-leaf-listen addresses, with the token $MOTCUA_LEAF_TOKEN_<NAME> (or $MOTCUA_LEAF_TOKEN); repeat it per province. The node is then read-only")
}

// checkClusterFlags refuses cluster flags without a node name, and an
// embedded node without its listen address and peers.
func (c *clusterServe) checkClusterFlags(fs *flag.FlagSet, dbPath string, demo bool) error {
	bad := func(msg string) error {
		fmt.Fprintln(fs.Output(), msg)
		fs.Usage()
		return errors.New(msg)
	}
	if !c.clustered() {
		if c.ClusterListen != "" || c.ClusterPeers != "" || c.NATSURL != "" || c.ClusterStore != "" || c.ClusterClient != "" ||
			c.ClusterStream != "" || c.ClusterLeaf != "" || c.rollup() {
			return bad("cluster flags need --cluster-node NAME")
		}
		return nil
	}
	if demo {
		return bad("--demo runs a single node; leave out the cluster flags")
	}
	if c.rollup() {
		if c.ClusterListen != "" || c.ClusterPeers != "" || c.NATSURL != "" || c.ClusterLeaf != "" {
			return bad("a roll-up node (--cluster-source) runs alone: leave out --cluster-listen, --cluster-peers, --nats-url and --cluster-leaf-listen")
		}
	} else if c.NATSURL == "" {
		if c.ClusterListen == "" {
			return bad("--cluster-node needs --cluster-listen HOST:PORT (or --nats-url)")
		}
		if c.ClusterPeers == "" {
			return bad("--cluster-node needs --cluster-peers HOST:PORT,... (or --nats-url)")
		}
	}
	if c.ClusterStore == "" {
		c.ClusterStore = dbPath + ".nats"
	}
	return nil
}

func (c *clusterServe) peers() []string {
	var out []string
	for _, p := range strings.Split(c.ClusterPeers, ",") {
		if p = strings.TrimSpace(p); p != "" && p != c.ClusterListen {
			out = append(out, p)
		}
	}
	return out
}

// startCluster joins the cluster (waiting for a quorum) and sets the
// view's secret to the cluster's, keeping it in the view's key file too so
// that replay and verify work on the view as on any database.
// A roll-up's view has a key file of its own (the provinces' id hashes
// arrive hashed with their own secrets).
func (c *ServeCommand) startCluster(ctx context.Context, opts *store.Options) error {
	cfg := cluster.Config{
		Name: c.ClusterNode, Listen: c.ClusterListen, Peers: c.peers(), NATSURL: c.NATSURL,
		ClientListen: c.ClusterClient, ClientToken: c.Main.Getenv("MOTCUA_NATS_TOKEN"), StoreDir: c.ClusterStore, SyncAlways: c.ClusterSync,
		Stream: c.ClusterStream, LeafListen: c.ClusterLeaf, Now: opts.Now, Logger: c.logger,
	}
	if c.ClusterLeaf != "" {
		cfg.LeafToken = c.Main.Getenv("MOTCUA_LEAF_TOKEN")
		if cfg.LeafToken == "" {
			return errors.New("cluster: --cluster-leaf-listen needs the roll-up nodes' token in MOTCUA_LEAF_TOKEN")
		}
	}
	for _, src := range c.ClusterSources {
		token, env := leafTokenEnv(c.Main.Getenv, src.Stream)
		if token == "" {
			return fmt.Errorf("cluster: --cluster-source %s needs the province's leafnode token in %s", src.Stream, env)
		}
		src.Token = token
		cfg.Sources = append(cfg.Sources, src)
	}
	node, err := cluster.Start(ctx, cfg)
	if err != nil {
		return err
	}
	c.node = node
	if c.rollup() {
		return nil
	}
	secret, err := node.Secret(ctx)
	if err != nil {
		return err
	}
	if err := clusterKeyFile(c.DBPath, secret); err != nil {
		return err
	}
	opts.Secret = secret
	return nil
}

// clusterKeyFile keeps the cluster's secret in the view's key file, so
// that replay and verify work on the view, and refuses a view whose key
// file holds another secret.
func clusterKeyFile(dbPath string, secret []byte) error {
	keyPath := dbPath + ".key"
	old, err := os.ReadFile(keyPath)
	switch {
	case err == nil && !bytes.Equal(old, secret):
		return fmt.Errorf("cluster: %s holds another secret than the cluster's: this view belongs elsewhere; use a new --db", keyPath)
	case errors.Is(err, os.ErrNotExist):
		if err := os.WriteFile(keyPath, secret, 0o600); err != nil {
			return fmt.Errorf("cluster: write key file: %w", err)
		}
	case err != nil:
		return fmt.Errorf("cluster: read key file: %w", err)
	}
	return nil
}

// attachCluster starts applying the log to st and points the server's
// writes, tokens, codes and readiness at the cluster.
func (c *ServeCommand) attachCluster(st *store.Store, srv *dashboard.Server, reg prometheus.Registerer) error {
	if err := c.node.Attach(st); err != nil {
		return err
	}
	if err := reg.Register(c.node.Collector()); err != nil {
		return fmt.Errorf("cluster metrics: %w", err)
	}
	srv.Ready = c.node.Ready
	if c.rollup() {
		// Reads from the view; every write refused (403). Tokens are the
		// roll-up's own, in its database.
		srv.Ledger = c.node.Ledger()
		srv.Codes = c.node.Ledger()
		srv.Sync = readOnlySync{st}
		return nil
	}
	tokens := c.node.Tokens()
	srv.Ledger = c.node.Ledger()
	srv.Codes = c.node.Ledger()
	srv.Tokens = tokens
	srv.Sync = c.node.Sync()
	srv.Authenticator = dashboard.TokenAuthenticator{Tokens: tokens}
	return nil
}

// tokenStore is where serve keeps the bootstrap token: the database, or
// the cluster's bucket.
type tokenStore interface {
	EnsureToken(t store.Token) (bool, error)
	Token(id string) (*store.Token, error)
}

// readOnlySync is a roll-up's national-sync store: it has no groups and
// takes none.
type readOnlySync struct{ st *store.Store }

func (s readOnlySync) SyncGroups(codes []string) (map[string][][]byte, error) {
	return s.st.SyncGroups(codes)
}

func (readOnlySync) AppendSyncGroups(map[string][]byte) error { return cluster.ErrReadOnly() }

// clusterTool is what `import` and `token create` add to work against a
// cluster (--nats-url, --cluster-stream): they join its NATS as a client,
// propose nothing and create nothing.
type clusterTool struct {
	NATSURL string
	Stream  string
}

func (c *clusterTool) addToolFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats-url", "", "work against a cluster: the NATS address of one of its nodes (its --cluster-client-listen, token in the URL or $MOTCUA_NATS_TOKEN)")
	fs.StringVar(&c.Stream, "cluster-stream", "", "with --nats-url: the name of the cluster's log (default MOTCUA)")
}

func (c *clusterTool) clustered() bool { return c.NATSURL != "" }

// join connects to the cluster as a tool named after what it does.
func (c *clusterTool) join(ctx context.Context, m *Main, what string) (*cluster.Node, error) {
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	node, err := cluster.Start(ctx, cluster.Config{Name: what + "-" + nuid.Next(), NATSURL: c.NATSURL,
		ClientToken: m.Getenv("MOTCUA_NATS_TOKEN"), Stream: c.Stream, Tool: true, StartTimeout: toolStartTimeout, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return node, nil
}

// toolStartTimeout bounds a tool's wait for the cluster.
const toolStartTimeout = 30 * time.Second

// refuseView refuses to write a cluster view directly: what is written
// there is outside the log, so no other node has it and the view no longer
// matches the log. It points at the way that works (en, vi).
func refuseView(st *store.Store, what string, instead [2]string) error {
	v, err := st.View()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !v.IsView() {
		return nil
	}
	kind := "a cluster node's view"
	if v.Rollup {
		kind = "a read-only roll-up's view"
	}
	if v.Stream != "" {
		kind += " of the log " + v.Stream
	}
	return fmt.Errorf("%s: %s is %s: what is written here would be outside the log, on this copy alone; %s\n"+
		"(%s là bản dữ liệu của một cụm máy chủ: ghi trực tiếp vào đây sẽ nằm ngoài nhật ký của cụm; %s)",
		what, st.Path(), kind, instead[0], st.Path(), instead[1])
}

// The ways to import and to mint tokens in a cluster, in English and
// Vietnamese.
func importInstead() [2]string {
	return [2]string{
		"import through the cluster: motcua import --nats-url nats://TOKEN@NODE:PORT --db IMPORTER-VIEW FILE... (a roll-up takes no writes: import into the province's cluster)",
		"hãy nhập qua cụm: motcua import --nats-url nats://MÃ@MÁY:CỔNG --db BẢN-XEM-RIÊNG TỆP... (nút tổng hợp không nhận ghi: nhập vào cụm của tỉnh)"}
}

func tokenInstead() [2]string {
	return [2]string{
		"a cluster's tokens live in its key-value bucket: motcua token create --nats-url nats://TOKEN@NODE:PORT ..., or POST /api/v1/tokens",
		"mã truy cập của cụm nằm trong kho khóa-giá trị của cụm: motcua token create --nats-url nats://MÃ@MÁY:CỔNG ..., hoặc POST /api/v1/tokens"}
}
