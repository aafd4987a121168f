package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// deskWindow bounds the shift history handed to the evaluator: a stretch
// of a desk's staffing older than this can no longer change a verdict.
const deskWindow = 8 * 24 * time.Hour

func deskKey(agency, desk string) []byte { return []byte(agency + "\x00" + desk) }

func getDesk(tx *bolt.Tx, key []byte) (*counter.DeskState, error) {
	b := tx.Bucket(bucketDesks).Get(key)
	if b == nil {
		return nil, nil
	}
	var d counter.DeskState
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decode desk: %w", err)
	}
	return &d, nil
}

func putDesk(tx *bolt.Tx, d *counter.DeskState) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode desk: %w", err)
	}
	if err := tx.Bucket(bucketDesks).Put(deskKey(d.Agency, d.Desk), b); err != nil {
		return fmt.Errorf("put desk: %w", err)
	}
	return nil
}

// foldDesk applies a shift event to its desk. A counter's first shift
// event starts the watch over all its desks.
func (w *writeTx) foldDesk(e counter.Event) error {
	ag := w.cfg.Agency(e.Agency)
	for _, desk := range ag.Desks {
		d, err := getDesk(w.tx, deskKey(e.Agency, desk))
		if err != nil {
			return err
		}
		if d == nil {
			d = &counter.DeskState{Agency: e.Agency, Desk: desk, Watched: e.At, Since: e.At}
		} else if desk != e.Desk {
			continue
		}
		if desk == e.Desk && !e.At.Before(d.Since) {
			d.Open = e.Type == counter.ShiftStarted
			d.Since = e.At
			d.Official = e.Official
			if !d.Open {
				d.Official = ""
			} else {
				// Wake the sweeper for the shift's closing time.
				w.minNext = earliest(w.minNext, ClosingTime(w.cfg.Calendar, d.Since))
			}
			// The pending closings change once this commits.
			w.tx.OnCommit(w.s.closings.invalidate)
		}
		if err := putDesk(w.tx, d); err != nil {
			return err
		}
		if desk != e.Desk {
			if err := w.setNext("k"+e.Agency+"\x00"+desk, w.now); err != nil {
				return err
			}
		}
	}
	return nil
}

// deskEvents returns the desk's shift events from since on, with the last
// one before since (the staffing at since). Keys are counter 0 desk 0
// at ‖ seq, so it seeks to since rather than reading the whole history.
func deskEvents(tx *bolt.Tx, key []byte, since time.Time) ([]counter.Event, error) {
	prefix := append(cp(key), 0)
	from := append(cp(prefix), timeKey(since)...)
	var out []counter.Event
	c := tx.Bucket(bucketDeskLog).Cursor()
	// The last event before since: the entry just before the seek point,
	// or the bucket's last one when the seek runs past the end.
	var pk, pv []byte
	if k, _ := c.Seek(from); k == nil {
		pk, pv = c.Last()
	} else {
		pk, pv = c.Prev()
	}
	if pk != nil && bytes.HasPrefix(pk, prefix) && bytes.Compare(pk, from) < 0 {
		e, err := eventBySeq(tx, pv)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		e, err := eventBySeq(tx, v)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, nil
}

// settleDesk re-evaluates the desk under key (agency\x00desk). cause is
// the shift event that asked for it ("" for a sweep). A desk_unstaffed of
// the judged days that the shifts no longer support (a shift_started
// recorded late but dated in time) is withdrawn.
func (w *writeTx) settleDesk(key, cause string) ([]counter.Violation, time.Time, error) {
	d, err := getDesk(w.tx, []byte(key))
	if err != nil || d == nil {
		return nil, time.Time{}, err
	}
	ev := w.s.opts.Evaluator
	if ev == nil {
		return nil, time.Time{}, nil
	}
	// Judge only the last deskWindow, from a local midnight: the engine
	// then gives the same verdicts for those days as over the whole history.
	judged := *d
	loc := w.cfg.Calendar.Location
	y, m, day := w.now.In(loc).Add(-deskWindow).Date()
	if from := time.Date(y, m, day, 0, 0, 0, 0, loc); from.After(judged.Watched) {
		judged.Watched = from
	}
	events, err := deskEvents(w.tx, []byte(key), judged.Watched)
	if err != nil {
		return nil, time.Time{}, err
	}
	fresh, next := ev.EvaluateDesk(w.cfg, judged, events, w.now)
	stored, err := w.deskViolations(d, fresh, judged.Watched)
	if err != nil {
		return nil, time.Time{}, err
	}
	since := judged.Watched
	changes, err := counter.Reconcile(stored, fresh, w.now, cause, func(v *counter.Violation) bool {
		return v.Code == counter.VDeskUnstaffed && !v.OccurredAt.Before(since)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	delta := counter.RollupDelta{}
	for i := range changes {
		c := &changes[i]
		delta.Violation(w.cfg, c.Old, -1)
		delta.Violation(w.cfg, &c.New, +1)
		if err := w.putViolation(c); err != nil {
			return nil, time.Time{}, err
		}
	}
	delta.Prune()
	if err := w.applyRollup(delta, nil); err != nil {
		return nil, time.Time{}, err
	}
	if err := w.setNext("k"+key, next); err != nil {
		return nil, time.Time{}, err
	}
	out := make([]counter.Violation, 0, len(changes))
	for _, c := range changes {
		out = append(out, c.New)
	}
	return out, next, nil
}

// deskViolations returns the stored violations of desk d that a judgement
// from since on may touch: those with the ids the judgement found, and
// every desk_unstaffed of a day from since's on (their ids are
// "desk:<counter>:<desk>/desk_unstaffed/<YYYY-MM-DD>/<n>", in day order).
func (w *writeTx) deskViolations(d *counter.DeskState, fresh []counter.Violation, since time.Time) ([]counter.Violation, error) {
	vb := w.tx.Bucket(bucketViolations)
	var out []counter.Violation
	seen := map[string]bool{}
	for _, v := range fresh {
		b := vb.Get([]byte(v.ID))
		if b == nil {
			continue
		}
		old, err := decodeViolation([]byte(v.ID), b)
		if err != nil {
			return nil, fmt.Errorf("violation %s: %w", v.ID, err)
		}
		seen[v.ID] = true
		out = append(out, *old)
	}
	prefix := []byte("desk:" + d.Agency + ":" + d.Desk + "/" + counter.VDeskUnstaffed + "/")
	start := append(cp(prefix), since.In(w.cfg.Calendar.Location).Format("2006-01-02")...)
	c := vb.Cursor()
	for k, b := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, b = c.Next() {
		if seen[string(k)] {
			continue
		}
		old, err := decodeViolation(k, b)
		if err != nil {
			return nil, fmt.Errorf("violation %s: %w", k, err)
		}
		out = append(out, *old)
	}
	return out, nil
}

// Desks returns the staffing state of every watched desk.
func (s *Store) Desks() ([]counter.DeskState, error) {
	var out []counter.DeskState
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDesks).ForEach(func(k, v []byte) error {
			var d counter.DeskState
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode desk %s: %w", strings.ReplaceAll(string(k), "\x00", "/"), err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}
