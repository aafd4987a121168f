package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// Cluster mode (SPEC.md §10.5): a replicated log outside the store is the
// system of record, and each node folds it into its own Store, its view,
// with the code the single node records with. ApplyLog is that fold; the
// log's entries are Record calls (with the clock of the node that took
// them) and sweep instants. Identical entries in identical order give
// identical views, so they are comparable bucket by bucket (CompareViews).

// bucketCluster holds the position in the replicated log the view has
// applied up to (key "applied", the 8-byte big-endian log sequence). It is
// written in the transaction that applies the entries, so a view never
// applies an entry twice nor skips one.
var bucketCluster = []byte("cluster")

var keyApplied = []byte("applied")

// keyStream (in bucketCluster) names the log a view follows, and
// keyRollup marks a roll-up's view (a read-only node that folds several
// clusters' logs, sourced into one stream): both written by BindView.
var (
	keyStream = []byte("stream")
	keyRollup = []byte("rollup")
)

// ViewInfo tells what log, if any, a database is the view of.
type ViewInfo struct {
	// Stream names the log the view follows ("" for a view bound before
	// views were named, or for a single node's database).
	Stream string
	// Applied is the position in the log the view has applied up to.
	Applied uint64
	// Rollup is true for a roll-up node's view.
	Rollup bool
}

// IsView reports whether the database is a cluster view: one that has
// applied entries of a replicated log, or been bound to one.
func (v ViewInfo) IsView() bool { return v.Stream != "" || v.Applied > 0 }

// View returns what log the database is the view of.
func (s *Store) View() (ViewInfo, error) {
	var v ViewInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCluster)
		if b == nil {
			return nil
		}
		if a := b.Get(keyApplied); len(a) == 8 {
			v.Applied = binary.BigEndian.Uint64(a)
		}
		v.Stream = string(b.Get(keyStream))
		v.Rollup = b.Get(keyRollup) != nil
		return nil
	})
	return v, err
}

// BindView records that the database is the view of the log stream (a
// roll-up's if rollup), or checks that it already is: a view never follows
// two logs, whose positions would mean nothing to each other.
func (s *Store) BindView(stream string, rollup bool) error {
	if stream == "" {
		return errors.New("bind view: a stream name is required")
	}
	v, err := s.View()
	if err != nil {
		return err
	}
	kind := func(rollup bool) string {
		if rollup {
			return "a roll-up's"
		}
		return "a cluster node's"
	}
	switch {
	case v.Stream != "" && v.Stream != stream:
		return fmt.Errorf("the view %s follows the log %s, not %s; give this node a new --db", s.Path(), v.Stream, stream)
	case (v.Stream != "" || v.Applied > 0) && v.Rollup != rollup:
		return fmt.Errorf("the view %s is %s view, not %s; give this node a new --db", s.Path(), kind(v.Rollup), kind(rollup))
	case v.Stream == stream:
		return nil
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCluster)
		if err != nil {
			return fmt.Errorf("cluster bucket: %w", err)
		}
		if err := b.Put(keyStream, []byte(stream)); err != nil {
			return fmt.Errorf("bind view: %w", err)
		}
		if rollup {
			if err := b.Put(keyRollup, []byte{1}); err != nil {
				return fmt.Errorf("bind view: %w", err)
			}
		}
		return nil
	})
}

// LogEntry is one entry of the replicated log.
type LogEntry struct {
	// Seq is the entry's position in the log, counted from 1.
	Seq uint64
	// At is the clock of the node that proposed the entry: the instant a
	// Record call is judged at, or the instant of a sweep. The view judges
	// at At or at its own last instant, whichever is later, so that its
	// clock never goes back (clocks of nodes differ slightly).
	At time.Time
	// Sweep marks a sweep: re-judge what is due by At.
	Sweep bool
	// Events and Writer are a Record call's; Writer nil is the system.
	Events []counter.Event
	Writer *counter.Writer
}

// Applied is the outcome of one applied entry: the call's result, or the
// refusal (a *counter.Error) a single node would have answered.
type Applied struct {
	Seq uint64
	Res *counter.RecordResult
	Err error
}

// ErrNotClusterView is returned by AppliedSeq for a database that holds
// events but was not built from a replicated log.
var ErrNotClusterView = errors.New("the database holds events recorded outside the cluster log; give each node a view of its own (a new --db)")

// AppliedSeq returns the position in the log the view has applied up to.
func (s *Store) AppliedSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketCluster); b != nil {
			if v := b.Get(keyApplied); len(v) == 8 {
				seq = binary.BigEndian.Uint64(v)
				return nil
			}
		}
		if v := tx.Bucket(bucketMeta).Get(keySeq); v != nil && binary.BigEndian.Uint64(v) > 0 {
			return ErrNotClusterView
		}
		return nil
	})
	return seq, err
}

// PrepareEvents returns a copy of events as a node puts them in the log:
// each applicant's id number replaced by its keyed hash, as the store keeps
// it, so that the number itself is never replicated.
func (s *Store) PrepareEvents(events []counter.Event) []counter.Event {
	out := make([]counter.Event, len(events))
	for i, e := range events {
		if e.Applicant != nil && e.Applicant.IDNumber != "" {
			a := *e.Applicant
			a.IDHash = s.idHash(a.IDNumber)
			a.IDNumber = ""
			e.Applicant = &a
		}
		out[i] = e
	}
	return out
}

// ApplyLog folds entries, which must follow the applied position without a
// gap, into the view. Consecutive Record calls share one transaction (and
// its fsync); a sweep runs as the sweeper runs it. Each entry's outcome is
// returned in order; an error is a storage failure, after which the
// entries from the first unapplied one on must be applied again.
func (s *Store) ApplyLog(entries []LogEntry) ([]Applied, error) {
	out := make([]Applied, 0, len(entries))
	for len(entries) > 0 {
		n := 0
		for n < len(entries) && !entries[n].Sweep {
			n++
		}
		if n > 0 {
			res, err := s.applyCalls(entries[:n])
			if err != nil {
				return out, err
			}
			out = append(out, res...)
			entries = entries[n:]
			continue
		}
		if err := s.applySweep(entries[0]); err != nil {
			return out, err
		}
		out = append(out, Applied{Seq: entries[0].Seq})
		entries = entries[1:]
	}
	return out, nil
}

// logClock is the latest instant the view has judged at: the last sweep's
// or the last recorded event's. It is read from the view, so that a node
// rebuilding from the log computes the same clock as one that applied it
// live.
func logClock(tx *bolt.Tx) (time.Time, error) {
	var t time.Time
	if v := tx.Bucket(bucketMeta).Get(keySwept); len(v) == 8 {
		t = keyTime(v)
	}
	if _, v := tx.Bucket(bucketLog).Cursor().Last(); v != nil {
		var e struct {
			RecordedAt time.Time `json:"recorded_at"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return t, fmt.Errorf("decode last event: %w", err)
		}
		if e.RecordedAt.After(t) {
			t = e.RecordedAt
		}
	}
	return t, nil
}

func checkNext(tx *bolt.Tx, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketCluster)
	if err != nil {
		return fmt.Errorf("cluster bucket: %w", err)
	}
	var applied uint64
	if v := b.Get(keyApplied); len(v) == 8 {
		applied = binary.BigEndian.Uint64(v)
	}
	if seq != applied+1 {
		return fmt.Errorf("log entry %d does not follow the applied position %d", seq, applied)
	}
	return nil
}

func putApplied(tx *bolt.Tx, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketCluster)
	if err != nil {
		return fmt.Errorf("cluster bucket: %w", err)
	}
	if err := b.Put(keyApplied, u64(seq)); err != nil {
		return fmt.Errorf("put applied: %w", err)
	}
	return nil
}

// applyCalls records each call in its own writeTx, as replay does, all in
// one bbolt transaction, then publishes and returns the outcomes.
func (s *Store) applyCalls(entries []LogEntry) ([]Applied, error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	start := time.Now()
	out := make([]Applied, len(entries))
	var all counter.Change
	err := s.db.Update(func(tx *bolt.Tx) error {
		all = counter.Change{}
		var nodes []*counter.RollupNode
		at := map[string]int{} // agency → index in nodes: the latest tally wins
		for i, e := range entries {
			if err := checkNext(tx, e.Seq); err != nil {
				return err
			}
			out[i] = Applied{Seq: e.Seq}
			clock, err := logClock(tx)
			if err != nil {
				return err
			}
			if e.At.After(clock) {
				clock = e.At
			}
			w := newWriteTx(s, tx, clock)
			res, ch, err := w.record(e.Events, e.Writer)
			if err != nil {
				var ce *counter.Error
				if !errors.As(err, &ce) {
					return err
				}
				out[i].Err = err
			} else {
				out[i].Res = res
				all.Dossiers = append(all.Dossiers, ch.Dossiers...)
				all.Violations = append(all.Violations, ch.Violations...)
				for _, n := range w.changedNodes() {
					if j, ok := at[n.Agency]; ok {
						nodes[j] = n
						continue
					}
					at[n.Agency] = len(nodes)
					nodes = append(nodes, n)
				}
			}
			if err := w.finish(); err != nil {
				return err
			}
			if err := putApplied(tx, e.Seq); err != nil {
				return err
			}
		}
		all.Rollup = nodes
		return nil
	})
	if s.opts.OnCommit != nil {
		s.opts.OnCommit(time.Since(start))
	}
	if err != nil {
		return nil, fmt.Errorf("apply log %d–%d: %w", entries[0].Seq, entries[len(entries)-1].Seq, err)
	}
	s.publish(all)
	return out, nil
}

// applySweep sweeps everything due by the entry's instant (the later of it
// and the view's clock), then records the position. A crash between the
// two applies the sweep again at the same instant, which finds nothing
// left due and writes nothing.
func (s *Store) applySweep(e LogEntry) error {
	var clock time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		var applied uint64
		if b := tx.Bucket(bucketCluster); b != nil {
			if v := b.Get(keyApplied); len(v) == 8 {
				applied = binary.BigEndian.Uint64(v)
			}
		}
		if e.Seq != applied+1 {
			return fmt.Errorf("log entry %d does not follow the applied position %d", e.Seq, applied)
		}
		var err error
		clock, err = logClock(tx)
		return err
	})
	if err != nil {
		return err
	}
	if e.At.After(clock) {
		clock = e.At
	}
	// As SweepUntil: the shifts past their closing time end first, on
	// every node alike (the same desks, the same instant, the same ids).
	if _, err := s.closeShifts(clock); err != nil {
		return fmt.Errorf("apply sweep %d: %w", e.Seq, err)
	}
	if _, err := s.sweepChunkLoop(clock); err != nil {
		return fmt.Errorf("apply sweep %d: %w", e.Seq, err)
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error { return putApplied(tx, e.Seq) })
}

// viewBuckets are the buckets that make up a view: the log and everything
// derived from it, and the applied position. Tokens, codes and sync
// records are not part of it (in cluster mode they live in the cluster).
func viewBuckets() [][]byte {
	out := [][]byte{bucketMeta, bucketLog, bucketEventIDs, bucketBatches, bucketSweeps, bucketCluster}
	return append(out, derivedBuckets...)
}

// CompareViews lists the differences between two views' buckets, key by
// key and byte by byte, at most 100; nil when they are equal.
func CompareViews(a, b *Store) ([]Difference, error) {
	var out []Difference
	err := a.db.View(func(ta *bolt.Tx) error {
		return b.db.View(func(tb *bolt.Tx) error {
			out = compareBuckets(ta, tb, viewBuckets())
			return nil
		})
	})
	return out, err
}

// CompareViewFiles compares the views in two database files, opened read
// only (for nodes that are stopped).
func CompareViewFiles(pathA, pathB string) ([]Difference, error) {
	open := func(p string) (*bolt.DB, error) {
		db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		return db, nil
	}
	da, err := open(pathA)
	if err != nil {
		return nil, err
	}
	defer da.Close()
	db, err := open(pathB)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []Difference
	err = da.View(func(ta *bolt.Tx) error {
		return db.View(func(tb *bolt.Tx) error {
			out = compareBuckets(ta, tb, viewBuckets())
			return nil
		})
	})
	return out, err
}

// compareBuckets is compare over the named buckets, a missing bucket
// reading as empty.
func compareBuckets(a, b *bolt.Tx, names [][]byte) []Difference {
	var out []Difference
	for _, name := range names {
		ba, bb := a.Bucket(name), b.Bucket(name)
		next := func(bk *bolt.Bucket) func(bool) ([]byte, []byte) {
			if bk == nil {
				return func(bool) ([]byte, []byte) { return nil, nil }
			}
			c := bk.Cursor()
			return func(first bool) ([]byte, []byte) {
				if first {
					return c.First()
				}
				return c.Next()
			}
		}
		na, nb := next(ba), next(bb)
		ka, va := na(true)
		kb, vb := nb(true)
		for (ka != nil || kb != nil) && len(out) < 100 {
			switch c := bytes.Compare(ka, kb); {
			case kb == nil || (ka != nil && c < 0):
				out = append(out, Difference{Bucket: string(name), Key: printable(ka), Stored: string(va), Rebuilt: "(none)"})
				ka, va = na(false)
			case ka == nil || c > 0:
				out = append(out, Difference{Bucket: string(name), Key: printable(kb), Stored: "(none)", Rebuilt: string(vb)})
				kb, vb = nb(false)
			default:
				if !bytes.Equal(va, vb) {
					out = append(out, Difference{Bucket: string(name), Key: printable(ka), Stored: string(va), Rebuilt: string(vb)})
				}
				ka, va = na(false)
				kb, vb = nb(false)
			}
		}
	}
	return out
}

// HasDossier reports whether the view holds a dossier with code.
func (s *Store) HasDossier(code string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketDossiers).Get([]byte(code)) != nil
		return nil
	})
	return ok, err
}
