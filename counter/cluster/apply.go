package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// Bounds of the write path.
const (
	// applyBatch bounds the log entries one view transaction applies.
	applyBatch = 256
	// publishTimeout bounds the wait for JetStream to store a call on a
	// quorum, retries included (a leader election takes a few seconds).
	publishTimeout = 20 * time.Second
	// applyTimeout bounds the wait for this node's view to apply a call
	// that the log holds.
	applyTimeout = 30 * time.Second
)

// entry is one log message.
type entry struct {
	Kind   string          `json:"kind"` // "record" or "sweep"
	Node   string          `json:"node,omitempty"`
	Req    string          `json:"req,omitempty"`
	At     time.Time       `json:"at"`
	Due    time.Time       `json:"due,omitzero"` // a sweep's first due instant
	Writer *counter.Writer `json:"writer,omitempty"`
	Events []counter.Event `json:"events,omitempty"`
}

const (
	kindRecord = "record"
	kindSweep  = "sweep"
)

func errUnavailable(en, vi string, args ...any) error {
	return counter.Errorf(counter.CodeUnavailable, "", en, vi, args...)
}

// ErrReadOnly returns the refusal of a write to a roll-up node (403
// read_only_node): it folds the provinces' logs and writes none.
func ErrReadOnly() error {
	return counter.Errorf(counter.CodeReadOnlyNode, "",
		"this is a read-only roll-up node: write to the province's own nodes",
		"đây là nút tổng hợp chỉ đọc: hãy ghi vào các nút của tỉnh")
}

// Attach makes st this node's view and starts applying the log to it from
// the position st has applied, proposing sweeps and watching the log.
func (n *Node) Attach(st *store.Store) error {
	applied, err := st.AppliedSeq()
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", st.Path(), err)
	}
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
	defer cancel()
	info, err := n.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("cluster: stream %s: %w", n.cfg.Stream, err)
	}
	if applied > info.State.LastSeq {
		return fmt.Errorf("cluster: the view %s has applied %d entries but the log %s holds %d: it belongs to another cluster; start this node with a new --db",
			st.Path(), applied, n.cfg.Stream, info.State.LastSeq)
	}
	if err := st.BindView(n.cfg.Stream, n.cfg.Rollup()); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.st = st
	n.applied.Store(applied)
	n.lastSeq.Store(info.State.LastSeq)
	n.log.Info("cluster view attached", "db", st.Path(), "applied", applied, "log", info.State.LastSeq)
	msgs := make(chan jetstream.Msg, 4*applyBatch)
	n.wg.Add(3)
	go func() { defer n.wg.Done(); n.fetch(applied+1, msgs) }()
	go func() { defer n.wg.Done(); n.apply(msgs) }()
	go func() { defer n.wg.Done(); n.watch() }()
	if !n.cfg.Rollup() && !n.cfg.Tool {
		// A roll-up judges at the sweeps its sources proposed; a tool
		// leaves sweeps to the serving nodes.
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.proposeSweeps() }()
	}
	return nil
}

// fetch reads the log in order from seq on into out, through an ordered
// consumer that JetStream recreates when a server fails.
func (n *Node) fetch(from uint64, out chan<- jetstream.Msg) {
	for n.ctx.Err() == nil {
		cons, err := n.js.OrderedConsumer(n.ctx, n.cfg.Stream, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from})
		if err != nil {
			n.log.Warn("cannot read the log; retrying", "from", from, "err", err)
			n.sleep(time.Second)
			continue
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(4 * applyBatch))
		if err != nil {
			n.log.Warn("cannot read the log; retrying", "from", from, "err", err)
			n.sleep(time.Second)
			continue
		}
		stop := context.AfterFunc(n.ctx, it.Stop)
		for {
			msg, err := it.Next()
			if err != nil {
				if n.ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					n.log.Warn("reading the log failed; resuming", "from", from, "err", err)
				}
				break
			}
			md, err := msg.Metadata()
			if err != nil {
				n.log.Warn("log message without metadata", "err", err)
				continue
			}
			seq := md.Sequence.Stream
			if seq < from {
				continue // delivered again after a reset
			}
			if seq > from {
				n.log.Error("gap in the log; reading again", "want", from, "got", seq)
				break
			}
			select {
			case out <- msg:
			case <-n.ctx.Done():
				stop()
				it.Stop()
				return
			}
			from = seq + 1
		}
		stop()
		it.Stop()
		n.sleep(100 * time.Millisecond)
	}
}

// apply folds the messages into the view, a batch per transaction, and
// hands each of this node's calls its outcome.
func (n *Node) apply(in <-chan jetstream.Msg) {
	backoff := 100 * time.Millisecond
	for {
		var first jetstream.Msg
		select {
		case first = <-in:
		case <-n.ctx.Done():
			return
		}
		batch := []jetstream.Msg{first}
	fill:
		for len(batch) < applyBatch {
			select {
			case m := <-in:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		entries := make([]store.LogEntry, len(batch))
		heads := make([]entry, len(batch))
		for i, m := range batch {
			md, _ := m.Metadata() // checked by fetch
			entries[i].Seq = md.Sequence.Stream
			var e entry
			if err := json.Unmarshal(m.Data(), &e); err != nil {
				// Every node skips it alike: it changes nothing.
				n.log.Error("undecodable log entry skipped", "seq", md.Sequence.Stream, "err", err)
				continue
			}
			heads[i] = entry{Node: e.Node, Req: e.Req}
			entries[i].At = e.At
			switch e.Kind {
			case kindSweep:
				entries[i].Sweep = true
			case kindRecord:
				entries[i].Events, entries[i].Writer = e.Events, e.Writer
			default:
				n.log.Error("log entry of unknown kind skipped", "seq", md.Sequence.Stream, "kind", e.Kind)
			}
		}
		for len(entries) > 0 {
			out, err := n.st.ApplyLog(entries)
			n.delivered(out, heads)
			if err == nil {
				backoff = 100 * time.Millisecond
				break
			}
			entries, heads = entries[len(out):], heads[len(out):]
			n.applyFails.Add(1)
			n.log.Error("applying the log failed; retrying", "seq", entries[0].Seq, "err", err, "retry_in", backoff)
			if !n.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, 30*time.Second)
		}
	}
}

// delivered records the applied position and answers the waiting calls.
func (n *Node) delivered(out []store.Applied, heads []entry) {
	if len(out) == 0 {
		return
	}
	for i, a := range out {
		if a.Err != nil && n.cfg.Rollup() {
			// A province accepted it (or refused it too); the roll-up's
			// view refusing it means the roll-up's config lacks part of
			// the province's tree, or two provinces used one event id.
			n.refused.Add(1)
			n.log.Warn("a sourced call is refused by the roll-up's view", "seq", a.Seq, "err", a.Err)
		}
		if heads[i].Node != n.cfg.Name || heads[i].Req == "" {
			continue
		}
		if ch, ok := n.waiters.Load(heads[i].Req); ok {
			select {
			case ch.(chan store.Applied) <- a:
			default:
			}
		}
	}
	n.appliedN.Add(uint64(len(out)))
	n.appliedMu.Lock()
	n.applied.Store(out[len(out)-1].Seq)
	close(n.appliedCh)
	n.appliedCh = make(chan struct{})
	n.appliedMu.Unlock()
}

// waitApplied waits until the view has applied the log up to seq.
func (n *Node) waitApplied(ctx context.Context, seq uint64) error {
	for {
		n.appliedMu.Lock()
		ch := n.appliedCh
		done := n.applied.Load() >= seq
		n.appliedMu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.ctx.Done():
			return store.ErrClosed
		}
	}
}

func (n *Node) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

// Record implements counter.Ledger in cluster mode: the call goes into the
// log (stored on a quorum), and the answer is the outcome of this node's
// view applying it, the same as a single node's.
func (n *Node) Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
	if len(events) == 0 {
		return nil, counter.Errorf(counter.CodeInvalid, "events", "no events", "không có sự kiện nào")
	}
	if n.cfg.Rollup() {
		return nil, ErrReadOnly()
	}
	if len(events) > counter.MaxEventsPerBatch {
		return nil, counter.Errorf(counter.CodeTooManyEvents, "events", "at most %d events per request",
			"tối đa %d sự kiện mỗi yêu cầu", counter.MaxEventsPerBatch)
	}
	if n.closed.Load() || n.st == nil {
		return nil, store.ErrClosed
	}
	e := entry{Kind: kindRecord, Node: n.cfg.Name, Req: nuid.Next(), At: n.cfg.Now(), Events: n.st.PrepareEvents(events)}
	if w, ok := counter.WriterFrom(ctx); ok {
		e.Writer = &w
	}
	id, err := callID(e.Writer, e.Events)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("cluster: encode call: %w", err)
	}
	ch := make(chan store.Applied, 1)
	n.waiters.Store(e.Req, ch)
	defer n.waiters.Delete(e.Req)

	ack, err := n.publish(ctx, data, id)
	if err != nil {
		n.log.Warn("write not stored on a quorum", "err", err)
		return nil, errUnavailable("the cluster could not store the write (no quorum); retry it",
			"cụm máy chủ chưa lưu được bản ghi (không đủ số nút); hãy gửi lại")
	}
	wait, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	if ack.Duplicate {
		// The same call is already in the log: ours from an attempt whose
		// acknowledgement was lost, or another client's. Ours is answered
		// by the apply; another's is logged again as our own, so that this
		// call is judged (a retry of stored events is answered as one).
		if err := n.waitApplied(wait, ack.Sequence); err != nil {
			return nil, n.notApplied(err)
		}
		select {
		case a := <-ch:
			return a.Res, a.Err
		default:
		}
		if ack, err = n.publish(ctx, data, id+"."+e.Req); err != nil {
			return nil, errUnavailable("the cluster could not store the write (no quorum); retry it",
				"cụm máy chủ chưa lưu được bản ghi (không đủ số nút); hãy gửi lại")
		}
	}
	select {
	case a := <-ch:
		return a.Res, a.Err
	case <-wait.Done():
		return nil, n.notApplied(wait.Err())
	case <-n.ctx.Done():
		return nil, store.ErrClosed
	}
}

func (n *Node) notApplied(err error) error {
	if errors.Is(err, store.ErrClosed) {
		return store.ErrClosed
	}
	n.log.Warn("write stored but not yet applied here", "err", err, "applied", n.applied.Load(), "log", n.lastSeq.Load())
	return errUnavailable("the write is stored in the cluster log but this node has not applied it yet; retrying it is safe",
		"bản ghi đã vào nhật ký của cụm nhưng máy chủ này chưa cập nhật; gửi lại là an toàn")
}

// publish stores data in the log under the message id, retrying through
// leader elections: a retry of a stored message is a duplicate, not a
// second entry.
func (n *Node) publish(ctx context.Context, data []byte, id string) (*jetstream.PubAck, error) {
	deadline := time.Now().Add(publishTimeout)
	wait := 50 * time.Millisecond
	for {
		try, cancel := context.WithTimeout(ctx, 4*time.Second)
		ack, err := n.js.Publish(try, n.subject, data, jetstream.WithMsgID(id), jetstream.WithExpectStream(n.cfg.Stream))
		cancel()
		if err == nil {
			return ack, nil
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) || n.ctx.Err() != nil {
			return nil, err
		}
		n.log.Debug("publish failed; retrying", "err", err)
		if !n.sleep(wait) {
			return nil, err
		}
		wait = min(2*wait, time.Second)
	}
}

// callID is the message id of a call: the hash of what it asks.
func callID(w *counter.Writer, events []counter.Event) (string, error) {
	b, err := json.Marshal(struct {
		W *counter.Writer `json:"w"`
		E []counter.Event `json:"e"`
	}{w, events})
	if err != nil {
		return "", fmt.Errorf("cluster: encode call: %w", err)
	}
	sum := sha256.Sum256(b)
	return "call-" + hex.EncodeToString(sum[:16]), nil
}

// Ledger is the view as the API sees it: reads from the view, writes
// through the log.
type Ledger struct {
	*store.Store
	node *Node
}

// Ledger returns the cluster ledger of the attached view.
func (n *Node) Ledger() *Ledger { return &Ledger{Store: n.st, node: n} }

// Record records through the log (Node.Record).
func (l *Ledger) Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
	return l.node.Record(ctx, events)
}

// NextDossierCode issues codes cluster-wide (Node.NextDossierCode).
func (l *Ledger) NextDossierCode(prefix string, now time.Time) (string, error) {
	return l.node.NextDossierCode(prefix, now)
}
