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

// tally is the roll-up counters of one agency, all time or for one day.
// Direct counts violations charged to the agency, Total those charged to it
// or any descendant; Received, Finished and OnTime count its subtree's
// dossiers; OverdueOpen is kept all-time only.
type tally struct {
	Direct      map[string]int `json:"d,omitempty"`
	Total       map[string]int `json:"t,omitempty"`
	Received    int            `json:"r,omitempty"`
	Finished    int            `json:"f,omitempty"`
	OnTime      int            `json:"o,omitempty"`
	OverdueOpen int            `json:"od,omitempty"`
}

func (t *tally) add(o *tally) {
	for k, v := range o.Direct {
		if t.Direct == nil {
			t.Direct = map[string]int{}
		}
		t.Direct[k] += v
	}
	for k, v := range o.Total {
		if t.Total == nil {
			t.Total = map[string]int{}
		}
		t.Total[k] += v
	}
	t.Received += o.Received
	t.Finished += o.Finished
	t.OnTime += o.OnTime
	t.OverdueOpen += o.OverdueOpen
}

func bump(m *map[string]int, k string, d int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k] += d
	if (*m)[k] == 0 {
		delete(*m, k)
	}
}

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

// each applies f to the all-time tally and the tally of the day of at, for
// every agency in chain.
func (w *writeTx) each(chain []string, at time.Time, f func(a string, t *tally)) error {
	for _, a := range chain {
		t, err := w.tally(a)
		if err != nil {
			return err
		}
		f(a, t)
		dt, err := w.day(dayKey(a, at, w.cfg.Calendar.Location))
		if err != nil {
			return err
		}
		f(a, dt)
		w.touched[a] = true
	}
	return nil
}

// countViolation adds (sign +1) or removes (-1) v from the roll-up.
func (w *writeTx) countViolation(v *counter.Violation, sign int) error {
	return w.each(w.cfg.Ancestors(v.Agency), v.OccurredAt, func(a string, t *tally) {
		if a == v.Agency {
			bump(&t.Direct, v.Code, sign)
		}
		bump(&t.Total, v.Code, sign)
	})
}

// countOverdueOpen moves the open-overdue count of v's chain by sign.
func (w *writeTx) countOverdueOpen(v *counter.Violation, sign int) error {
	for _, a := range w.cfg.Ancestors(v.Agency) {
		t, err := w.tally(a)
		if err != nil {
			return err
		}
		t.OverdueOpen += sign
		w.touched[a] = true
	}
	return nil
}

func openOverdue(v *counter.Violation) bool {
	return v != nil && v.Code == counter.VOverdue && v.Status == counter.StatusOpen
}

// countDossier updates received/finished/on-time counters and the open
// clock-state counts for a dossier moving from old to nd.
func (w *writeTx) countDossier(old, nd *counter.Dossier) {
	if nd.ReceivedAt != nil && (old == nil || old.ReceivedAt == nil) {
		_ = w.each(w.cfg.Ancestors(nd.Agency), *nd.ReceivedAt, func(_ string, t *tally) { t.Received++ })
	}
	if nd.FinishedAt != nil && nd.ReceivedAt != nil && (old == nil || old.FinishedAt == nil) {
		chain := union(w.cfg.Ancestors(nd.Agency), w.cfg.Ancestors(nd.Holder))
		onTime := nd.OnTime()
		_ = w.each(chain, *nd.FinishedAt, func(_ string, t *tally) {
			t.Finished++
			if onTime {
				t.OnTime++
			}
		})
	}
	if old != nil && openState(old.Clock.State) {
		w.clocks[old.Holder+"\x00"+old.Clock.State]--
	}
	if openState(nd.Clock.State) {
		w.clocks[nd.Holder+"\x00"+nd.Clock.State]++
	}
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		found := false
		for _, y := range a {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

// openState reports whether a clock state belongs to an unfinished dossier.
func openState(s string) bool {
	switch s {
	case counter.ClockIntake, counter.ClockOnTrack, counter.ClockWarning, counter.ClockDueToday,
		counter.ClockOverdue, counter.ClockPaused:
		return true
	}
	return false
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
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode rollup day: %w", err)
		}
		if err := db.Put([]byte(k), b); err != nil {
			return fmt.Errorf("put rollup day: %w", err)
		}
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
					t.add(&d)
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
