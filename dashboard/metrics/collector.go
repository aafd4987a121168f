package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/prometheus/client_golang/prometheus"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

var (
	descReceived = desc("dossiers_received_total",
		"Dossiers received (clock started), by receiving agency; read from the store's roll-up, so it survives restarts.", "agency")
	descOpen = desc("dossiers_open",
		"Unfinished dossiers, by holder agency and clock state (intake, on_track, warning, due_today, overdue, paused); kept current by the deadline sweep.", "agency", "state")
	descOverdueOldest = desc("dossiers_overdue_oldest_seconds",
		"Time since the due time of the agency's oldest open overdue breach passed.", "agency")
	descViolations = desc("violations_total",
		"Violations raised (SPEC.md §5), by agency charged, code and severity at detection; each counts once, dismissed ones included.", "agency", "code", "severity")
	descViolationsOpen = desc("violations_open",
		"Violations still standing: status open, or a provisional complaint; by agency charged and code.", "agency", "code")
	descDesks = desc("desks_staffed",
		"Desks of a counter with an open shift now.", "agency")
	descLag = desc("deadline_sweep_lag_seconds",
		"How late, at its last run, the deadline sweep handled the oldest due entry.")
	descInfo = desc("agency_info",
		"The agency tree, value 1, for joins (alert summaries take name from it): parent is \"\" for the root.", "agency", "parent", "level", "name")
)

// collector computes the store-derived metrics at scrape time.
type collector Metrics

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceived, descOpen, descOverdueOldest, descViolations,
		descViolationsOpen, descDesks, descLag, descInfo} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
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
	for k, n := range m.viols.total {
		ch <- prometheus.MustNewConstMetric(descViolations, prometheus.CounterValue, float64(n), k.agency, k.code, k.severity)
	}
	for k, n := range m.viols.open {
		ch <- prometheus.MustNewConstMetric(descViolationsOpen, prometheus.GaugeValue, float64(n), k.agency, k.code)
	}
	oldest := map[string]float64{}
	for _, o := range m.viols.overdue {
		if age := now.Sub(o.since).Seconds(); age > oldest[o.agency] {
			oldest[o.agency] = age
		}
	}
	m.mu.Unlock()
	for a, age := range oldest {
		ch <- prometheus.MustNewConstMetric(descOverdueOldest, prometheus.GaugeValue, age, a)
	}
	if src == nil {
		return
	}

	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, src.SweepLag().Seconds())

	if counts, err := src.OpenCounts(); err != nil {
		ch <- prometheus.NewInvalidMetric(descOpen, fmt.Errorf("read open counts: %w", err))
	} else {
		m.mu.Lock()
		for k := range counts {
			m.seenOpen[k] = true
		}
		keys := make([][2]string, 0, len(m.seenOpen))
		for k := range m.seenOpen {
			keys = append(keys, k)
		}
		m.mu.Unlock()
		// A pair seen once is reported from then on, 0 when empty, so that
		// a series ends in 0 rather than vanishing.
		for _, k := range keys {
			ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(counts[k]), k[0], k[1])
		}
	}

	if desks, err := src.Desks(); err != nil {
		ch <- prometheus.NewInvalidMetric(descDesks, fmt.Errorf("read desks: %w", err))
	} else if cfg != nil {
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

	if cfg == nil || cfg.Root == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.ScrapeTimeout)
	defer cancel()
	root, err := src.Rollup(ctx, cfg.Root.ID, time.Time{}, time.Time{})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descReceived, fmt.Errorf("read roll-up: %w", err))
		return
	}
	for a, n := range directReceived(root, nil) {
		ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(n), a)
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
