package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/demo"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/dashboard/hub"
	"github.com/motcua/motcua/dashboard/limit"
	"github.com/motcua/motcua/dashboard/metrics"
	"github.com/motcua/motcua/violations"
)

// Defaults of serve.
const (
	DefaultAddr = ":8080"
	DefaultDB   = "motcua.db"
	// DefaultShutdownTimeout bounds the wait for in-flight requests.
	DefaultShutdownTimeout = 15 * time.Second
)

// ServeCommand is `motcua serve`: it opens the store, starts the deadline
// sweeper and serves the API until the context ends.
type ServeCommand struct {
	Main      *Main
	Addr      string
	DBPath    string
	Dir       string
	LogFormat string
	// PublicURL is the address citizens reach (--public-url, else
	// MOTCUA_PUBLIC_URL): slips' QR codes point there.
	PublicURL string
	// ShutdownTimeout bounds the wait for in-flight requests at Close.
	ShutdownTimeout time.Duration

	logger *slog.Logger
	cfg    *counter.Config
	store  *store.Store
	server *dashboard.Server
	ln     net.Listener

	stopSweep context.CancelFunc
	sweepDone chan error
	serveDone chan error
	closed    bool

	// Demo fills an empty database with a simulated stream (--demo) at
	// DemoSpeed simulated seconds per real second (--demo-speed).
	Demo      bool
	DemoSpeed float64
	hub       *hub.Hub
	clock     *demo.Clock
	// kioskToken is the viewer token minted for --demo without a bootstrap token.
	kioskToken string
	// deskToken is a clerk's desk token minted for --demo, for deskClerk.
	deskToken string
	deskClerk *counter.Official

	// MaxConns caps open connections (--max-conns); 0 derives it from the
	// descriptor limit. MaxConnsPerAddr caps one client address's
	// (--max-conns-per-addr). MaxBodyInFlightMiB caps the request bodies
	// held in memory at once (--max-body-in-flight, MiB).
	MaxConns           int
	MaxConnsPerAddr    int
	MaxBodyInFlightMiB int

	// NewKey accepts a new key file for a database with events (--new-key).
	NewKey       bool
	clusterServe // --cluster-node and friends (cluster.go)

	// CPUProfile is a file for a CPU profile of the whole run
	// (--cpuprofile), written when the server stops: where a load's time
	// goes, measured as the load tool drives the server.
	CPUProfile string
	profile    *cpuProfile
}

// ParseFlags parses [--addr :8080] [--db motcua.db] [--config DIR]
// [--log-format text|json] [--demo] [--demo-speed N].
func (c *ServeCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("serve", "[--addr :8080] [--db motcua.db] [--config DIR] [--log-format text|json] [--demo] [--demo-speed N] [--max-conns N] [--max-conns-per-addr N] [--max-body-in-flight MiB] [--new-key] [--cluster-node NAME --cluster-listen HOST:PORT --cluster-peers HOST:PORT,... | --nats-url URL] [--cluster-stream NAME] [--cluster-leaf-listen HOST:PORT] [--cluster-node NAME --cluster-source NAME=HOST:PORT,...]")
	fs.StringVar(&c.Addr, "addr", DefaultAddr, "listen address")
	fs.StringVar(&c.DBPath, "db", DefaultDB, "database file (created if absent)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.PublicURL, "public-url", "", "address citizens reach this server at, for slips' QR codes (default $MOTCUA_PUBLIC_URL)")
	fs.BoolVar(&c.Demo, "demo", false, "fill an empty database with a simulated live stream of dossiers")
	fs.Float64Var(&c.DemoSpeed, "demo-speed", demo.DefaultSpeed, "with --demo: simulated seconds per real second")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "cap on open connections (0: the descriptor limit less an eighth, at most 10000)")
	fs.IntVar(&c.MaxConnsPerAddr, "max-conns-per-addr", dashboard.DefaultMaxConnsPerAddr, "cap on one client address's open connections (0: none)")
	fs.IntVar(&c.MaxBodyInFlightMiB, "max-body-in-flight", dashboard.DefaultBodyBytesInFlight>>20, "MiB of request bodies held in memory at once, all requests together")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file when the server stops (go tool pprof reads it)")
	fs.BoolVar(&c.NewKey, "new-key", false, "create a new key file for a database with events whose key file is lost: every tracking key changes")
	configFlag(fs, &c.Dir)
	c.addClusterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.MaxConns < 0 || c.MaxConnsPerAddr < 0 || c.MaxBodyInFlightMiB < 1 {
		fmt.Fprintln(fs.Output(), "--max-conns and --max-conns-per-addr must be ≥ 0, --max-body-in-flight ≥ 1")
		fs.Usage()
		return errors.New("bad limit flag")
	}
	if err := c.checkClusterFlags(fs, c.DBPath, c.Demo); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		fmt.Fprintf(fs.Output(), "--log-format must be text or json, not %q\n", c.LogFormat)
		fs.Usage()
		return fmt.Errorf("bad --log-format %q", c.LogFormat)
	}
	if c.PublicURL == "" {
		c.PublicURL = c.Main.Getenv("MOTCUA_PUBLIC_URL")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			fmt.Fprintf(fs.Output(), "--public-url must be an absolute http(s) address, not %q\n", c.PublicURL)
			fs.Usage()
			return fmt.Errorf("bad --public-url %q", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	return nil
}

// Run does every step that can fail first (config, store, listener), then
// starts the sweeper and the server, and returns once listening.
func (c *ServeCommand) Run(ctx context.Context) error {
	if c.LogFormat == "json" {
		c.logger = slog.New(slog.NewJSONHandler(c.Main.Stderr, nil))
	} else {
		c.logger = slog.New(slog.NewTextHandler(c.Main.Stderr, nil))
	}

	cfg, source, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	c.cfg = cfg
	if c.profile, err = startCPUProfile(c.CPUProfile); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(reg, cfg, c.logger)
	if err != nil {
		return err
	}
	// The wallboard hub gets each commit's changes; the metrics read the
	// store at each scrape.
	h := hub.New(cfg)
	h.Logger = c.logger
	h.OnClients = m.SetWallboardClients
	c.hub = h
	now := time.Now
	var clock *demo.Clock
	if c.Demo {
		// The demo drives the clock the store and the server read.
		clock = &demo.Clock{}
		now = clock.Now
		c.clock = clock
	}
	opts := store.Options{
		Now:       now,
		Evaluator: violations.New(),
		Publisher: h,
		Logger:    c.logger,
		OnCommit:  m.ObserveCommit,
		NewKey:    c.NewKey,
	}
	if c.clustered() {
		if err := c.startCluster(ctx, &opts); err != nil {
			return err
		}
	}
	st, err := store.Open(c.DBPath, cfg, opts)
	if err != nil {
		return openStoreError(c.DBPath, err)
	}
	c.store = st
	var tokens tokenStore = st
	if c.clustered() && !c.rollup() {
		tokens = c.node.Tokens()
	}
	if err := c.storeBootstrapToken(ctx, tokens); err != nil {
		return err
	}
	if c.Demo {
		// A newcomer running the demo gets a read-only kiosk link at once,
		// and a clerk's desk token; never the supervisor secret in a URL.
		if c.kioskToken, err = demoKioskToken(st, cfg); err != nil {
			return err
		}
		if c.deskToken, c.deskClerk, err = demoDeskToken(st, cfg); err != nil {
			return err
		}
	}
	if err := m.Attach(ctx, st); err != nil {
		return mayBeDamaged(c.DBPath, fmt.Errorf("metrics: %w", err))
	}
	maxConns := c.connLimit()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	c.ln = ln

	srv := dashboard.NewServer(st, cfg)
	srv.Logger = c.logger
	srv.BootstrapToken = c.Main.Getenv("MOTCUA_BOOTSTRAP_TOKEN")
	srv.Ready = st.Ready
	srv.Observer = m
	srv.MetricsHandler = m.Handler()
	srv.Authenticator = dashboard.TokenAuthenticator{Tokens: st}
	srv.Tokens = st
	srv.Auditor = st
	srv.Hub = h
	srv.TrackingKey = st.TrackingKey
	srv.Sync = st
	srv.PublicURL = c.PublicURL
	srv.HeadAt = cfg.HeadAt // scorecards name the head in office in each part of the period
	if c.PublicURL == "" {
		c.logger.Warn("no public address set (--public-url or MOTCUA_PUBLIC_URL): slips' QR codes will point at whatever address each clerk's browser uses")
	}
	srv.Now = now
	srv.MaxConns = maxConns
	srv.MaxConnsPerAddr = c.MaxConnsPerAddr
	srv.BodyBytesInFlight = int64(c.MaxBodyInFlightMiB) << 20
	c.server = srv

	if c.clustered() {
		// The log's leader proposes the sweeps; every node applies them.
		if err := c.attachCluster(st, srv, reg); err != nil {
			return err
		}
	} else {
		sweepCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		c.stopSweep = stop
		c.sweepDone = make(chan error, 1)
		go func() { c.sweepDone <- c.sweep(sweepCtx) }()
	}
	c.serveDone = make(chan error, 1)
	go func() { c.serveDone <- srv.Serve(ln) }()

	c.logger.Info("motcua serving", "addr", ln.Addr().String(), "db", c.DBPath, "config", source,
		"bootstrap_token", srv.BootstrapToken != "", "public_url", c.PublicURL)
	return nil
}

// connLimit raises the soft descriptor limit to the hard one and returns
// the connection cap: --max-conns, or one derived from the limit so that
// the database and the accept loop keep descriptors to work with.
func (c *ServeCommand) connLimit() int {
	soft, hard, err := limit.RaiseFileLimit()
	if err != nil {
		// Serving under the lower limit is still better than not serving.
		c.logger.Warn("cannot raise the open-file limit", "err", err)
	}
	maxConns := c.MaxConns
	if maxConns == 0 {
		maxConns = limit.MaxConnsFor(soft)
	} else if soft > 0 && uint64(maxConns) > soft-min(soft, limit.MinFileHeadroom) {
		c.logger.Warn("--max-conns is at or above the open-file limit: accepts will fail with "+
			"\"too many open files\" (and be retried) before the cap is reached",
			"max_conns", maxConns, "nofile", soft)
	}
	c.logger.Info("limits", "nofile_soft", soft, "nofile_hard", hard, "max_conns", maxConns,
		"max_conns_per_addr", c.MaxConnsPerAddr, "max_body_in_flight_mib", c.MaxBodyInFlightMiB,
		"header_timeout", dashboard.DefaultHeaderTimeout, "body_timeout", dashboard.DefaultBodyTimeout,
		"idle_timeout", dashboard.DefaultIdleTimeout)
	return maxConns
}

// BoundAddr returns the address the server listens on, nil before Run.
func (c *ServeCommand) BoundAddr() net.Addr {
	if c.ln == nil {
		return nil
	}
	return c.ln.Addr()
}

// Wait blocks until ctx ends (SIGINT, SIGTERM) or the server fails.
func (c *ServeCommand) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		c.logger.Info("shutting down", "reason", context.Cause(ctx))
		return nil
	case err := <-c.serveDone:
		c.serveDone <- err // for Close
		if err == nil {
			err = errors.New("server stopped")
		}
		return err
	}
}

// Close shuts down gracefully: stop accepting, finish in-flight requests,
// stop the sweeper, then close the store, which finishes queued commits.
func (c *ServeCommand) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	defer func() {
		if err := c.profile.stop(); err != nil {
			c.logger.Error("cpu profile", "err", err)
		}
	}()
	// fiber's Shutdown leaves hijacked websockets open: close them first.
	if c.hub != nil {
		c.hub.Close()
	}
	if c.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
		if err := c.server.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		cancel()
		if err := <-c.serveDone; err != nil {
			errs = append(errs, err)
		}
	} else if c.ln != nil {
		c.ln.Close()
	}
	if c.stopSweep != nil {
		c.stopSweep()
		if err := <-c.sweepDone; err != nil {
			errs = append(errs, fmt.Errorf("sweeper: %w", err))
		}
	}
	if c.node != nil {
		if err := c.node.Close(); err != nil {
			errs = append(errs, fmt.Errorf("cluster: %w", err))
		}
	}
	if c.store != nil {
		if err := c.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	if c.logger != nil && len(errs) == 0 && c.server != nil {
		c.logger.Info("stopped")
	}
	return errors.Join(errs...)
}
