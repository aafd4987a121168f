package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name (SPEC.md §9).
const Namespace = "motcua"

// DefaultScrapeTimeout bounds the store reads of one scrape.
const DefaultScrapeTimeout = 5 * time.Second

// Store is what the metrics read from the ledger at scrape time;
// *store.Store implements it. Each method returns an error only when the
// database cannot be read.
type Store interface {
	// Stats returns the store's all-time counters: events by type,
	// finishes, violations raised and standing, open overdue by agency.
	Stats() (store.Stats, error)
	// Rollup returns agency's subtree with its all-time counters when from
	// and to are zero (counter.Ledger).
	Rollup(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error)
	// OpenCounts returns the unfinished dossiers per (holder, clock state).
	OpenCounts() (map[[2]string]int, error)
	// Desks returns the staffing of every watched desk.
	Desks() ([]counter.DeskState, error)
	// SweepLag returns how late the deadline sweep last handled a due entry.
	SweepLag() time.Duration
	// SweepFailures returns how many deadline sweeps failed since the
	// store opened.
	SweepFailures() uint64
}

// Metrics holds motcua's metrics. All its methods are safe for concurrent
// use, and a nil *Metrics is a valid no-op.
type Metrics struct {
	// Now is the clock for ages (the oldest overdue dossier); time.Now by
	// default. Set it before the first scrape.
	Now func() time.Time
	// ScrapeTimeout bounds the store reads of one scrape.
	ScrapeTimeout time.Duration

	cfg      *counter.Config
	gatherer prometheus.Gatherer
	log      *slog.Logger

	http      *prometheus.HistogramVec
	commit    prometheus.Histogram
	wallboard prometheus.Gauge

	mu       sync.Mutex
	src      Store
	seenOpen map[[2]string]bool // (agency, state) pairs of motcua_dossiers_open ever reported
}

// New returns the metrics of SPEC.md §9 for cfg, registered on reg. A nil
// reg registers nothing: the returned Metrics still accepts every call
// and its Handler serves an empty page. Call Attach once the store is
// open. Registering twice on the same registry fails.
func New(reg prometheus.Registerer, cfg *counter.Config, log *slog.Logger) (*Metrics, error) {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{
		Now: time.Now, ScrapeTimeout: DefaultScrapeTimeout, cfg: cfg, log: log,
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request durations, by route template, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "store_commit_duration_seconds",
			Help:    "Durations of the store's write transactions, fsync included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 12),
		}),
		wallboard: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "wallboard_clients",
			Help: "Websocket clients connected to the live wallboard feed.",
		}),
		seenOpen: map[[2]string]bool{},
	}
	// Every scrape is a GET /metrics answered 200: its series exists from
	// the first scrape on, before any request has been observed.
	m.http.WithLabelValues("/metrics", http.MethodGet, "200")
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.http, m.commit, m.wallboard, (*collector)(m)} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	}
	return m, nil
}

// Handler serves the registry given to New in the Prometheus text format
// (GET /metrics). When that registry is not also a prometheus.Gatherer, or
// was nil, it serves an empty page.
func (m *Metrics) Handler() http.Handler {
	g := prometheus.Gatherer(prometheus.Gatherers{})
	var reg prometheus.Registerer
	if m != nil && m.gatherer != nil {
		g = m.gatherer
		reg, _ = m.gatherer.(prometheus.Registerer)
	}
	opts := promhttp.HandlerOpts{Registry: reg}
	if m != nil {
		opts.ErrorLog = slog.NewLogLogger(m.log.Handler(), slog.LevelError)
	}
	return promhttp.HandlerFor(g, opts)
}

// Attach makes the metrics read src at every scrape, after checking that
// src can be read. Until then a scrape shows no store-derived series.
func (m *Metrics) Attach(ctx context.Context, src Store) error {
	if m == nil {
		return nil
	}
	if _, err := src.Stats(); err != nil {
		return fmt.Errorf("attach metrics: %w", err)
	}
	if m.cfg != nil && m.cfg.Root != nil {
		if _, err := src.Rollup(ctx, m.cfg.Root.ID, time.Time{}, time.Time{}); err != nil {
			return fmt.Errorf("attach metrics: %w", err)
		}
	}
	m.mu.Lock()
	m.src = src
	m.mu.Unlock()
	return nil
}

// ObserveHTTP records one HTTP request. route must be the route template
// (fiber's c.Route().Path, e.g. "/api/v1/dossiers/:code"), never the raw
// path, so that no dossier code becomes a label value.
func (m *Metrics) ObserveHTTP(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.http.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

// SetWallboardClients sets the number of connected wallboard clients.
func (m *Metrics) SetWallboardClients(n int) {
	if m == nil {
		return
	}
	m.wallboard.Set(float64(n))
}

// ObserveCommit records one store commit's duration; pass it as
// store.Options.OnCommit.
func (m *Metrics) ObserveCommit(d time.Duration) {
	if m == nil {
		return
	}
	m.commit.Observe(d.Seconds())
}
