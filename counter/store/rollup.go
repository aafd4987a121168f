package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// tally is how the store keeps counter.Tally.
type tally = counter.Tally

func dayKey(agency string, t time.Time, loc *time.Location) string {
	y, m, d := t.In(loc).Date()
	n := y*10000 + int(m)*100 + d
	return agency + "\x00" + strconv.Itoa(n)
}

func (w *writeTx) tally(agency string) (*tally, error) {
	if t, ok := w.tallies[agency]; ok {
		return t, nil
	}
	t := &tally{}
	if b := w.tx.Bucket(bucketRollup).Get([]byte(agency)); b != nil {
		if err := json.Unmarshal(b, t); err != nil {
			return nil, fmt.Errorf("decode rollup %s: %w", agency, err)
		}
	}
	w.tallies[agency] = t
	return t, nil
}

func (w *writeTx) day(key string) (*tally, error) {
	if t, ok := w.days[key]; ok {
		return t, nil
	}
	t := &tally{}
	if b := w.tx.Bucket(bucketRollupDay).Get([]byte(key)); b != nil {
		if err := json.Unmarshal(b, t); err != nil {
			return nil, fmt.Errorf("decode rollup day: %w", err)
		}
	}
	w.days[key] = t
	return t, nil
}

// applyRollup adds a judgement's roll-up deltas to the transaction's
// tallies and its moves to the open-dossier counts by holder and state.
func (w *writeTx) applyRollup(r counter.RollupDelta, clocks map[counter.ClockKey]int) error {
	for k, d := range r {
		var t *tally
		var err error
		if k.Day == 0 {
			t, err = w.tally(k.Agency)
		} else {
			t, err = w.day(k.Agency + "\x00" + counter.DayString(k.Day))
		}
		if err != nil {
			return err
		}
		t.Add(d)
		w.touched[k.Agency] = true
	}
	if err := w.scoreRollup(r); err != nil {
		return err
	}
	for k, n := range clocks {
		w.clocks[k.Holder+"\x00"+k.State] += int64(n)
	}
	return nil
}

func (w *writeTx) flushTallies() error {
	rb := w.tx.Bucket(bucketRollup)
	for a, t := range w.tallies {
		if !w.touched[a] {
			continue
		}
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode rollup: %w", err)
		}
		if err := rb.Put([]byte(a), b); err != nil {
			return fmt.Errorf("put rollup: %w", err)
		}
	}
	db := w.tx.Bucket(bucketRollupDay)
	for k, t := range w.days {
		if t.Zero() {
			// A day a late event emptied holds nothing, as if never counted.
			if err := db.Delete([]byte(k)); err != nil {
				return fmt.Errorf("put rollup day: %w", err)
			}
			continue
		}
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode rollup day: %w", err)
		}
		if err := db.Put([]byte(k), b); err != nil {
			return fmt.Errorf("put rollup day: %w", err)
		}
	}
	if err := w.flushScoreDays(); err != nil {
		return err
	}
	cb := w.tx.Bucket(bucketClocks)
	for k, d := range w.clocks {
		if d == 0 {
			continue
		}
		var n int64
		if v := cb.Get([]byte(k)); v != nil {
			n = int64(beUint(v))
		}
		n += d
		if n <= 0 {
			if err := cb.Delete([]byte(k)); err != nil {
				return fmt.Errorf("put clock count: %w", err)
			}
			continue
		}
		if err := cb.Put([]byte(k), u64(uint64(n))); err != nil {
			return fmt.Errorf("put clock count: %w", err)
		}
	}
	return nil
}

// changedNodes returns the roll-up nodes this tx touched, without children.
func (w *writeTx) changedNodes() []*counter.RollupNode {
	var out []*counter.RollupNode
	for _, id := range w.cfg.Subtree(w.cfg.Root.ID) {
		if w.touched[id] {
			out = append(out, node(w.cfg.Agency(id), w.tallies[id]))
		}
	}
	return out
}

func node(a *counter.Agency, t *tally) *counter.RollupNode {
	if t == nil {
		t = &tally{}
	}
	n := &counter.RollupNode{Agency: a.ID, Name: a.Name, Level: a.Level, Head: a.Head,
		Direct: map[string]int{}, Total: map[string]int{},
		Received: t.Received, Finished: t.Finished, OnTime: t.OnTime, OverdueOpen: t.OverdueOpen}
	for k, v := range t.Direct {
		n.Direct[k] = v
	}
	for k, v := range t.Total {
		n.Total[k] = v
	}
	if t.Finished > 0 {
		r := float64(t.OnTime) / float64(t.Finished)
		n.OnTimeRate = &r
	}
	return n
}

// Rollup implements counter.Ledger. Without a period it reads each node's
// all-time counters; with one it sums the per-day counters of the local days
// from from's to to's (inclusive). OverdueOpen is always the current count.
func (s *Store) Rollup(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error) {
	root := s.cfg.Agency(agency)
	if root == nil {
		return nil, counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", agency)
	}
	loc := s.cfg.Calendar.Location
	var out *counter.RollupNode
	err := s.db.View(func(tx *bolt.Tx) error {
		var build func(a *counter.Agency) (*counter.RollupNode, error)
		build = func(a *counter.Agency) (*counter.RollupNode, error) {
			all := &tally{}
			if b := tx.Bucket(bucketRollup).Get([]byte(a.ID)); b != nil {
				if err := json.Unmarshal(b, all); err != nil {
					return nil, fmt.Errorf("decode rollup %s: %w", a.ID, err)
				}
			}
			t := all
			if !from.IsZero() || !to.IsZero() {
				t = &tally{OverdueOpen: all.OverdueOpen}
				lo := []byte(a.ID + "\x00")
				if !from.IsZero() {
					lo = []byte(dayKey(a.ID, from, loc))
				}
				prefix := []byte(a.ID + "\x00")
				var hi []byte
				if !to.IsZero() {
					hi = []byte(dayKey(a.ID, to, loc))
				}
				c := tx.Bucket(bucketRollupDay).Cursor()
				for k, v := c.Seek(lo); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
					if hi != nil && bytes.Compare(k, hi) > 0 {
						break
					}
					var d tally
					if err := json.Unmarshal(v, &d); err != nil {
						return nil, fmt.Errorf("decode rollup day: %w", err)
					}
					t.Add(&d)
				}
			}
			n := node(a, t)
			for _, ch := range a.Children {
				cn, err := build(ch)
				if err != nil {
					return nil, err
				}
				n.Children = append(n.Children, cn)
			}
			return n, nil
		}
		var err error
		out, err = build(root)
		return err
	})
	return out, err
}

// OpenCounts returns the number of unfinished dossiers per holder agency
// and clock state, as of each dossier's last evaluation.
func (s *Store) OpenCounts() (map[[2]string]int, error) {
	out := map[[2]string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketClocks).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return nil
			}
			out[[2]string{string(k[:i]), string(k[i+1:])}] = int(beUint(v))
			return nil
		})
	})
	return out, err
}
