package cluster

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/motcua/motcua/counter/store"
)

// Defaults of Config.
const (
	DefaultStream = "MOTCUA"
	// DefaultRollupStream names a roll-up node's stream, which sources the
	// provinces' logs.
	DefaultRollupStream = "ROLLUP"
	// LeafUser is the user a roll-up node's leafnode connection
	// authenticates as on a province's LeafListen, with LeafToken.
	LeafUser            = "motcua-rollup"
	DefaultReplicas     = 3
	DefaultStartTimeout = 2 * time.Minute
	// DefaultDuplicates is how long JetStream remembers a message id: a
	// call retried within it is stored once.
	DefaultDuplicates = 10 * time.Minute
	// maxPayload bounds one log entry: a POST body is at most 1 MiB.
	maxPayload = 8 << 20
)

// Config configures a Node.
type Config struct {
	// Name is the node's name, unique in the cluster (--cluster-node).
	Name string
	// Listen is where the embedded server meets its peers (--cluster-listen).
	Listen string
	// Peers are the other nodes' Listen addresses (--cluster-peers).
	Peers []string
	// NATSURL, when set, uses an external NATS cluster instead of an
	// embedded server (--nats-url); Listen and Peers are then unused.
	NATSURL string
	// ClientListen, when set, is where the embedded server accepts NATS
	// clients (tools such as the nats CLI), with ClientToken; by default a
	// random loopback port with a token of this process's.
	ClientListen string
	ClientToken  string
	// StoreDir holds the embedded server's JetStream files.
	StoreDir string
	// Stream names the log stream; DefaultStream by default.
	Stream string
	// Replicas of the stream and the key-value buckets: 3, or fewer when
	// the cluster has fewer nodes.
	Replicas int
	// StartTimeout bounds the wait for a quorum at start.
	StartTimeout time.Duration
	// SyncAlways makes the embedded server fsync every write (slower; by
	// default JetStream flushes every two minutes and relies on replicas).
	SyncAlways bool
	// LeafListen, when set, is where the embedded server accepts roll-up
	// nodes (NATS leafnode connections) with LeafToken (at least 16
	// characters): they may read the log stream and nothing else. The
	// JetStream domain of the server is then the stream's name lowercased,
	// so every node of the cluster needs the same Stream and a LeafListen.
	LeafListen string
	LeafToken  string
	// Sources, when set, makes this node a read-only roll-up: its embedded
	// server connects to each source's nodes as a leafnode, its stream
	// (Stream, DefaultRollupStream by default, one replica) sources their
	// logs, and its view folds them all. It takes no writes, proposes no
	// sweeps and keeps no key-value buckets; Listen, Peers and NATSURL are
	// refused with it.
	Sources []Source
	// Tool marks a command-line tool (import, token create) rather than a
	// serving node: it proposes no sweeps and creates no stream or bucket:
	// they must exist.
	Tool bool
	// Now is the node's clock; time.Now by default.
	Now func() time.Time
	// Logger gets structured logs; slog.Default() by default.
	Logger *slog.Logger
}

// Source is one cluster a roll-up node sources: its log stream's name and
// its nodes' LeafListen addresses, with their LeafToken.
type Source struct {
	Stream string
	Addrs  []string
	Token  string
}

// minLeafToken is the shortest leafnode token accepted.
const minLeafToken = 16

// Rollup reports whether the configuration is a roll-up node's.
func (c Config) Rollup() bool { return len(c.Sources) > 0 }

// domain is the JetStream domain of a stream's servers: its name
// lowercased (a roll-up addresses a province's API as $JS.<domain>.API).
func domain(stream string) string { return strings.ToLower(stream) }

// validStream reports whether name can be a stream name, a subject token
// and a JetStream domain: letters, digits, '-' and '_'.
func validStream(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkConfig refuses configurations that cannot work.
func checkConfig(cfg Config) error {
	if !validStream(cfg.Stream) {
		return fmt.Errorf("cluster: stream name %q: use at most 32 letters, digits, '-' or '_'", cfg.Stream)
	}
	if cfg.LeafListen != "" {
		if cfg.NATSURL != "" {
			return errors.New("cluster: a leafnode listener needs the embedded server, not --nats-url")
		}
		if len(cfg.LeafToken) < minLeafToken {
			return fmt.Errorf("cluster: a leafnode listener needs a token of at least %d characters", minLeafToken)
		}
	}
	if !cfg.Rollup() {
		return nil
	}
	if cfg.NATSURL != "" || len(cfg.Peers) > 0 || cfg.LeafListen != "" || cfg.Tool {
		return errors.New("cluster: a roll-up node runs its own embedded server alone: no peers, --nats-url or leafnode listener")
	}
	seen := map[string]bool{domain(cfg.Stream): true}
	for _, src := range cfg.Sources {
		if !validStream(src.Stream) {
			return fmt.Errorf("cluster: source stream name %q: use at most 32 letters, digits, '-' or '_'", src.Stream)
		}
		if seen[domain(src.Stream)] {
			return fmt.Errorf("cluster: source %s named twice, or named as the roll-up's own stream", src.Stream)
		}
		seen[domain(src.Stream)] = true
		if len(src.Addrs) == 0 {
			return fmt.Errorf("cluster: source %s has no address", src.Stream)
		}
		for _, a := range src.Addrs {
			if _, _, err := splitHostPort(a); err != nil {
				return fmt.Errorf("cluster: source %s address %q: %w", src.Stream, a, err)
			}
		}
		if len(src.Token) < minLeafToken {
			return fmt.Errorf("cluster: source %s needs its leafnode token (at least %d characters)", src.Stream, minLeafToken)
		}
	}
	return nil
}

// Node is one member of a cluster: a NATS connection (and, unless
// external, the embedded server) and the view it applies the log to.
type Node struct {
	cfg         Config
	log         *slog.Logger
	ns          *server.Server
	nc          *nats.Conn
	js          jetstream.JetStream
	stream      jetstream.Stream
	subject     string
	clientToken string
	tokens      jetstream.KeyValue
	codes       jetstream.KeyValue
	meta        jetstream.KeyValue
	syncs       jetstream.KeyValue

	st *store.Store

	applied    atomic.Uint64 // last log entry applied to the view
	appliedN   atomic.Uint64 // entries applied since start
	appliedMu  sync.Mutex
	appliedCh  chan struct{} // closed and replaced at each apply
	waiters    sync.Map      // request id → chan store.Applied
	lastSeq    atomic.Uint64 // the log's last entry, as last seen
	leader     atomic.Bool   // this node leads the stream (proposes sweeps)
	caughtUp   atomic.Bool
	quorum     atomic.Bool
	applyFails atomic.Uint64
	refused    atomic.Uint64 // sourced calls a roll-up's view refused
	sourcesMu  sync.Mutex
	sources    []SourceStatus // a roll-up's sources, as last seen
	sweeps     atomic.Uint64  // sweeps proposed by this node

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

// Start joins the cluster: it starts the embedded server (or connects to
// NATSURL) and waits, up to StartTimeout, until the log stream and the
// key-value buckets are available, which needs a quorum of nodes.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Name == "" {
		return nil, errors.New("cluster: a node name is required")
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
		if cfg.Rollup() {
			cfg.Stream = DefaultRollupStream
		}
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Rollup() {
		cfg.Replicas = 1
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = DefaultReplicas
		if cfg.NATSURL == "" {
			cfg.Replicas = min(DefaultReplicas, 1+len(cfg.Peers))
		}
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	n := &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.Name), subject: strings.ToLower(cfg.Stream) + ".log",
		appliedCh: make(chan struct{})}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.connect(); err != nil {
		n.Close()
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	if err := n.ensure(wait); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// connect starts the embedded server, if any, and connects to NATS.
func (n *Node) connect() error {
	opts := []nats.Option{nats.Name("motcua " + n.cfg.Name), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond)}
	url := n.cfg.NATSURL
	if url != "" && n.cfg.ClientToken != "" && !strings.Contains(url, "@") {
		opts = append(opts, nats.Token(n.cfg.ClientToken))
	}
	if url == "" {
		ns, err := n.embedded()
		if err != nil {
			return err
		}
		n.ns = ns
		url = ns.ClientURL()
		opts = append(opts, nats.InProcessServer(ns), nats.Token(n.clientToken))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return fmt.Errorf("cluster: connect to NATS: %w", err)
	}
	n.nc = nc
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("cluster: JetStream: %w", err)
	}
	n.js = js
	return nil
}

// embedded starts this node's NATS server, routed to its peers.
func (n *Node) embedded() (*server.Server, error) {
	if n.cfg.StoreDir == "" {
		return nil, errors.New("cluster: a JetStream store folder is required")
	}
	// The server routes to its peers only once its client port listens
	// (DontListen would hold routing back), so it listens on a random
	// loopback port unless told where; clients need a token only this
	// process knows, or ClientToken.
	token := nuid.Next()
	opts := &server.Options{
		ServerName:         n.cfg.Name,
		Host:               "127.0.0.1",
		Port:               server.RANDOM_PORT,
		Authorization:      token,
		JetStream:          true,
		StoreDir:           n.cfg.StoreDir,
		MaxPayload:         maxPayload,
		NoSigs:             true,
		SyncAlways:         n.cfg.SyncAlways,
		JetStreamMaxMemory: 256 << 20,
	}
	if n.cfg.ClientListen != "" {
		host, port, err := splitHostPort(n.cfg.ClientListen)
		if err != nil {
			return nil, fmt.Errorf("cluster: client listen address: %w", err)
		}
		opts.Host, opts.Port = host, port
		if n.cfg.ClientToken != "" {
			opts.Authorization = n.cfg.ClientToken
		}
	}
	n.clientToken = opts.Authorization
	if n.cfg.LeafListen != "" {
		host, port, err := splitHostPort(n.cfg.LeafListen)
		if err != nil {
			return nil, fmt.Errorf("cluster: leafnode listen address: %w", err)
		}
		opts.LeafNode.Host, opts.LeafNode.Port = host, port
		opts.JetStreamDomain = domain(n.cfg.Stream)
		// Clients keep their token; a roll-up's leafnode connection gets
		// read access to the log stream alone (leafAuth).
		opts.CustomClientAuthentication = leafAuth{token: opts.Authorization, leafToken: n.cfg.LeafToken,
			perms: leafPermissions(n.cfg.Stream)}
		opts.Authorization = ""
	}
	if n.cfg.Rollup() {
		opts.JetStreamDomain = domain(n.cfg.Stream)
		for _, src := range n.cfg.Sources {
			r := &server.RemoteLeafOpts{}
			for _, a := range src.Addrs {
				r.URLs = append(r.URLs, &url.URL{Scheme: "nats-leaf", User: url.UserPassword(LeafUser, src.Token), Host: a})
			}
			opts.LeafNode.Remotes = append(opts.LeafNode.Remotes, r)
		}
		opts.LeafNode.ReconnectInterval = time.Second
	}
	if len(n.cfg.Peers) > 0 {
		host, port, err := splitHostPort(n.cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("cluster: --cluster-listen: %w", err)
		}
		opts.Cluster = server.ClusterOpts{Name: "motcua", Host: host, Port: port}
		routes := make([]string, 0, len(n.cfg.Peers))
		for _, p := range n.cfg.Peers {
			if _, _, err := splitHostPort(p); err != nil {
				return nil, fmt.Errorf("cluster: --cluster-peers %q: %w", p, err)
			}
			routes = append(routes, "nats-route://"+p)
		}
		opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: NATS server: %w", err)
	}
	ns.SetLoggerV2(natsLogger{n.log.With("component", "nats")}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("cluster: the embedded NATS server did not start")
	}
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

// ensure creates (or finds) the stream and the buckets, retrying until a
// quorum answers or ctx ends.
func (n *Node) ensure(ctx context.Context) error {
	scfg := jetstream.StreamConfig{
		Name:        n.cfg.Stream,
		Description: "motcua: the replicated log of Record calls and sweeps",
		Subjects:    []string{n.subject},
		Retention:   jetstream.LimitsPolicy,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxMsgSize:  maxPayload,
		Storage:     jetstream.FileStorage,
		Replicas:    n.cfg.Replicas,
		Duplicates:  DefaultDuplicates,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
	kvs := []struct {
		name string
		dst  *jetstream.KeyValue
	}{
		{strings.ToLower(n.cfg.Stream) + "_tokens", &n.tokens},
		{strings.ToLower(n.cfg.Stream) + "_codes", &n.codes},
		{strings.ToLower(n.cfg.Stream) + "_meta", &n.meta},
		{strings.ToLower(n.cfg.Stream) + "_sync", &n.syncs},
	}
	if n.cfg.Rollup() {
		// The roll-up's stream holds what the sources' streams hold, in the
		// order it received it; it has no subject of its own, so nothing
		// can be published into it. JetStream drops a sourced message whose
		// id it saw within the window: sweeps of a stream named other than
		// the default carry its name, and the window is the shortest, for
		// logs whose sweeps (all "sweep-<instant>") are sourced together.
		scfg.Description = "motcua: a roll-up of the provinces' logs (read only)"
		scfg.Subjects = nil
		scfg.Duplicates = 100 * time.Millisecond
		for _, src := range n.cfg.Sources {
			scfg.Sources = append(scfg.Sources, &jetstream.StreamSource{Name: src.Stream,
				External: &jetstream.ExternalStream{APIPrefix: "$JS." + domain(src.Stream) + ".API"}})
		}
		kvs = nil
	}
	last := time.Time{}
	for {
		err := func() error {
			try, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if n.stream == nil {
				s, err := n.js.Stream(try, scfg.Name)
				switch {
				case errors.Is(err, jetstream.ErrStreamNotFound) && n.cfg.Tool:
					return fmt.Errorf("%w: no motcua log %s there (is it a motcua cluster's NATS, and the stream name right?)", errNoLog, scfg.Name)
				case errors.Is(err, jetstream.ErrStreamNotFound):
					s, err = n.js.CreateStream(try, scfg)
				case err == nil && n.cfg.Rollup() && !sameSources(s.CachedInfo().Config.Sources, scfg.Sources):
					// A province added or taken away: its entries already
					// folded stay in the view.
					n.log.Info("updating the roll-up's sources", "sources", len(scfg.Sources))
					s, err = n.js.UpdateStream(try, scfg)
				}
				if err != nil {
					return fmt.Errorf("stream %s: %w", scfg.Name, err)
				}
				n.stream = s
			}
			for _, kv := range kvs {
				if *kv.dst != nil {
					continue
				}
				b, err := n.js.KeyValue(try, kv.name)
				if errors.Is(err, jetstream.ErrBucketNotFound) && n.cfg.Tool {
					return fmt.Errorf("%w: no bucket %s there", errNoLog, kv.name)
				}
				if errors.Is(err, jetstream.ErrBucketNotFound) {
					b, err = n.js.CreateKeyValue(try, jetstream.KeyValueConfig{Bucket: kv.name,
						Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage, History: 1})
				}
				if err == nil {
					b, err = leaderReads(try, n.js, b)
				}
				if err != nil {
					return fmt.Errorf("bucket %s: %w", kv.name, err)
				}
				*kv.dst = b
			}
			return nil
		}()
		if err == nil {
			return nil
		}
		if errors.Is(err, errNoLog) {
			return fmt.Errorf("cluster: %w", err)
		}
		if time.Since(last) > 5*time.Second {
			n.log.Info("waiting for a quorum of the cluster", "err", err)
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: no quorum: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// leaderReads makes kv's reads go to its stream's leader: a bucket is
// created allowing "direct gets", which any replica answers, and a
// replica a moment behind says a token minted on another node does not
// exist yet, or that a revoked one is still good. Writes are on a quorum;
// reading from the leader sees every acknowledged one. It returns kv
// bound again when it changed the stream.
func leaderReads(ctx context.Context, js jetstream.JetStream, kv jetstream.KeyValue) (jetstream.KeyValue, error) {
	s, err := js.Stream(ctx, "KV_"+kv.Bucket())
	if err != nil {
		return nil, fmt.Errorf("stream of bucket %s: %w", kv.Bucket(), err)
	}
	cfg := s.CachedInfo().Config
	if !cfg.AllowDirect {
		return kv, nil
	}
	cfg.AllowDirect = false
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return nil, fmt.Errorf("bucket %s: read from the leader: %w", kv.Bucket(), err)
	}
	kv, err = js.KeyValue(ctx, kv.Bucket())
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", kv.Bucket(), err)
	}
	return kv, nil
}

// errNoLog: a tool found no motcua log at the address it was given.
var errNoLog = errors.New("not a motcua cluster")

// sameSources reports whether a stream's sources are the wanted ones.
func sameSources(have, want []*jetstream.StreamSource) bool {
	if len(have) != len(want) {
		return false
	}
	names := map[string]string{}
	for _, s := range have {
		api := ""
		if s.External != nil {
			api = s.External.APIPrefix
		}
		names[s.Name] = api
	}
	for _, s := range want {
		if api, ok := names[s.Name]; !ok || api != s.External.APIPrefix {
			return false
		}
	}
	return true
}

// leafPermissions are what a roll-up's leafnode connection may send into
// a province's server: the JetStream requests that source the log stream
// (create and delete its consumer, read its info), flow control and
// replies. Publishing into the log, deleting or purging the stream,
// reading the key-value buckets (tokens, the keyed-hash secret) are not.
func leafPermissions(stream string) *server.Permissions {
	api := "$JS." + domain(stream) + ".API."
	return &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{
		api + "INFO",
		api + "STREAM.INFO." + stream,
		api + "CONSUMER.CREATE." + stream,
		api + "CONSUMER.CREATE." + stream + ".>",
		api + "CONSUMER.DELETE." + stream + ".>",
		api + "CONSUMER.INFO." + stream + ".>",
		"$JS.FC.>", "$JS.ACK." + stream + ".>", "_INBOX.>", "$JS.S.>",
	}}}
}

// leafAuth authenticates the embedded server's connections when it
// accepts leafnodes: clients by the token, as without leafnodes; a
// roll-up's leafnode by LeafUser and the leaf token, with perms.
type leafAuth struct {
	token, leafToken string
	perms            *server.Permissions
}

func (a leafAuth) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	eq := func(x, y string) bool { return subtle.ConstantTimeCompare([]byte(x), []byte(y)) == 1 }
	switch c.Kind() {
	case server.CLIENT:
		if eq(o.Token, a.token) {
			c.RegisterUser(&server.User{Username: "motcua"})
			return true
		}
	case server.LEAF:
		if o.Username == LeafUser && eq(o.Password, a.leafToken) {
			c.RegisterUser(&server.User{Username: LeafUser, Permissions: a.perms})
			return true
		}
	}
	return false
}

// Secret returns the cluster's keyed-hash secret (applicant id hashes and
// tracking keys must be the same on every node), creating it on first use.
func (n *Node) Secret(ctx context.Context) ([]byte, error) {
	if n.meta == nil {
		return nil, errors.New("cluster: a roll-up node keeps no cluster secret: its view has its own key file")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("cluster: generate secret: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(b)
	if _, err := n.meta.Create(ctx, "secret", []byte(enc)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("cluster: store secret: %w", err)
	}
	// Another node may have created it a moment ago: a replica answering
	// a direct get can lag behind the leader that refused our Create, so
	// "not found" right after "exists" is retried until it shows up.
	var e jetstream.KeyValueEntry
	for wait := 20 * time.Millisecond; ; wait *= 2 {
		var err error
		e, err = n.meta.Get(ctx, "secret")
		if err == nil {
			break
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) || wait > 5*time.Second {
			return nil, fmt.Errorf("cluster: read secret: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: read secret: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
	secret, err := base64.StdEncoding.DecodeString(string(e.Value()))
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("cluster: the stored secret is malformed")
	}
	return secret, nil
}

// Close stops applying and leaves the cluster. It does not close the view.
func (n *Node) Close() error {
	if !n.closed.CompareAndSwap(false, true) {
		return nil
	}
	n.cancel()
	n.wg.Wait()
	if n.nc != nil {
		n.nc.Close()
	}
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	return nil
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Name }

// natsLogger sends the embedded server's logs to slog.
type natsLogger struct{ l *slog.Logger }

func (l natsLogger) Noticef(f string, v ...any) { l.l.Debug(fmt.Sprintf(f, v...)) }
func (l natsLogger) Warnf(f string, v ...any)   { l.l.Warn(fmt.Sprintf(f, v...)) }
func (l natsLogger) Fatalf(f string, v ...any)  { l.l.Error(fmt.Sprintf(f, v...)) }
func (l natsLogger) Errorf(f string, v ...any)  { l.l.Error(fmt.Sprintf(f, v...)) }
func (l natsLogger) Debugf(f string, v ...any)  { l.l.Debug(fmt.Sprintf(f, v...)) }
func (l natsLogger) Tracef(f string, v ...any)  { l.l.Debug(fmt.Sprintf(f, v...)) }
