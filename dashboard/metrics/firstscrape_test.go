package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/motcua/motcua/counter"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// scrape GETs the metrics handler and parses the page with Prometheus'
// own text parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return mfs
}

// labelSets returns the label sets of a family as name=value maps.
func labelSets(mf *dto.MetricFamily) []map[string]string {
	var out []map[string]string
	for _, m := range mf.GetMetric() {
		ls := map[string]string{}
		for _, l := range m.GetLabel() {
			ls[l.GetName()] = l.GetValue()
		}
		out = append(out, ls)
	}
	return out
}

func hasSet(sets []map[string]string, want map[string]string) bool {
	for _, s := range sets {
		match := len(s) == len(want)
		for k, v := range want {
			match = match && s[k] == v
		}
		if match {
			return true
		}
	}
	return false
}

// TestFirstScrapeHasEverySeries: the first scrape of a fresh server (an
// empty store, nothing recorded, no request served) has every series of
// SPEC.md §9, at 0 for its known label sets, so that rate() and absent()
// work from the start.
func TestFirstScrapeHasEverySeries(t *testing.T) {
	h := newHarness(t, "2026-03-02 08:00")
	mfs := scrape(t, h.m.Handler())

	families := map[string]dto.MetricType{
		"motcua_events_total":                  dto.MetricType_COUNTER,
		"motcua_dossiers_received_total":       dto.MetricType_COUNTER,
		"motcua_dossiers_finished_total":       dto.MetricType_COUNTER,
		"motcua_dossiers_open":                 dto.MetricType_GAUGE,
		"motcua_violations_total":              dto.MetricType_COUNTER,
		"motcua_violations_open":               dto.MetricType_GAUGE,
		"motcua_desks_staffed":                 dto.MetricType_GAUGE,
		"motcua_wallboard_clients":             dto.MetricType_GAUGE,
		"motcua_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"motcua_store_commit_duration_seconds": dto.MetricType_HISTOGRAM,
		"motcua_deadline_sweep_lag_seconds":    dto.MetricType_GAUGE,
		"motcua_agency_info":                   dto.MetricType_GAUGE,
		"motcua_deadline_sweep_failures_total": dto.MetricType_COUNTER,
	}
	for name, typ := range families {
		mf, ok := mfs[name]
		require.True(t, ok, "first scrape lacks %s", name)
		require.Equal(t, typ, mf.GetType(), name)
		require.NotEmpty(t, mf.GetMetric(), name)
		if name == "motcua_agency_info" {
			continue
		}
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			require.Zero(t, v, "%s %v on a fresh server", name, m.GetLabel())
		}
	}

	var ctrs []string
	for _, id := range h.cfg.Subtree(h.cfg.Root.ID) {
		if h.cfg.Agency(id).Level == counter.LevelCounter {
			ctrs = append(ctrs, id)
		}
	}
	require.NotEmpty(t, ctrs)
	events := labelSets(mfs["motcua_events_total"])
	for _, typ := range counter.EventTypes {
		require.True(t, hasSet(events, map[string]string{"type": string(typ)}), "events_total{type=%q}", typ)
	}
	recv, fin, open := labelSets(mfs["motcua_dossiers_received_total"]), labelSets(mfs["motcua_dossiers_finished_total"]),
		labelSets(mfs["motcua_dossiers_open"])
	for _, a := range ctrs {
		require.True(t, hasSet(recv, map[string]string{"agency": a}), "received_total{agency=%q}", a)
		for _, o := range []string{"on_time", "late"} {
			require.True(t, hasSet(fin, map[string]string{"agency": a, "outcome": o}), "finished_total{%s,%s}", a, o)
		}
		for _, s := range counter.ClockStates {
			require.Equal(t, counter.OpenClock(s), hasSet(open, map[string]string{"agency": a, "state": s}), "dossiers_open{%s,%s}", a, s)
		}
	}
	viols, vopen := labelSets(mfs["motcua_violations_total"]), labelSets(mfs["motcua_violations_open"])
	for _, code := range counter.ViolationCodes {
		require.True(t, hasSet(vopen, map[string]string{"agency": "tp-danang", "code": code}), "violations_open{code=%q}", code)
		for _, sev := range []string{"high", "medium", "low"} {
			require.True(t, hasSet(viols, map[string]string{"agency": "tp-danang", "code": code, "severity": sev}), "violations_total{%s,%s}", code, sev)
		}
	}
	require.True(t, hasSet(labelSets(mfs["motcua_http_request_duration_seconds"]), map[string]string{"route": "/metrics", "method": "GET", "code": "200"}))
	// Bounded: a few hundred series, not agencies × codes × severities.
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	require.Less(t, n, 4000, "a few series per counter, not agencies × codes × severities")
}

// TestWithdrawnVerdictLeavesViolationsOpen: a missing_slip raised by the
// sweep stands until a slip recorded late but dated within the grace
// withdraws it (SPEC.md §10.1); it stays counted as raised.
func TestWithdrawnVerdictLeavesViolationsOpen(t *testing.T) {
	h := newHarness(t, "2026-03-02 08:00")
	h.record(received("e1", "D1", ward, wardOf, "2026-03-02 08:00", ""))
	h.sweep("2026-03-02 08:30")
	open := `motcua_violations_open{agency="phuong-haichau-ttpvhcc",code="missing_slip"}`
	total := `motcua_violations_total{agency="phuong-haichau-ttpvhcc",code="missing_slip",severity="high"}`
	got := values(t, h.reg)
	require.Equal(t, 1.0, got[open])
	require.Equal(t, 1.0, got[total])

	slip := event("e2", counter.SlipIssued, "D1", ward, wardOf, "2026-03-02 08:05")
	slip.Number, slip.DueAt = "01/2026", at("2026-03-06 16:00")
	h.record(slip)
	got = values(t, h.reg)
	require.Contains(t, got, open, "the series ends in 0 rather than vanishing")
	require.Zero(t, got[open])
	require.Equal(t, 1.0, got[total], "a counter never goes down")
	require.Equal(t, 1.0, got[`motcua_events_total{type="slip_issued"}`])

	// And so after a restart.
	require.NoError(t, h.st.Close())
	h.open()
	got = values(t, h.reg)
	require.Contains(t, got, open)
	require.Zero(t, got[open])
	require.Equal(t, 1.0, got[total])
}
