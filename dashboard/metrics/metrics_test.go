package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard/metrics"
	"github.com/motcua/motcua/violations"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

// clock is a settable clock shared by the store and the metrics.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = at(s)
}

func shippedConfig(t testing.TB) *counter.Config {
	t.Helper()
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	return cfg
}

// harness is a real store on the shipped configuration with metrics on a
// private registry, as `serve` wires them.
type harness struct {
	t     *testing.T
	dir   string
	cfg   *counter.Config
	clock *clock
	reg   *prometheus.Registry
	m     *metrics.Metrics
	st    *store.Store
}

func newHarness(t *testing.T, start string) *harness {
	h := &harness{t: t, dir: t.TempDir(), cfg: shippedConfig(t), clock: &clock{}}
	h.clock.Set(start)
	h.open()
	return h
}

// open opens the store and attaches fresh metrics to it.
func (h *harness) open() {
	h.reg = prometheus.NewRegistry()
	m, err := metrics.New(h.reg, h.cfg, nil)
	require.NoError(h.t, err)
	m.Now = h.clock.Now
	st, err := store.Open(filepath.Join(h.dir, "motcua.db"), h.cfg, store.Options{
		Now: h.clock.Now, Evaluator: violations.New(), OnCommit: m.ObserveCommit,
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	})
	require.NoError(h.t, err)
	require.NoError(h.t, m.Attach(context.Background(), st))
	h.m, h.st = m, st
	h.t.Cleanup(func() { _ = st.Close() })
}

func (h *harness) record(evs ...counter.Event) {
	h.t.Helper()
	_, err := h.st.Record(context.Background(), evs)
	require.NoError(h.t, err)
}

func (h *harness) sweep(now string) {
	h.t.Helper()
	h.clock.Set(now)
	_, err := h.st.SweepUntil(h.clock.Now())
	require.NoError(h.t, err)
}

// values gathers the registry into "name{label="value",...}" → value.
// Histograms give their _count.
func values(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, mm := range mf.GetMetric() {
			var ls []string
			for _, l := range mm.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(ls)
			name := mf.GetName()
			var v float64
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v = mm.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				v = mm.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				name += "_count"
				v = float64(mm.GetHistogram().GetSampleCount())
			default:
				continue
			}
			out[name+"{"+strings.Join(ls, ",")+"}"] = v
		}
	}
	return out
}

// Two ward service centres of the 2025 map (the tests run in 2026, when
// only they are in force).
const (
	ward   = "phuong-haichau-ttpvhcc"
	distr  = "phuong-thanhkhe-ttpvhcc"
	wardOf = "cb-248"
	distOf = "cb-308"
	proc   = "1.000894" // 5 working days
)

func received(id, dossier, agency, official, t string, slipDue string) counter.Event {
	e := counter.Event{ID: id, Type: counter.Received, Dossier: dossier, At: at(t), Agency: agency,
		Official: official, Procedure: proc, Channel: counter.ChannelDirect}
	if slipDue != "" {
		e.Slip = &counter.Slip{Number: id, DueAt: at(slipDue)}
	}
	return e
}

func event(id string, typ counter.EventType, dossier, agency, official, t string) counter.Event {
	return counter.Event{ID: id, Type: typ, Dossier: dossier, At: at(t), Agency: agency, Official: official}
}

// TestMetricsFromStore drives a real store directly (no HTTP, as the
// demo, the sweeper and import write) through receipts, a shift, the
// deadline sweep and finishes, and checks what a scrape shows after each
// step, then that a restart keeps every store-derived value.
func TestMetricsFromStore(t *testing.T) {
	h := newHarness(t, "2026-03-02 08:00") // a Monday
	steps := []struct {
		name string
		do   func()
		want map[string]float64
	}{{
		name: "receipts, a finish on time, staffed desks",
		do: func() {
			h.record(
				received("e1", "D1", ward, wardOf, "2026-03-02 08:00", "2026-03-06 16:00"),
				received("e2", "D2", distr, distOf, "2026-03-02 08:00", "2026-03-06 16:00"),
				received("e3", "D3", ward, wardOf, "2026-03-02 08:00", ""), // no slip
			)
			h.record(event("e4", counter.ResultReady, "D2", distr, distOf, "2026-03-02 08:00"),
				counter.Event{ID: "s1", Type: counter.ShiftStarted, At: at("2026-03-02 08:00"), Agency: ward, Official: wardOf, Desk: "q1"},
				counter.Event{ID: "s2", Type: counter.ShiftStarted, At: at("2026-03-02 08:00"), Agency: ward, Official: wardOf, Desk: "q2"})
			// A retry stores nothing and counts nothing.
			h.record(event("e4", counter.ResultReady, "D2", distr, distOf, "2026-03-02 08:00"))
		},
		want: map[string]float64{
			`motcua_events_total{type="received"}`:                                               3,
			`motcua_events_total{type="result_ready"}`:                                           1,
			`motcua_events_total{type="shift_started"}`:                                          2,
			`motcua_dossiers_received_total{agency="phuong-haichau-ttpvhcc"}`:                    2,
			`motcua_dossiers_received_total{agency="phuong-thanhkhe-ttpvhcc"}`:                   1,
			`motcua_dossiers_finished_total{agency="phuong-thanhkhe-ttpvhcc",outcome="on_time"}`: 1,
			`motcua_dossiers_open{agency="phuong-haichau-ttpvhcc",state="on_track"}`:             2,
			`motcua_desks_staffed{agency="phuong-haichau-ttpvhcc"}`:                              2,
			`motcua_desks_staffed{agency="phuong-thanhkhe-ttpvhcc"}`:                             0,
			`motcua_agency_info{agency="phuong-haichau-ttpvhcc",level="counter",name="Trung tâm Phục vụ hành chính công phường Hải Châu",parent="phuong-haichau"}`: 1,
			`motcua_agency_info{agency="tp-danang",level="city",name="UBND thành phố Đà Nẵng",parent=""}`:                                                          1,
			`motcua_deadline_sweep_lag_seconds{}`:          0,
			`motcua_store_commit_duration_seconds_count{}`: 3,
		},
	}, {
		name: "the sweep finds a missing slip, then both dossiers overdue",
		do: func() {
			h.sweep("2026-03-02 08:20")
			h.sweep("2026-03-10 09:00")
		},
		want: map[string]float64{
			`motcua_violations_total{agency="phuong-haichau-ttpvhcc",code="missing_slip",severity="high"}`: 1,
			`motcua_violations_total{agency="phuong-haichau-ttpvhcc",code="overdue",severity="high"}`:      2,
			`motcua_violations_open{agency="phuong-haichau-ttpvhcc",code="overdue"}`:                       2,
			`motcua_violations_open{agency="phuong-haichau-ttpvhcc",code="missing_slip"}`:                  1,
			`motcua_dossiers_open{agency="phuong-haichau-ttpvhcc",state="on_track"}`:                       0,
			`motcua_dossiers_open{agency="phuong-haichau-ttpvhcc",state="overdue"}`:                        2,
			// D1's promise (Fri 16:00) passed 3 days 17 hours ago; D3's
			// legal due (Mon 9th, 23:59:59) 9 hours and a second ago.
			`motcua_dossiers_overdue_oldest_seconds{agency="phuong-haichau-ttpvhcc"}`: (3*24 + 17) * 3600,
		},
	}, {
		name: "a late finish resolves the overdue breach and raises late_return",
		do: func() {
			h.record(event("e5", counter.ResultReady, "D1", ward, wardOf, "2026-03-10 09:00"))
		},
		want: map[string]float64{
			`motcua_events_total{type="result_ready"}`:                                                    2,
			`motcua_dossiers_finished_total{agency="phuong-haichau-ttpvhcc",outcome="late"}`:              1,
			`motcua_violations_total{agency="phuong-haichau-ttpvhcc",code="overdue",severity="high"}`:     2,
			`motcua_violations_total{agency="phuong-haichau-ttpvhcc",code="late_return",severity="high"}`: 1,
			`motcua_violations_open{agency="phuong-haichau-ttpvhcc",code="overdue"}`:                      1,
			`motcua_dossiers_open{agency="phuong-haichau-ttpvhcc",state="overdue"}`:                       1,
			`motcua_dossiers_overdue_oldest_seconds{agency="phuong-haichau-ttpvhcc"}`:                     9*3600 + 1, // due at 23:59:59
		},
	}}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			got := values(t, h.reg)
			for k, want := range step.want {
				v, ok := got[k]
				require.True(t, ok, "%s missing from the scrape", k)
				require.Equal(t, want, v, k)
			}
		})
	}

	t.Run("restart keeps the store-derived values", func(t *testing.T) {
		before := values(t, h.reg)
		require.NoError(t, h.st.Close())
		h.open()
		after := values(t, h.reg)
		n := 0
		for k, v := range before {
			for _, p := range []string{"motcua_events_total", "motcua_dossiers_", "motcua_violations_", "motcua_desks_staffed", "motcua_agency_info"} {
				if strings.HasPrefix(k, p) {
					require.Equal(t, v, after[k], k)
					n++
				}
			}
		}
		require.Equal(t, 3.0, after[`motcua_events_total{type="received"}`])
		require.Greater(t, n, 400)
	})

	t.Run("no label carries a dossier code or an official", func(t *testing.T) {
		for k := range values(t, h.reg) {
			for _, bad := range []string{"D1", "D2", "D3", wardOf, distOf} {
				require.NotContains(t, k, `"`+bad+`"`)
			}
		}
	})
}

// fakeStore serves fixed numbers, or fails to read its stats.
type fakeStore struct {
	stats    store.Stats
	statsErr error
}

func (f *fakeStore) Stats() (store.Stats, error) { return f.stats, f.statsErr }
func (f *fakeStore) Rollup(context.Context, string, time.Time, time.Time) (*counter.RollupNode, error) {
	return &counter.RollupNode{Agency: "tp", Received: 2, Children: []*counter.RollupNode{{Agency: "mc", Received: 2}}}, nil
}
func (f *fakeStore) OpenCounts() (map[[2]string]int, error) { return nil, nil }
func (f *fakeStore) Desks() ([]counter.DeskState, error)    { return nil, nil }
func (f *fakeStore) SweepLag() time.Duration                { return 1500 * time.Millisecond }
func (f *fakeStore) SweepFailures() uint64                  { return 3 }

func tinyConfig() *counter.Config {
	root := &counter.Agency{ID: "tp", Level: counter.LevelCity, Children: []*counter.Agency{
		{ID: "mc", Level: counter.LevelCounter, Desks: []string{"a"}}, {ID: "so", Level: counter.LevelDepartment}}}
	return counter.NewConfig(root, nil, nil, nil, counter.DefaultRules())
}

// TestCollectorZeroSetsAndStoreNumbers checks what a scrape makes of the
// store's numbers: stored counts win over the zero sets, and the sweeper's
// failures are exported.
func TestCollectorZeroSetsAndStoreNumbers(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, tinyConfig(), nil)
	require.NoError(t, err)
	m.Now = func() time.Time { return at("2026-03-10 09:00") }
	f := &fakeStore{stats: store.Stats{
		Events:       map[counter.EventType]uint64{counter.Received: 2},
		Finished:     map[[2]string]uint64{{"so", store.OutcomeLate}: 1},
		Raised:       map[[3]string]uint64{{"so", counter.VOverdue, counter.SeverityHigh}: 4},
		Standing:     map[[2]string]uint64{{"so", counter.VOverdue}: 1, {"mc", counter.VMissingSlip}: 0},
		OverdueSince: map[string]time.Time{"so": at("2026-03-10 08:00")},
	}}
	require.NoError(t, m.Attach(context.Background(), f))
	got := values(t, reg)
	for k, want := range map[string]float64{
		`motcua_events_total{type="received"}`:                                                 2,
		`motcua_events_total{type="shift_ended"}`:                                              0,
		`motcua_dossiers_received_total{agency="mc"}`:                                          2,
		`motcua_dossiers_finished_total{agency="mc",outcome="on_time"}`:                        0,
		`motcua_dossiers_finished_total{agency="so",outcome="late"}`:                           1,
		`motcua_dossiers_open{agency="mc",state="paused"}`:                                     0,
		`motcua_violations_total{agency="so",code="overdue",severity="high"}`:                  4,
		`motcua_violations_total{agency="tp",code="complaint",severity="low"}`:                 0,
		`motcua_violations_open{agency="so",code="overdue"}`:                                   1,
		`motcua_violations_open{agency="mc",code="missing_slip"}`:                              0,
		`motcua_violations_open{agency="tp",code="desk_unstaffed"}`:                            0,
		`motcua_dossiers_overdue_oldest_seconds{agency="so"}`:                                  3600,
		`motcua_desks_staffed{agency="mc"}`:                                                    0,
		`motcua_deadline_sweep_lag_seconds{}`:                                                  1.5,
		`motcua_deadline_sweep_failures_total{}`:                                               3,
		`motcua_http_request_duration_seconds_count{code="200",method="GET",route="/metrics"}`: 0,
	} {
		v, ok := got[k]
		require.True(t, ok, "%s missing from the scrape", k)
		require.Equal(t, want, v, k)
	}
	// The zero sets are bounded: counters only for dossiers, the root only
	// for violations.
	require.NotContains(t, got, `motcua_dossiers_open{agency="so",state="overdue"}`)
	require.NotContains(t, got, `motcua_violations_open{agency="mc",code="overdue"}`)

	// A store that cannot be read fails the scrape rather than showing
	// zeros.
	f.statsErr = fmt.Errorf("disk on fire")
	_, err = reg.Gather()
	require.ErrorContains(t, err, "disk on fire")
}

func TestNilRegistererIsNoop(t *testing.T) {
	m, err := metrics.New(nil, tinyConfig(), nil)
	require.NoError(t, err)
	m.ObserveHTTP("/api/v1/dossiers/:code", "GET", 200, time.Millisecond)
	m.SetWallboardClients(3)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), "motcua_")

	var none *metrics.Metrics
	none.ObserveHTTP("/", "GET", 200, time.Millisecond)
	none.SetWallboardClients(1)
}

// requireTool returns the path of a tool the test drives, skipping when it
// is absent outside CI (in CI it must be there: scripts/deps installs it).
func requireTool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skipf("%s not installed (run scripts/deps)", names[0])
	}
	t.Fatalf("%s not installed; CI must run scripts/deps", names[0])
	return ""
}

// TestScrapePassesPromtool serves a live scrape of a store with data and
// lints it with `promtool check metrics`.
func TestScrapePassesPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	h := newHarness(t, "2026-03-02 08:00")
	h.record(received("e1", "D1", ward, wardOf, "2026-03-02 08:00", "2026-03-06 16:00"),
		received("e2", "D2", ward, wardOf, "2026-03-02 08:00", ""))
	h.record(event("e3", counter.ResultReady, "D2", ward, wardOf, "2026-03-02 08:00"))
	h.sweep("2026-03-10 09:00")
	h.m.ObserveHTTP("/api/v1/dossiers/:code", "GET", 200, 3*time.Millisecond)
	h.m.SetWallboardClients(2)

	srv := httptest.NewServer(h.m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, name := range []string{"motcua_events_total", "motcua_dossiers_received_total", "motcua_dossiers_finished_total",
		"motcua_dossiers_open", "motcua_violations_total", "motcua_violations_open", "motcua_desks_staffed",
		"motcua_wallboard_clients", "motcua_http_request_duration_seconds", "motcua_store_commit_duration_seconds",
		"motcua_deadline_sweep_lag_seconds", "motcua_agency_info"} {
		require.Contains(t, string(body), "\n"+name, "scrape lacks %s", name)
	}

	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics:\n%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "promtool check metrics complained")
}
