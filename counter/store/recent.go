package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The time indexes idx_agency and idx_violations are kept in two parts:
// their own buckets, keyed agency 0 instant ‖ name, and idx_recent, which
// takes every change to either in the order it is made, keyed
// seq ‖ n (the log's seq when the change was made, and a count within it).
//
// A commit of a few dozen events touches a few dozen agencies' ranges, and
// bbolt writes a page for each (and the branch pages above them): about
// two thirds of the pages a commit wrote before this split. idx_recent
// grows at its end instead, so a commit writes one or two of its pages.
// Once the log has passed a multiple of the span, the changes made before
// that multiple are moved into the indexes in the order they were made,
// a 32nd of the agencies at a time (recentDue), so each agency's range
// is written once per span instead of once per commit.
//
// What a commit moves depends only on the log's seq at its end, so replay
// (which commits differently) builds the same buckets byte for byte. The
// readers merge an agency's range with its recent changes (indexWalk).
var (
	bucketRecent  = []byte("idx_recent")
	keyRecentLast = []byte("recent_last") // meta: the last idx_recent key written
)

// defaultRecentSpan is how many events' changes idx_recent gathers before
// they are moved: readers scan idx_recent whole, and it holds up to two
// spans' changes, so it is kept to a few thousand events.
const defaultRecentSpan = 4096

const (
	recentPut byte = '+'
	recentDel byte = '-'
)

// recentTag names the index a change of idx_recent is to.
func recentTag(index []byte) byte {
	if bytes.Equal(index, bucketViolIdx) {
		return 'v'
	}
	return 'd'
}

func recentIndex(tag byte) []byte {
	if tag == 'v' {
		return bucketViolIdx
	}
	return bucketAgencyIdx
}

// changeIndex records that key is put into (op recentPut) or deleted from
// (recentDel) the time index named index.
func (w *writeTx) changeIndex(index []byte, op byte, key []byte) error {
	if !w.recentRead {
		if v := w.tx.Bucket(bucketMeta).Get(keyRecentLast); len(v) == 12 {
			w.recentSeq, w.recentN, w.recentAny = binary.BigEndian.Uint64(v), binary.BigEndian.Uint32(v[8:]), true
		}
		w.recentRead = true
	}
	n := uint32(0)
	if w.recentAny && w.recentSeq == w.seq {
		n = w.recentN + 1
	}
	w.recentSeq, w.recentN, w.recentAny, w.recentDirty = w.seq, n, true, true
	k := make([]byte, 13)
	k[0] = byte(recentSlot(key))
	binary.BigEndian.PutUint64(k[1:], w.seq)
	binary.BigEndian.PutUint32(k[9:], n)
	v := make([]byte, 0, 2+len(key))
	v = append(append(v, recentTag(index), op), key...)
	if err := w.tx.Bucket(bucketRecent).Put(k, v); err != nil {
		return fmt.Errorf("index change: %w", err)
	}
	return nil
}

// finishRecent keeps the last idx_recent key and moves into the indexes
// the changes whose time has come (moveRecent).
func (w *writeTx) finishRecent() error {
	if w.recentDirty {
		v := make([]byte, 12)
		binary.BigEndian.PutUint64(v, w.recentSeq)
		binary.BigEndian.PutUint32(v[8:], w.recentN)
		if err := w.tx.Bucket(bucketMeta).Put(keyRecentLast, v); err != nil {
			return fmt.Errorf("put recent_last: %w", err)
		}
	}
	return moveRecent(w.tx, w.seq, uint64(w.s.recentSpan()))
}

// recentSlots spreads a span's moves over as many steps: an agency's
// changes are moved together, but not every agency's in one commit, which
// would hold up the writer for a span's worth of pages at once. idx_recent
// keys begin with the slot, so a step removes a run of keys, and a reader
// reads only its agency's slot.
const recentSlots = 32

// recentSlot is the step of key's agency.
func recentSlot(key []byte) uint64 {
	h := uint64(14695981039346656037) // FNV-1a of the agency
	for _, c := range key {
		if c == 0 {
			break
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h % recentSlots
}

// recentDue is the seq at which a change made at seq s to key is moved:
// the next multiple of the span after s, and its slot's share of a span
// after that.
func recentDue(s uint64, key []byte, span uint64) uint64 {
	return (s/span+1)*span + recentSlot(key)*span/recentSlots
}

// moveRecent applies to the indexes the idx_recent changes due by seq to
// (recentDue), and removes them: in each slot, those made before the last
// multiple of the span that its share of a span after it has passed.
// Which changes have been moved depends on to alone, so a replay that
// commits differently builds the same buckets.
func moveRecent(tx *bolt.Tx, to, span uint64) error {
	rb := tx.Bucket(bucketRecent)
	c := rb.Cursor()
	type change struct {
		k, v []byte
	}
	var moved []change
	for slot := uint64(0); slot < recentSlots; slot++ {
		off := slot * span / recentSlots
		if to < off {
			continue
		}
		limit := (to - off) / span * span
		for k, v := c.Seek([]byte{byte(slot)}); k != nil && k[0] == byte(slot) && binary.BigEndian.Uint64(k[1:]) < limit; k, v = c.Next() {
			if len(v) < 2 {
				return fmt.Errorf("idx_recent %x: value of %d bytes", k, len(v))
			}
			moved = append(moved, change{cp(k), cp(v)})
		}
	}
	// Applied in key order, each key's changes in the order made: the
	// indexes' pages are then visited once each, in turn.
	slices.SortStableFunc(moved, func(a, b change) int {
		if a.v[0] != b.v[0] {
			return int(a.v[0]) - int(b.v[0])
		}
		return bytes.Compare(a.v[2:], b.v[2:])
	})
	for _, m := range moved {
		ib := tx.Bucket(recentIndex(m.v[0]))
		var err error
		if m.v[1] == recentDel {
			err = ib.Delete(m.v[2:])
		} else {
			err = ib.Put(m.v[2:], nil)
		}
		if err != nil {
			return fmt.Errorf("move index change %x: %w", m.k, err)
		}
	}
	for _, m := range moved {
		if err := rb.Delete(m.k); err != nil {
			return fmt.Errorf("move index change %x: %w", m.k, err)
		}
	}
	return nil
}

// recentSpan is the span the store moves idx_recent by.
func (s *Store) recentSpan() int {
	if s.opts.RecentSpan > 0 {
		return s.opts.RecentSpan
	}
	return defaultRecentSpan
}

// indexWalk walks one agency's range of a time index (keys prefix ‖
// instant ‖ name) as the index and its recent changes make it up
// together, in one direction.
type indexWalk struct {
	c      *bolt.Cursor
	prefix []byte
	back   bool
	over   map[string]bool // keys a recent change put (true) or deleted: their index entries are skipped
	puts   [][]byte        // the recent puts within the walk's bounds, in walk order
	mk     []byte          // the index's next key, nil past the range
	pi     int
}

// walkNewest walks the keys of index with prefix (agency 0) newest first,
// from the newest that lies before after (a key's rest, exclusive) and at
// or before to (zero: no bound).
func walkNewest(tx *bolt.Tx, index, prefix []byte, to time.Time, after []byte) *indexWalk {
	w := newIndexWalk(tx, index, prefix, true)
	w.mk = newestFirst(w.c, prefix, to, after)
	bound := newestBound(prefix, to, after)
	w.puts = slices.DeleteFunc(w.puts, func(k []byte) bool { return bytes.Compare(k, bound) >= 0 })
	slices.Reverse(w.puts)
	return w
}

// walkOldest walks the keys of index with prefix oldest first, from just
// after the key after (a whole key; nil: from the range's start).
func walkOldest(tx *bolt.Tx, index, prefix, after []byte) *indexWalk {
	w := newIndexWalk(tx, index, prefix, false)
	var k []byte
	if after == nil {
		k, _ = w.c.Seek(prefix)
	} else if k, _ = w.c.Seek(after); bytes.Equal(k, after) {
		k, _ = w.c.Next()
	}
	w.mk = w.inRange(k)
	if after != nil {
		w.puts = slices.DeleteFunc(w.puts, func(k []byte) bool { return bytes.Compare(k, after) <= 0 })
	}
	return w
}

func newIndexWalk(tx *bolt.Tx, index, prefix []byte, back bool) *indexWalk {
	w := &indexWalk{c: tx.Bucket(index).Cursor(), prefix: prefix, back: back, over: map[string]bool{}}
	tag := recentTag(index)
	slot := byte(recentSlot(prefix))
	rc := tx.Bucket(bucketRecent).Cursor()
	for k, v := rc.Seek([]byte{slot}); k != nil && k[0] == slot; k, v = rc.Next() {
		if len(v) >= 2 && v[0] == tag && bytes.HasPrefix(v[2:], prefix) {
			w.over[string(v[2:])] = v[1] == recentPut
		}
	}
	for k, put := range w.over {
		if put {
			w.puts = append(w.puts, []byte(k))
		}
	}
	slices.SortFunc(w.puts, bytes.Compare)
	return w
}

func (w *indexWalk) inRange(k []byte) []byte {
	if k == nil || !bytes.HasPrefix(k, w.prefix) {
		return nil
	}
	return k
}

func (w *indexWalk) step() []byte {
	var k []byte
	if w.back {
		k, _ = w.c.Prev()
	} else {
		k, _ = w.c.Next()
	}
	return w.inRange(k)
}

// next returns the walk's next key, nil at its end. A key is valid for
// the life of the transaction.
func (w *indexWalk) next() []byte {
	for w.mk != nil {
		if _, ok := w.over[string(w.mk)]; !ok {
			break
		}
		w.mk = w.step()
	}
	var pk []byte
	if w.pi < len(w.puts) {
		pk = w.puts[w.pi]
	}
	switch {
	case w.mk == nil && pk == nil:
		return nil
	case w.mk == nil, pk != nil && (bytes.Compare(pk, w.mk) > 0) == w.back:
		w.pi++
		return pk
	}
	k := w.mk
	w.mk = w.step()
	return k
}

// forRecent calls f with each put that idx_recent holds for index, as
// its whole key, and whether a later change deleted it.
func forRecent(tx *bolt.Tx, index []byte, f func(key []byte, put bool)) {
	tag := recentTag(index)
	c := tx.Bucket(bucketRecent).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) >= 2 && v[0] == tag {
			f(v[2:], v[1] == recentPut)
		}
	}
}
