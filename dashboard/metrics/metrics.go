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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name (SPEC.md §9).
const Namespace = "motcua"

// DefaultScrapeTimeout bounds the store reads of one scrape.
const DefaultScrapeTimeout = 5 * time.Second

// Store is what the metrics read from the ledger; *store.Store implements
// it. Each method returns an error only when the database cannot be read.
type Store interface {
	// Rollup returns agency's subtree with its all-time counters when from
	// and to are zero (counter.Ledger).
	Rollup(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error)
	// OpenCounts returns the unfinished dossiers per (holder, clock state).
	OpenCounts() (map[[2]string]int, error)
	// Desks returns the staffing of every watched desk.
	Desks() ([]counter.DeskState, error)
	// SweepLag returns how late the deadline sweep last handled a due entry.
	SweepLag() time.Duration
	// FindViolations returns one page of violations (counter.Ledger).
	FindViolations(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error)
}

// Metrics holds motcua's metrics. It implements counter.Publisher. All its
// methods are safe for concurrent use, and a nil *Metrics is a valid no-op.
type Metrics struct {
	// Now is the clock for ages (the oldest overdue dossier); time.Now by
	// default. Set it before the first scrape.
	Now func() time.Time
	// ScrapeTimeout bounds the store reads of one scrape.
	ScrapeTimeout time.Duration

	cfg      *counter.Config
	gatherer prometheus.Gatherer
	log      *slog.Logger

	events    *prometheus.CounterVec
	finished  *prometheus.CounterVec
	http      *prometheus.HistogramVec
	commit    prometheus.Histogram
	wallboard prometheus.Gauge

	mu        sync.Mutex
	src       Store
	attaching bool
	pending   []counter.Change
	viols     violationSet
	seenOpen  map[[2]string]bool // (agency, state) pairs of motcua_dossiers_open ever reported
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
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "events_total",
			Help: "Events recorded, by type (SPEC.md §3); counted since the process started.",
		}, []string{"type"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "dossiers_finished_total",
			Help: "Received dossiers that finished, by holder at finish and outcome (on_time: by the promised time before any apology, Decree 61/2018/NĐ-CP Art. 30(2)(c)); counted since the process started.",
		}, []string{"agency", "outcome"}),
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
		viols:    newViolationSet(),
		seenOpen: map[[2]string]bool{},
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.events, m.finished, m.http, m.commit, m.wallboard, (*collector)(m)} {
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

// Attach makes the metrics read src at scrape time, and seeds the
// violation counters from every violation src holds, so that they survive
// restarts. Changes published while it loads are applied after it. It
// returns an error when src cannot be read; the metrics then stay
// detached.
func (m *Metrics) Attach(ctx context.Context, src Store) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	m.attaching = true
	m.mu.Unlock()

	loaded := newViolationSet()
	var err error
	if m.cfg != nil && m.cfg.Root != nil {
		cursor := ""
		for {
			var page []counter.Violation
			page, cursor, err = src.FindViolations(ctx, counter.ViolationFilter{Agency: m.cfg.Root.ID, Limit: 500, Cursor: cursor})
			if err != nil {
				err = fmt.Errorf("load violations: %w", err)
				break
			}
			for i := range page {
				loaded.apply(&page[i])
			}
			if cursor == "" {
				break
			}
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.attaching = false
	pending := m.pending
	m.pending = nil
	if err != nil {
		for _, c := range pending {
			m.applyLocked(c)
		}
		return err
	}
	// Whatever was applied before Attach is also in the store, so the
	// loaded set replaces it; the changes published during the load are
	// newer than or equal to what the load read.
	m.viols = loaded
	for _, c := range pending {
		m.applyLocked(c)
	}
	m.src = src
	return nil
}

// Publish implements counter.Publisher: it counts the violations of c
// seen for the first time and moves the open gauges by their status. It
// never blocks on I/O.
func (m *Metrics) Publish(c counter.Change) {
	if m == nil || len(c.Violations) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.attaching {
		m.pending = append(m.pending, c)
		return
	}
	m.applyLocked(c)
}

func (m *Metrics) applyLocked(c counter.Change) {
	for i := range c.Violations {
		m.viols.apply(&c.Violations[i])
	}
}

// ObserveRecorded counts what one successful Ledger.Record stored: its new
// events by type, and the dossiers it finished by holder and outcome.
// Retries of stored events (res.Replayed, or events recorded by an earlier
// commit) are not counted again. Call it after Record returns without error.
func (m *Metrics) ObserveRecorded(res *counter.RecordResult) {
	if m == nil || res == nil || res.Replayed {
		return
	}
	// Events stored by this commit share its recorded_at, the latest in
	// the result; retried ones carry their earlier commit's.
	var latest time.Time
	for _, e := range res.Events {
		if e.RecordedAt.After(latest) {
			latest = e.RecordedAt
		}
	}
	dossiers := make(map[string]*counter.Dossier, len(res.Dossiers))
	for _, d := range res.Dossiers {
		dossiers[d.Code] = d
	}
	seen := map[string]bool{}
	finished := map[string]bool{}
	for _, e := range res.Events {
		if seen[e.ID] || !e.RecordedAt.Equal(latest) {
			continue
		}
		seen[e.ID] = true
		m.events.WithLabelValues(string(e.Type)).Inc()
		if !finishing(e.Type) {
			continue
		}
		d := dossiers[e.Dossier]
		if d == nil || d.ReceivedAt == nil || d.FinishedAt == nil || !e.At.Equal(*d.FinishedAt) || finished[d.Code] {
			continue
		}
		finished[d.Code] = true
		outcome := "late"
		if d.OnTime() {
			outcome = "on_time"
		}
		m.finished.WithLabelValues(d.Holder, outcome).Inc()
	}
}

// finishing reports whether an event of type t may set finished_at
// (SPEC.md §4).
func finishing(t counter.EventType) bool {
	switch t {
	case counter.ResultReady, counter.Returned, counter.Rejected, counter.Withdrawn:
		return true
	}
	return false
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
