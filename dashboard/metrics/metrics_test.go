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
		Now: h.clock.Now, Evaluator: violations.New(), Publisher: m, OnCommit: m.ObserveCommit,
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	})
	require.NoError(h.t, err)
	require.NoError(h.t, m.Attach(context.Background(), st))
	h.m, h.st = m, st
	h.t.Cleanup(func() { _ = st.Close() })
}

func (h *harness) record(evs ...counter.Event) {
	h.t.Helper()
	res, err := h.st.Record(context.Background(), evs)
	require.NoError(h.t, err)
	h.m.ObserveRecorded(res)
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

const (
	ward   = "p-thachthang-motcua"
	distr  = "q-haichau-motcua"
	wardOf = "cb-072"
	distOf = "cb-064"
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

// TestMetricsFromStore drives a real store through receipts, a shift, the
// deadline sweep and finishes, and checks what a scrape shows after each
// step, then that a restart keeps the store-derived values.
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
			`motcua_events_total{type="received"}`:                                        3,
			`motcua_events_total{type="result_ready"}`:                                    1,
			`motcua_events_total{type="shift_started"}`:                                   2,
			`motcua_dossiers_received_total{agency="p-thachthang-motcua"}`:                2,
			`motcua_dossiers_received_total{agency="q-haichau-motcua"}`:                   1,
			`motcua_dossiers_finished_total{agency="q-haichau-motcua",outcome="on_time"}`: 1,
			`motcua_dossiers_open{agency="p-thachthang-motcua",state="on_track"}`:         2,
			`motcua_desks_staffed{agency="p-thachthang-motcua"}`:                          2,
			`motcua_desks_staffed{agency="q-haichau-motcua"}`:                             0,
			`motcua_agency_info{agency="p-thachthang-motcua",level="counter",name="Bộ phận một cửa phường Thạch Thang",parent="p-thachthang"}`: 1,
			`motcua_agency_info{agency="tp-danang",level="city",name="UBND thành phố Đà Nẵng",parent=""}`:                                      1,
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
			`motcua_violations_total{agency="p-thachthang-motcua",code="missing_slip",severity="high"}`: 1,
			`motcua_violations_total{agency="p-thachthang-motcua",code="overdue",severity="high"}`:      2,
			`motcua_violations_open{agency="p-thachthang-motcua",code="overdue"}`:                       2,
			`motcua_violations_open{agency="p-thachthang-motcua",code="missing_slip"}`:                  1,
			`motcua_dossiers_open{agency="p-thachthang-motcua",state="on_track"}`:                       0,
			`motcua_dossiers_open{agency="p-thachthang-motcua",state="overdue"}`:                        2,
			// D1's promise (Fri 16:00) passed 3 days 17 hours ago; D3's
			// legal due (Mon 9th, 23:59:59) 9 hours and a second ago.
			`motcua_dossiers_overdue_oldest_seconds{agency="p-thachthang-motcua"}`: (3*24 + 17) * 3600,
		},
	}, {
		name: "a late finish resolves the overdue breach and raises late_return",
		do: func() {
			h.record(event("e5", counter.ResultReady, "D1", ward, wardOf, "2026-03-10 09:00"))
		},
		want: map[string]float64{
			`motcua_events_total{type="result_ready"}`:                                                 2,
			`motcua_dossiers_finished_total{agency="p-thachthang-motcua",outcome="late"}`:              1,
			`motcua_violations_total{agency="p-thachthang-motcua",code="overdue",severity="high"}`:     2,
			`motcua_violations_total{agency="p-thachthang-motcua",code="late_return",severity="high"}`: 1,
			`motcua_violations_open{agency="p-thachthang-motcua",code="overdue"}`:                      1,
			`motcua_dossiers_open{agency="p-thachthang-motcua",state="overdue"}`:                       1,
			`motcua_dossiers_overdue_oldest_seconds{agency="p-thachthang-motcua"}`:                     9*3600 + 1, // due at 23:59:59
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
		for k, v := range before {
			if strings.HasPrefix(k, "motcua_violations_") || strings.HasPrefix(k, "motcua_dossiers_received_total") ||
				strings.HasPrefix(k, "motcua_dossiers_open") || strings.HasPrefix(k, "motcua_dossiers_overdue") ||
				strings.HasPrefix(k, "motcua_desks_staffed") {
				require.Equal(t, v, after[k], k)
			}
		}
		require.NotContains(t, after, `motcua_events_total{type="received"}`, "in-process counters restart from zero")
	})

	t.Run("no label carries a dossier code or an official", func(t *testing.T) {
		for k := range values(t, h.reg) {
			for _, bad := range []string{"D1", "D2", "D3", wardOf, distOf} {
				require.NotContains(t, k, `"`+bad+`"`)
			}
		}
	})
}

// fakeStore serves fixed violations and lets a test act between pages.
type fakeStore struct {
	pages  [][]counter.Violation
	onPage func(i int)
}

func (f *fakeStore) Rollup(context.Context, string, time.Time, time.Time) (*counter.RollupNode, error) {
	return &counter.RollupNode{Agency: "tp"}, nil
}
func (f *fakeStore) OpenCounts() (map[[2]string]int, error) { return nil, nil }
func (f *fakeStore) Desks() ([]counter.DeskState, error)    { return nil, nil }
func (f *fakeStore) SweepLag() time.Duration                { return 1500 * time.Millisecond }
func (f *fakeStore) FindViolations(_ context.Context, vf counter.ViolationFilter) ([]counter.Violation, string, error) {
	i := 0
	if vf.Cursor != "" {
		fmt.Sscan(vf.Cursor, &i)
	}
	if f.onPage != nil {
		f.onPage(i)
	}
	next := ""
	if i+1 < len(f.pages) {
		next = fmt.Sprint(i + 1)
	}
	return f.pages[i], next, nil
}

func tinyConfig() *counter.Config {
	root := &counter.Agency{ID: "tp", Level: counter.LevelCity, Children: []*counter.Agency{
		{ID: "mc", Level: counter.LevelCounter, Desks: []string{"a"}}}}
	return counter.NewConfig(root, nil, nil, nil, counter.DefaultRules())
}

func viol(id, code, status string) counter.Violation {
	return counter.Violation{ID: id, Code: code, Severity: counter.SeverityHigh, Status: status, Agency: "mc"}
}

// TestAttachCountsEachViolationOnce checks the seeding from the store
// against changes published before, during and after it.
func TestAttachCountsEachViolationOnce(t *testing.T) {
	// The store holds v1 (open), v2 (resolved) and c1 (a provisional
	// complaint), over two pages.
	tests := []struct {
		name   string
		before []counter.Violation // published before Attach
		during []counter.Violation // published while the second page loads
		after  []counter.Violation
		// overdue total, overdue open, complaint total, complaint open
		want [4]float64
	}{
		{name: "store only", want: [4]float64{2, 1, 1, 1}},
		{name: "published before attach is not counted twice",
			before: []counter.Violation{viol("v1", counter.VOverdue, counter.StatusOpen)}, want: [4]float64{2, 1, 1, 1}},
		{name: "a status change during the load wins",
			during: []counter.Violation{viol("v1", counter.VOverdue, counter.StatusResolved)}, want: [4]float64{2, 0, 1, 1}},
		{name: "a new violation during the load counts once",
			during: []counter.Violation{viol("v3", counter.VOverdue, counter.StatusOpen)}, want: [4]float64{3, 2, 1, 1}},
		{name: "a dismissed complaint stays counted but is no longer open",
			after: []counter.Violation{viol("c1", counter.VComplaint, counter.StatusDismissed)}, want: [4]float64{2, 1, 1, 0}},
		{name: "a new provisional complaint counts and is open",
			after: []counter.Violation{viol("c2", counter.VComplaint, counter.StatusProvisional)}, want: [4]float64{2, 1, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m, err := metrics.New(reg, tinyConfig(), nil)
			require.NoError(t, err)
			f := &fakeStore{pages: [][]counter.Violation{
				{viol("v1", counter.VOverdue, counter.StatusOpen)},
				{viol("v2", counter.VOverdue, counter.StatusResolved), viol("c1", counter.VComplaint, counter.StatusProvisional)},
			}}
			f.onPage = func(i int) {
				if i == 1 && len(tt.during) > 0 {
					m.Publish(counter.Change{Violations: tt.during})
				}
			}
			m.Publish(counter.Change{Violations: tt.before})
			require.NoError(t, m.Attach(context.Background(), f))
			m.Publish(counter.Change{Violations: tt.after})
			got := values(t, reg)
			require.Equal(t, tt.want, [4]float64{
				got[`motcua_violations_total{agency="mc",code="overdue",severity="high"}`],
				got[`motcua_violations_open{agency="mc",code="overdue"}`],
				got[`motcua_violations_total{agency="mc",code="complaint",severity="high"}`],
				got[`motcua_violations_open{agency="mc",code="complaint"}`],
			})
			require.Equal(t, 1.5, got[`motcua_deadline_sweep_lag_seconds{}`])
		})
	}
}

func TestNilRegistererIsNoop(t *testing.T) {
	m, err := metrics.New(nil, tinyConfig(), nil)
	require.NoError(t, err)
	m.ObserveHTTP("/api/v1/dossiers/:code", "GET", 200, time.Millisecond)
	m.SetWallboardClients(3)
	m.Publish(counter.Change{Violations: []counter.Violation{viol("v1", counter.VOverdue, counter.StatusOpen)}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), "motcua_")

	var none *metrics.Metrics
	none.ObserveHTTP("/", "GET", 200, time.Millisecond)
	none.Publish(counter.Change{})
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
