package cluster

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Intervals of the node's background loops.
const (
	watchEvery = 250 * time.Millisecond
	sweepEvery = 200 * time.Millisecond
	// reproposeAfter is how long a proposed sweep may take to come back
	// through the log before it is proposed again.
	reproposeAfter = 5 * time.Second
)

// watch follows the log's head and leader: the node is caught up when it
// has applied everything the log held at the previous look.
func (n *Node) watch() {
	var prev uint64
	first := true
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(n.ctx, 2*time.Second)
		info, err := n.stream.Info(ctx)
		cancel()
		if err != nil {
			if n.ctx.Err() != nil {
				return
			}
			if n.quorum.Swap(false) {
				n.log.Warn("the log is unavailable (no quorum?)", "err", err)
			}
			n.caughtUp.Store(false)
			n.leader.Store(false)
		} else {
			last := info.State.LastSeq
			n.lastSeq.Store(last)
			if !n.quorum.Swap(true) {
				n.log.Info("the log is available", "last", last, "applied", n.applied.Load())
			}
			applied := n.applied.Load()
			if first {
				prev = last
				first = false
			}
			was := n.caughtUp.Load()
			now := applied >= prev || applied >= last
			n.caughtUp.Store(now)
			if now && !was {
				n.log.Info("caught up with the log", "applied", applied, "last", last)
			}
			prev = last
			leader := n.cfg.NATSURL != "" // external: every node proposes, deduplicated
			if n.cfg.NATSURL == "" {
				leader = info.Cluster == nil || info.Cluster.Leader == n.cfg.Name
			}
			if n.cfg.Rollup() || n.cfg.Tool {
				leader = false // it proposes nothing
			}
			n.noteSources(info.Sources)
			if n.leader.Swap(leader) != leader {
				n.log.Info("sweep proposer", "leader", leader)
			}
		}
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// proposeSweeps puts "sweep until now" in the log when the view's earliest
// due instant has passed. Only the stream's leader proposes; the message id
// (the due instant) makes a second proposal for the same instant, from a
// new leader or a retry, a duplicate.
func (n *Node) proposeSweeps() {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	var lastDue, proposedAt time.Time
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		if !n.leader.Load() || !n.caughtUp.Load() {
			continue
		}
		due, err := n.st.NextDue()
		if err != nil {
			n.log.Error("reading the due index failed", "err", err)
			continue
		}
		now := n.cfg.Now()
		if due.IsZero() || now.Before(due) {
			continue
		}
		if due.Equal(lastDue) && time.Since(proposedAt) < reproposeAfter {
			continue
		}
		data, err := json.Marshal(entry{Kind: kindSweep, Node: n.cfg.Name, At: now, Due: due})
		if err != nil {
			n.log.Error("encode sweep", "err", err)
			continue
		}
		ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
		_, err = n.js.Publish(ctx, n.subject, data, jetstream.WithMsgID(n.sweepID(due)),
			jetstream.WithExpectStream(n.cfg.Stream))
		cancel()
		if err != nil {
			n.log.Warn("proposing a sweep failed", "due", due, "err", err)
			continue
		}
		lastDue, proposedAt = due, time.Now()
		n.sweeps.Add(1)
	}
}

// SourceStatus is how a roll-up node's sourcing of one province's log
// stands.
type SourceStatus struct {
	Stream string `json:"stream"`
	// Lag is how many of the source's entries are not yet in the roll-up's
	// stream, as JetStream last reported.
	Lag uint64 `json:"lag"`
	// Active is how long ago the source was last heard from; negative
	// when never.
	Active time.Duration `json:"active"`
	Error  string        `json:"error,omitempty"`
}

func (n *Node) noteSources(infos []*jetstream.StreamSourceInfo) {
	if !n.cfg.Rollup() {
		return
	}
	out := make([]SourceStatus, 0, len(infos))
	for _, si := range infos {
		st := SourceStatus{Stream: si.Name, Lag: si.Lag, Active: si.Active}
		if si.Error != nil {
			st.Error = si.Error.Error()
		}
		out = append(out, st)
	}
	n.sourcesMu.Lock()
	n.sources = out
	n.sourcesMu.Unlock()
}

// Sources returns a roll-up node's sources as last seen.
func (n *Node) Sources() []SourceStatus {
	n.sourcesMu.Lock()
	defer n.sourcesMu.Unlock()
	return append([]SourceStatus(nil), n.sources...)
}

// sweepID is the message id of the sweep for the due instant: named by
// the stream, unless it is the default one, so that two provinces'
// sweeps at one instant are not taken for duplicates in a roll-up.
func (n *Node) sweepID(due time.Time) string {
	id := strconv.FormatInt(due.UnixNano(), 10)
	if n.cfg.Stream == DefaultStream {
		return "sweep-" + id
	}
	return "sweep-" + n.cfg.Stream + "-" + id
}

// Ready returns nil when the node serves: its view is open, the log has a
// quorum, and the view has caught up with it.
func (n *Node) Ready() error {
	if n.st == nil {
		return errUnavailable("the cluster view is not attached", "chưa gắn dữ liệu của nút")
	}
	if err := n.st.Ready(); err != nil {
		return err
	}
	if !n.quorum.Load() {
		return errUnavailable("the cluster log has no quorum", "nhật ký của cụm không đủ số nút hoạt động")
	}
	if !n.caughtUp.Load() {
		return errUnavailable("catching up with the cluster log (applied %d of %d)",
			"đang cập nhật theo nhật ký của cụm (đã áp dụng %d/%d)", n.applied.Load(), n.lastSeq.Load())
	}
	return nil
}

// Status is what a node knows of its place in the log.
type Status struct {
	Node     string `json:"node"`
	Applied  uint64 `json:"applied"`
	Last     uint64 `json:"last"`
	Leader   bool   `json:"leader"`
	Quorum   bool   `json:"quorum"`
	CaughtUp bool   `json:"caught_up"`
	// Sources are a roll-up's sources; Refused counts the sourced calls
	// its view refused.
	Sources []SourceStatus `json:"sources,omitempty"`
	Refused uint64         `json:"refused,omitempty"`
}

// Status returns the node's position in the log.
func (n *Node) Status() Status {
	return Status{Node: n.cfg.Name, Applied: n.applied.Load(), Last: n.lastSeq.Load(), Leader: n.leader.Load(),
		Quorum: n.quorum.Load(), CaughtUp: n.caughtUp.Load(), Sources: n.Sources(), Refused: n.refused.Load()}
}

// Collector exports the node's metrics (SPEC.md §9 names, prefix motcua_):
// the log's head and the applied position (their difference is the lag),
// entries applied (its rate is the apply rate), leadership, readiness.
func (n *Node) Collector() prometheus.Collector { return collector{n} }

type collector struct{ n *Node }

var (
	descLast     = prometheus.NewDesc("motcua_cluster_log_last_seq", "The last entry of the cluster log, as this node last saw it.", []string{"node"}, nil)
	descApplied  = prometheus.NewDesc("motcua_cluster_applied_seq", "The last log entry this node's view has applied.", []string{"node"}, nil)
	descLag      = prometheus.NewDesc("motcua_cluster_log_lag", "Log entries not yet applied to this node's view.", []string{"node"}, nil)
	descApplyN   = prometheus.NewDesc("motcua_cluster_applied_entries_total", "Log entries applied to this node's view since it started.", []string{"node"}, nil)
	descLeader   = prometheus.NewDesc("motcua_cluster_leader", "1 when this node leads the log stream (and proposes sweeps).", []string{"node"}, nil)
	descReady    = prometheus.NewDesc("motcua_cluster_ready", "1 when the log has a quorum and this node has caught up with it.", []string{"node"}, nil)
	descFails    = prometheus.NewDesc("motcua_cluster_apply_failures_total", "Failed attempts to apply log entries to the view.", []string{"node"}, nil)
	descProposed = prometheus.NewDesc("motcua_cluster_sweeps_proposed_total", "Sweeps this node proposed to the log.", []string{"node"}, nil)
	descSrcLag   = prometheus.NewDesc("motcua_cluster_source_lag", "A roll-up node: entries of a source's log not yet in the roll-up's stream.", []string{"node", "source"}, nil)
	descSrcSeen  = prometheus.NewDesc("motcua_cluster_source_last_active_seconds", "A roll-up node: seconds since a source was last heard from (-1: never).", []string{"node", "source"}, nil)
	descRefused  = prometheus.NewDesc("motcua_cluster_rollup_refused_total", "A roll-up node: sourced calls its view refused (its config lacks part of a province's tree, or two provinces used one event id).", []string{"node"}, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLast, descApplied, descLag, descApplyN, descLeader, descReady, descFails, descProposed, descSrcLag, descSrcSeen, descRefused} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	n := c.n
	applied, last := n.applied.Load(), n.lastSeq.Load()
	lag := 0.0
	if last > applied {
		lag = float64(last - applied)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	name := n.cfg.Name
	ch <- prometheus.MustNewConstMetric(descLast, prometheus.GaugeValue, float64(last), name)
	ch <- prometheus.MustNewConstMetric(descApplied, prometheus.GaugeValue, float64(applied), name)
	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, lag, name)
	ch <- prometheus.MustNewConstMetric(descApplyN, prometheus.CounterValue, float64(n.appliedN.Load()), name)
	ch <- prometheus.MustNewConstMetric(descLeader, prometheus.GaugeValue, b(n.leader.Load()), name)
	ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, b(n.Ready() == nil), name)
	ch <- prometheus.MustNewConstMetric(descFails, prometheus.CounterValue, float64(n.applyFails.Load()), name)
	ch <- prometheus.MustNewConstMetric(descProposed, prometheus.CounterValue, float64(n.sweeps.Load()), name)
	if !n.cfg.Rollup() {
		return
	}
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(n.refused.Load()), name)
	for _, s := range n.Sources() {
		seen := -1.0
		if s.Active >= 0 {
			seen = s.Active.Seconds()
		}
		ch <- prometheus.MustNewConstMetric(descSrcLag, prometheus.GaugeValue, float64(s.Lag), name, s.Stream)
		ch <- prometheus.MustNewConstMetric(descSrcSeen, prometheus.GaugeValue, seen, name, s.Stream)
	}
}
