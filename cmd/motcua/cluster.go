package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

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

	node *cluster.Node
}

func (c *clusterServe) clustered() bool { return c.ClusterNode != "" }

func (c *clusterServe) addClusterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ClusterNode, "cluster-node", "", "cluster mode: this node's name, unique in the cluster")
	fs.StringVar(&c.ClusterListen, "cluster-listen", "", "cluster mode: HOST:PORT where the embedded NATS server meets its peers")
	fs.StringVar(&c.ClusterPeers, "cluster-peers", "", "cluster mode: the other nodes' --cluster-listen addresses, comma-separated")
	fs.StringVar(&c.NATSURL, "nats-url", "", "cluster mode: use this external NATS cluster instead of an embedded server")
	fs.StringVar(&c.ClusterStore, "cluster-store", "", "cluster mode: the embedded server's JetStream folder (default: <db>.nats)")
	fs.StringVar(&c.ClusterClient, "cluster-client-listen", "", "cluster mode: HOST:PORT where the embedded server accepts NATS clients, with the token $MOTCUA_NATS_TOKEN (default: a random loopback port only this process uses)")
	fs.BoolVar(&c.ClusterSync, "cluster-sync-always", false, "cluster mode: fsync every JetStream write (slower; by default replicas carry durability)")
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
		if c.ClusterListen != "" || c.ClusterPeers != "" || c.NATSURL != "" || c.ClusterStore != "" || c.ClusterClient != "" {
			return bad("cluster flags need --cluster-node NAME")
		}
		return nil
	}
	if demo {
		return bad("--demo runs a single node; leave out the cluster flags")
	}
	if c.NATSURL == "" {
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
func (c *ServeCommand) startCluster(ctx context.Context, opts *store.Options) error {
	node, err := cluster.Start(ctx, cluster.Config{
		Name: c.ClusterNode, Listen: c.ClusterListen, Peers: c.peers(), NATSURL: c.NATSURL,
		ClientListen: c.ClusterClient, ClientToken: c.Main.Getenv("MOTCUA_NATS_TOKEN"), StoreDir: c.ClusterStore, SyncAlways: c.ClusterSync,
		Now: opts.Now, Logger: c.logger,
	})
	if err != nil {
		return err
	}
	c.node = node
	secret, err := node.Secret(ctx)
	if err != nil {
		return err
	}
	keyPath := c.DBPath + ".key"
	old, err := os.ReadFile(keyPath)
	switch {
	case err == nil && !bytes.Equal(old, secret):
		return fmt.Errorf("cluster: %s holds another secret than the cluster's: this view belongs elsewhere; start this node with a new --db", keyPath)
	case errors.Is(err, os.ErrNotExist):
		if err := os.WriteFile(keyPath, secret, 0o600); err != nil {
			return fmt.Errorf("cluster: write key file: %w", err)
		}
	case err != nil:
		return fmt.Errorf("cluster: read key file: %w", err)
	}
	opts.Secret = secret
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
	tokens := c.node.Tokens()
	srv.Ledger = c.node.Ledger()
	srv.Codes = c.node.Ledger()
	srv.Ready = c.node.Ready
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
