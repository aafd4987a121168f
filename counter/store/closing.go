package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	bolt "go.etcd.io/bbolt"
)

// Closing time (issue 12: "signing out (or closing time) ends it"): a
// shift nobody ends is ended by the server at its closing time, so that a
// clerk who forgets to sign out does not leave the desk staffed all night
// and the next days.
//
// The closing is an event like any other: a shift_ended dated at the
// closing time, recorded through record() as a call of its own (a batch in
// the log), with no official (the system ended it) and an id derived from
// the counter, the desk and the closing time, so that every node of a
// cluster, or a retry after a crash, records the same event. It is made
// before the sweep of the same instant: by SweepUntil on a single node and
// by the applied sweep on every cluster node. Replay does not make it: it
// re-records the closings the log holds, like every other call, so a log
// written before closings existed replays as it was written.
//
// The pending closings are not indexed in idx_due (that would change the
// derived buckets of such a log): NextDue reads them from the desks' state,
// a few hundred records, and keeps the answer until a shift event commits.

// ClosingIDPrefix starts the id of every closing the server records.
const ClosingIDPrefix = "closing:"

// ClosingTime returns when a shift begun at start ends if nobody ends it
// before: the end of the last office period of start's day when that day
// is a working day and start is before it (17:00); otherwise, for a shift
// begun after closing or on a day off, the midnight that ends start's day.
func ClosingTime(cal *calendar.Calendar, start time.Time) time.Time {
	loc := cal.Location
	if loc == nil {
		loc = start.Location()
	}
	s := start.In(loc)
	y, m, d := s.Date()
	if n := len(cal.OfficeHours); n > 0 && cal.IsWorkingDay(calendar.Date{Year: y, Month: m, Day: d}) {
		// Wall-clock arithmetic: time.Date normalises the nanoseconds.
		if end := time.Date(y, m, d, 0, 0, 0, int(cal.OfficeHours[n-1].End), loc); s.Before(end) {
			return end
		}
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// closingID returns the id of the n-th candidate (from 1) for the closing
// of desk at closes: "closing:<counter>/<desk>/<YYYY-MM-DDTHH:MM>", with
// "/n" from the second on (a client that took the first with another
// body), or a hash when the names do not make a valid id.
func closingID(agency, desk string, closes time.Time, n int) string {
	id := ClosingIDPrefix + agency + "/" + desk + "/" + closes.Format("2006-01-02T15:04")
	if n > 1 {
		id += "/" + strconv.Itoa(n)
	}
	if len(id) <= counter.MaxIDLen && validID(id) {
		return id
	}
	sum := sha256.Sum256([]byte(agency + "\x00" + desk + "\x00" + closes.UTC().Format(time.RFC3339Nano) + "\x00" + strconv.Itoa(n)))
	return ClosingIDPrefix + hex.EncodeToString(sum[:16])
}

// validID reports whether id uses only the characters counter.CheckLimits
// allows in an id: ASCII letters, digits and . - _ : / + = @.
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == ':' || c == '/' || c == '+' || c == '=' || c == '@':
		default:
			return false
		}
	}
	return true
}

// closingCache caches the earliest pending closing, and remembers the ones a
// refusal left pending so that the sweeper does not spin on them.
type closingCache struct {
	mu    sync.Mutex
	gen   uint64 // bumped after every commit that folds a shift event
	valid bool
	next  time.Time
	skip  map[string]time.Time // desk key → closing refused (logged), until restart
}

func (c *closingCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.valid = false
	c.mu.Unlock()
}

// openDesks calls fn for each open desk with its closing time, in key
// order, skipping the closings in skip.
func openDesks(tx *bolt.Tx, cfg *counter.Config, skip map[string]time.Time, fn func(d *counter.DeskState, closes time.Time) error) error {
	return tx.Bucket(bucketDesks).ForEach(func(k, v []byte) error {
		var d counter.DeskState
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("decode desk %q: %w", k, err)
		}
		if !d.Open {
			return nil
		}
		closes := ClosingTime(cfg.Calendar, d.Since)
		if t, ok := skip[string(k)]; ok && t.Equal(closes) {
			return nil
		}
		return fn(&d, closes)
	})
}

// skipped returns a copy of the closings to leave alone.
func (s *Store) skipped() map[string]time.Time {
	s.closings.mu.Lock()
	defer s.closings.mu.Unlock()
	out := make(map[string]time.Time, len(s.closings.skip))
	for k, v := range s.closings.skip {
		out[k] = v
	}
	return out
}

// NextClosing returns the earliest closing time of an open shift, zero if
// no shift is open.
func (s *Store) NextClosing() (time.Time, error) {
	s.closings.mu.Lock()
	if s.closings.valid {
		t := s.closings.next
		s.closings.mu.Unlock()
		return t, nil
	}
	gen := s.closings.gen
	s.closings.mu.Unlock()
	skip := s.skipped()
	var next time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		return openDesks(tx, s.cfg, skip, func(_ *counter.DeskState, closes time.Time) error {
			next = earliest(next, closes)
			return nil
		})
	})
	if err != nil {
		return time.Time{}, err
	}
	s.closings.mu.Lock()
	// A shift event committed since gen was read may have changed it.
	if s.closings.gen == gen {
		s.closings.valid, s.closings.next = true, next
	}
	s.closings.mu.Unlock()
	return next, nil
}

// closeShifts records, for every open shift whose closing time is at or
// before now, a shift_ended at that closing time, each as a call of its
// own judged at now, and publishes what changed. It returns how many it
// recorded.
func (s *Store) closeShifts(now time.Time) (int, error) {
	// Most sweeps have no closing due: spare them a write transaction
	// (bbolt writes and syncs a meta page on every commit).
	if next, err := s.NextClosing(); err != nil || next.IsZero() || next.After(now) {
		return 0, err
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.fault != nil {
		if err := s.fault(); err != nil {
			return 0, fmt.Errorf("closing time: %w", err)
		}
	}
	var change counter.Change
	n := 0
	var refused map[string]time.Time
	skip := s.skipped()
	err := s.db.Update(func(tx *bolt.Tx) error {
		change, n, refused = counter.Change{}, 0, map[string]time.Time{}
		type due struct {
			d      counter.DeskState
			closes time.Time
		}
		var dues []due
		if err := openDesks(tx, s.cfg, skip, func(d *counter.DeskState, closes time.Time) error {
			if !closes.After(now) {
				dues = append(dues, due{*d, closes})
			}
			return nil
		}); err != nil {
			return err
		}
		if len(dues) == 0 {
			return nil
		}
		w := newWriteTx(s, tx, now)
		for _, x := range dues {
			e, err := w.closingEvent(x.d, x.closes)
			if err != nil {
				return err
			}
			_, ch, err := w.record([]counter.Event{e}, nil)
			if err != nil {
				var ce *counter.Error
				if !errors.As(err, &ce) {
					return err
				}
				// Never expected (the shift was accepted at its start):
				// leave it open rather than stall every sweep on it.
				s.log.Error("closing time: the shift could not be ended", "agency", x.d.Agency, "desk", x.d.Desk,
					"closes", x.closes, "err", err)
				refused[string(deskKey(x.d.Agency, x.d.Desk))] = x.closes
				continue
			}
			change.Violations = append(change.Violations, ch.Violations...)
			n++
		}
		change.Rollup = w.changedNodes()
		return w.finish()
	})
	if err != nil {
		return 0, fmt.Errorf("closing time: %w", err)
	}
	if len(refused) > 0 {
		s.closings.mu.Lock()
		if s.closings.skip == nil {
			s.closings.skip = map[string]time.Time{}
		}
		for k, t := range refused {
			s.closings.skip[k] = t
		}
		s.closings.gen++
		s.closings.valid = false
		s.closings.mu.Unlock()
	}
	if n > 0 {
		s.publish(change)
	}
	return n, nil
}

// closingEvent returns the shift_ended that closes d at closes, with the
// first candidate id that no event holds yet.
func (w *writeTx) closingEvent(d counter.DeskState, closes time.Time) (counter.Event, error) {
	e := counter.Event{Type: counter.ShiftEnded, At: closes.In(w.cfg.Calendar.Location), Agency: d.Agency, Desk: d.Desk}
	for n := 1; ; n++ {
		e.ID = closingID(d.Agency, d.Desk, e.At, n)
		stored, err := w.eventByID(e.ID)
		if err != nil {
			return e, err
		}
		if stored == nil {
			return e, nil
		}
	}
}
