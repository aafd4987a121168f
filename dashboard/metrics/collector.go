package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/prometheus/client_golang/prometheus"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

var (
	descEvents = desc("events_total",
		"Events recorded, by type (SPEC.md §3), by any writer (API, demo, import, a cluster node applying the log); read from the store, so it survives restarts.", "type")
	descReceived = desc("dossiers_received_total",
		"Dossiers received (clock started), by receiving agency; read from the store's roll-up, so it survives restarts.", "agency")
	descFinished = desc("dossiers_finished_total",
		"Received dossiers finished, by holder at finish and outcome (on_time: by the promised time standing before any apology, Decree 61/2018/NĐ-CP Art. 30(2)(c)); each dossier counts once, when first found finished, and a later correction of its history does not move it (the roll-up follows it). Read from the store.", "agency", "outcome")
	descOpen = desc("dossiers_open",
		"Unfinished dossiers, by holder agency and clock state (intake, on_track, warning, due_today, overdue, paused); kept current by the deadline sweep.", "agency", "state")
	descOverdueOldest = desc("dossiers_overdue_oldest_seconds",
		"Time since the due time of the agency's oldest open overdue breach passed.", "agency")
	descViolations = desc("violations_total",
		"Violations raised (SPEC.md §5), by agency charged, code and severity when first raised; each counts once and stays counted whatever becomes of it (resolved, dismissed, or withdrawn when a late event showed it unfounded, SPEC.md §10.1). Read from the store.", "agency", "code", "severity")
	descViolationsOpen = desc("violations_open",
		"Violations still standing: status open, or a provisional complaint; withdrawn, resolved, confirmed and dismissed ones do not count. By agency charged and code.", "agency", "code")
	descDesks = desc("desks_staffed",
		"Desks of a counter with an open shift now.", "agency")
	descLag = desc("deadline_sweep_lag_seconds",
		"How late, at its last run, the deadline sweep handled the oldest due entry.")
	descSweepFailures = desc("deadline_sweep_failures_total",
		"Deadline sweeps that failed (each is retried after a back-off); counted since the store opened.")
	descInfo = desc("agency_info",
		"The agency tree, value 1, for joins (alert summaries take name from it): parent is \"\" for the root.", "agency", "parent", "level", "name")
)

// severities are the values of the severity label.
var severities = []string{counter.SeverityHigh, counter.SeverityMedium, counter.SeverityLow}

// outcomes are the values of the outcome label.
var outcomes = []string{store.OutcomeOnTime, store.OutcomeLate}

// collector computes the store-derived metrics at scrape time.
type collector Metrics

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEvents, descReceived, descFinished, descOpen, descOverdueOldest,
		descViolations, descViolationsOpen, descDesks, descLag, descSweepFailures, descInfo} {
		ch <- d
	}
}

// counters returns the counter agencies (one-stop units) of cfg.
func counters(cfg *counter.Config) []string {
	var out []string
	for _, id := range cfg.Subtree(cfg.Root.ID) {
		if cfg.Agency(id).Level == counter.LevelCounter {
			out = append(out, id)
		}
	}
	return out
}

// Collect implements prometheus.Collector. Every series is reported from
// the first scrape after Attach, at 0 for its known label sets (see the
// package documentation); a series once reported stays, so that it ends
// in 0 rather than vanishing.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := (*Metrics)(c)
	cfg := m.cfg
	if cfg != nil && cfg.Root != nil {
		for _, id := range cfg.Subtree(cfg.Root.ID) {
			a := cfg.Agency(id)
			ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, a.ID, a.Parent, a.Level, a.Name)
		}
	}
	m.mu.Lock()
	src := m.src
	now := m.Now()
	m.mu.Unlock()
	if src == nil {
		return
	}
	ctrs := counters(cfg)

	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, src.SweepLag().Seconds())
	ch <- prometheus.MustNewConstMetric(descSweepFailures, prometheus.CounterValue, float64(src.SweepFailures()))

	if st, err := src.Stats(); err != nil {
		for _, d := range []*prometheus.Desc{descEvents, descFinished, descViolations, descViolationsOpen, descOverdueOldest} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
	} else {
		collectStats(ch, cfg, ctrs, st, now)
	}

	if counts, err := src.OpenCounts(); err != nil {
		ch <- prometheus.NewInvalidMetric(descOpen, fmt.Errorf("read open counts: %w", err))
	} else {
		m.mu.Lock()
		for _, a := range ctrs {
			for _, s := range counter.ClockStates {
				if counter.OpenClock(s) {
					m.seenOpen[[2]string{a, s}] = true
				}
			}
		}
		for k := range counts {
			m.seenOpen[k] = true
		}
		keys := make([][2]string, 0, len(m.seenOpen))
		for k := range m.seenOpen {
			keys = append(keys, k)
		}
		m.mu.Unlock()
		for _, k := range keys {
			ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(counts[k]), k[0], k[1])
		}
	}

	if desks, err := src.Desks(); err != nil {
		ch <- prometheus.NewInvalidMetric(descDesks, fmt.Errorf("read desks: %w", err))
	} else {
		staffed := map[string]int{}
		for _, d := range desks {
			if d.Open {
				staffed[d.Agency]++
			}
		}
		for _, id := range cfg.Subtree(cfg.Root.ID) {
			if a := cfg.Agency(id); len(a.Desks) > 0 {
				ch <- prometheus.MustNewConstMetric(descDesks, prometheus.GaugeValue, float64(staffed[id]), id)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), m.ScrapeTimeout)
	defer cancel()
	root, err := src.Rollup(ctx, cfg.Root.ID, time.Time{}, time.Time{})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descReceived, fmt.Errorf("read roll-up: %w", err))
		return
	}
	received := directReceived(root, nil)
	for _, a := range ctrs {
		if _, ok := received[a]; !ok {
			received[a] = 0
		}
	}
	for a, n := range received {
		ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(n), a)
	}
}

// collectStats reports the series read from the store's stats, each with
// its zero set: every event type; every counter agency for the finishes;
// every code (and severity) under the root agency for the violations.
func collectStats(ch chan<- prometheus.Metric, cfg *counter.Config, ctrs []string, st store.Stats, now time.Time) {
	events := map[counter.EventType]uint64{}
	for _, t := range counter.EventTypes {
		events[t] = 0
	}
	for t, n := range st.Events {
		events[t] = n
	}
	for t, n := range events {
		ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(n), string(t))
	}

	finished := map[[2]string]uint64{}
	for _, a := range ctrs {
		for _, o := range outcomes {
			finished[[2]string{a, o}] = 0
		}
	}
	for k, n := range st.Finished {
		finished[k] = n
	}
	for k, n := range finished {
		ch <- prometheus.MustNewConstMetric(descFinished, prometheus.CounterValue, float64(n), k[0], k[1])
	}

	root := cfg.Root.ID
	raised := map[[3]string]uint64{}
	standing := map[[2]string]uint64{}
	for _, code := range counter.ViolationCodes {
		standing[[2]string{root, code}] = 0
		for _, sev := range severities {
			raised[[3]string{root, code, sev}] = 0
		}
	}
	for k, n := range st.Raised {
		raised[k] = n
	}
	for k, n := range st.Standing {
		standing[k] = n
	}
	for k, n := range raised {
		ch <- prometheus.MustNewConstMetric(descViolations, prometheus.CounterValue, float64(n), k[0], k[1], k[2])
	}
	for k, n := range standing {
		ch <- prometheus.MustNewConstMetric(descViolationsOpen, prometheus.GaugeValue, float64(n), k[0], k[1])
	}

	for a, since := range st.OverdueSince {
		ch <- prometheus.MustNewConstMetric(descOverdueOldest, prometheus.GaugeValue, max(0, now.Sub(since).Seconds()), a)
	}
}

// directReceived returns, per agency of n's subtree with any, the dossiers
// it received itself: a roll-up node counts its whole subtree's receipts,
// and each receipt counts along its receiving agency's ancestor chain only.
func directReceived(n *counter.RollupNode, out map[string]int) map[string]int {
	if out == nil {
		out = map[string]int{}
	}
	own := n.Received
	for _, ch := range n.Children {
		own -= ch.Received
		directReceived(ch, out)
	}
	if own > 0 {
		out[n.Agency] = own
	}
	return out
}
