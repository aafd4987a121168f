package store

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua/counter"
)

// defaultLogCacheSize is how many decoded log entries a store keeps (a few
// hundred bytes to a kilobyte each). Kept small: every entry held is heap
// the garbage collector marks again and again (32768 of them, filled with
// every entry written, tripled its share of the server's CPU under load).
const defaultLogCacheSize = 4096

// logCache keeps decoded entries of the committed log by seq, so that the
// history of a dossier that changes again is not decoded from JSON again
// (most of the cost of settling a dossier with a few events). Committed
// entries never change (the log is append-only), so an entry is right for
// as long as the store is open; entries of a transaction not yet
// committed are kept by the transaction alone (writeTx.logged), since a
// rolled-back transaction's seqs are written again by the next one.
// Callers get clones (counter.Event.Clone).
type logCache struct {
	mu  sync.Mutex
	max int
	m   map[uint64]*counter.Event
}

func newLogCache(max int) *logCache {
	return &logCache{max: max, m: make(map[uint64]*counter.Event)}
}

func (c *logCache) get(seq uint64) (*counter.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[seq]
	return e, ok
}

// put keeps e; when full, it first forgets an eighth of what it holds, in
// the map's own (random) order.
func (c *logCache) put(seq uint64, e *counter.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		drop := max(1, c.max/8)
		for k := range c.m {
			delete(c.m, k)
			if drop--; drop == 0 {
				break
			}
		}
	}
	c.m[seq] = e
}

// asLogged returns e as decoding its log entry gives it back, without
// decoding: encodeEvent writes e (Hash cleared) as JSON, whose omitempty
// turns an empty slice into none, and each instant comes back as
// time.Time's own JSON methods give it (zone and all). ok is false when
// e holds text that is not UTF-8 (JSON would rewrite it): decode then.
// TestAsLogged holds it to json.Unmarshal for every field of Event.
func asLogged(e counter.Event) (counter.Event, bool) {
	e = e.Clone()
	e.Hash = ""
	ok := true
	text := func(s string) {
		if ok && !utf8.ValidString(s) {
			ok = false
		}
	}
	for _, s := range []string{e.ID, string(e.Type), e.Dossier, e.Agency, e.Official, e.PrevHash, e.Procedure, e.Channel,
		e.Number, e.To, e.Step, e.Reason, e.Complaint, e.Category, e.SubjectOfficial, e.Text, e.Outcome, e.Desk} {
		text(s)
	}
	if a := e.Applicant; a != nil {
		text(a.Name)
		text(a.Phone)
		text(a.IDNumber)
		text(a.IDHash)
	}
	for _, items := range [][]counter.Item{e.Documents, e.Items} {
		for _, it := range items {
			text(it.Code)
			text(it.Name)
		}
	}
	if len(e.Documents) == 0 {
		e.Documents = nil
	}
	if len(e.Items) == 0 {
		e.Items = nil
	}
	for _, t := range []*time.Time{&e.At, &e.RecordedAt, &e.DueAt, &e.NewDueAt} {
		if ok {
			ok = roundTrip(t, t == &e.At)
		}
	}
	if e.Slip != nil {
		text(e.Slip.Number)
		if ok {
			ok = roundTrip(&e.Slip.DueAt, true)
		}
	}
	return e, ok
}

// roundTrip sets *t to what time.Time's JSON gives back for it; a zero
// instant of an omitzero field (always: not written) stays zero.
func roundTrip(t *time.Time, always bool) bool {
	if t.IsZero() && !always {
		*t = time.Time{}
		return true
	}
	b, err := t.MarshalJSON()
	if err != nil {
		return false
	}
	var u time.Time
	if err := u.UnmarshalJSON(b); err != nil {
		return false
	}
	*t = u
	return true
}
