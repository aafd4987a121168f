package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// The stats bucket holds the all-time counters that the metrics (SPEC.md
// §9) read and that no other view keeps: events by type, finishes by
// holder and outcome, violations raised and standing, and the open
// overdue violations by charged agency. Like every derived bucket it is
// written in the transaction that records or sweeps, so it counts every
// write (HTTP, demo, sweeper, import, a cluster node applying the log),
// survives restarts, and replay rebuilds it byte for byte.
//
// Keys (ids, codes, types and outcomes hold no 0 byte):
//
//	e 0 type                      → u64 events recorded
//	f 0 holder 0 outcome          → u64 received dossiers finished (on_time | late)
//	v 0 agency 0 code 0 severity  → u64 violations raised
//	o 0 agency 0 code             → u64 violations standing (open or provisional); kept at 0
//	x 0 agency 0 ^occurred ‖ id   → ∅   open overdue violations, oldest first per agency
//
// The counters never go down: a finish counts once, when a judgement
// first finds the dossier received and finished, under the holder and
// outcome of that judgement (the roll-up follows later corrections; this
// counter does not); a violation counts once, when first stored, under
// the agency, code and severity it was first stored with, whatever
// happens to it later (resolved, dismissed, withdrawn). The standing
// count follows each violation's status: withdrawn, resolved, confirmed
// and dismissed ones leave it.

// Finish outcomes (motcua_dossiers_finished_total{outcome}).
const (
	OutcomeOnTime = "on_time"
	OutcomeLate   = "late"
)

// Stats are the stats bucket's counters.
type Stats struct {
	Events   map[counter.EventType]uint64
	Finished map[[2]string]uint64 // holder, outcome
	Raised   map[[3]string]uint64 // agency, code, severity
	Standing map[[2]string]uint64 // agency, code; present at 0 once seen
	// OverdueSince is, per agency charged with an open overdue violation,
	// the oldest one's occurred_at (the due time that passed).
	OverdueSince map[string]time.Time
}

const (
	statEvent    = 'e'
	statFinished = 'f'
	statRaised   = 'v'
	statStanding = 'o'
	statOverdue  = 'x'
)

func statKey(kind byte, parts ...string) []byte {
	k := []byte{kind}
	for _, p := range parts {
		k = append(append(k, 0), p...)
	}
	return k
}

// overdueKey is x 0 agency 0 occurred ‖ id.
func overdueKey(v *counter.Violation) []byte {
	return append(append(statKey(statOverdue, v.Agency), 0), append(timeKey(v.OccurredAt), v.ID...)...)
}

// bumpStat moves the counter under key by d; a counter never goes below
// zero.
func bumpStat(b *bolt.Bucket, key []byte, d int64) error {
	n := int64(beUint(b.Get(key))) + d
	if n < 0 {
		n = 0
	}
	if err := b.Put(key, u64(uint64(n))); err != nil {
		return fmt.Errorf("put stat %q: %w", key, err)
	}
	return nil
}

// bump adds d to the counter at key as bumpStat does (never below 0), in
// the transaction's cache: a batch bumps the same few counters many times,
// and each bump was a lookup and a write in the stats bucket. finish
// writes the counters it touched (flushStats).
func (w *writeTx) bump(key []byte, d int64) {
	if w.stats == nil {
		w.stats = map[string]uint64{}
	}
	v, ok := w.stats[string(key)]
	if !ok {
		v = beUint(w.tx.Bucket(bucketStats).Get(key))
	}
	w.stats[string(key)] = uint64(max(int64(v)+d, 0))
}

// flushStats writes the counters the transaction bumped, in key order.
func (w *writeTx) flushStats() error {
	b := w.tx.Bucket(bucketStats)
	for _, k := range slices.Sorted(maps.Keys(w.stats)) {
		if err := b.Put([]byte(k), u64(w.stats[k])); err != nil {
			return fmt.Errorf("put stat %q: %w", k, err)
		}
	}
	w.stats = nil
	return nil
}

// countEvent counts one newly recorded event.
func (w *writeTx) countEvent(e *counter.Event) {
	w.bump(statKey(statEvent, string(e.Type)), 1)
}

// finishedReceived reports whether d counts as a finished dossier: it was
// received (its clock started) and it finished.
func finishedReceived(d *counter.Dossier) bool {
	return d != nil && d.ReceivedAt != nil && d.FinishedAt != nil
}

func outcome(d *counter.Dossier) string {
	if d.OnTime() {
		return OutcomeOnTime
	}
	return OutcomeLate
}

// countFinish counts nd's finish when prev, the state stored before, did
// not yet count as finished.
func (w *writeTx) countFinish(prev, nd *counter.Dossier) {
	if !finishedReceived(prev) && finishedReceived(nd) {
		w.bump(statKey(statFinished, nd.Holder, outcome(nd)), 1)
	}
}

// standing reports whether v still stands undecided or unremedied: open,
// or a provisional complaint.
func standing(v *counter.Violation) bool {
	return v.Status == counter.StatusOpen || v.Status == counter.StatusProvisional
}

func overdueOpen(v *counter.Violation) bool {
	return v.Code == counter.VOverdue && v.Status == counter.StatusOpen
}

// countViolation counts one stored violation change: a new violation is
// raised once; the standing counts and the open overdue index follow the
// change of status (and of charged agency, when a late event moved it).
func (w *writeTx) countViolation(c *counter.ViolationChange) error {
	b := w.tx.Bucket(bucketStats)
	v, old := &c.New, c.Old
	if old == nil {
		w.bump(statKey(statRaised, v.Agency, v.Code, v.Severity), 1)
	}
	same := old != nil && old.Agency == v.Agency && old.Code == v.Code
	if old != nil && standing(old) && !(same && standing(v)) {
		w.bump(statKey(statStanding, old.Agency, old.Code), -1)
	}
	if standing(v) && !(same && standing(old)) {
		w.bump(statKey(statStanding, v.Agency, v.Code), 1)
	}
	if old != nil && overdueOpen(old) {
		if err := b.Delete(overdueKey(old)); err != nil {
			return fmt.Errorf("unindex overdue %s: %w", old.ID, err)
		}
	}
	if overdueOpen(v) {
		if err := b.Put(overdueKey(v), nil); err != nil {
			return fmt.Errorf("index overdue %s: %w", v.ID, err)
		}
	}
	return nil
}

// Stats returns the store's all-time counters (see the stats bucket).
func (s *Store) Stats() (Stats, error) {
	out := Stats{Events: map[counter.EventType]uint64{}, Finished: map[[2]string]uint64{},
		Raised: map[[3]string]uint64{}, Standing: map[[2]string]uint64{}, OverdueSince: map[string]time.Time{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStats).ForEach(func(k, v []byte) error {
			if len(k) < 2 || k[1] != 0 {
				return fmt.Errorf("bad stat key %q", k)
			}
			if k[0] == statOverdue {
				rest := k[2:]
				i := bytes.IndexByte(rest, 0)
				if i < 0 || len(rest) < i+1+8 {
					return fmt.Errorf("bad stat key %q", k)
				}
				a := string(rest[:i])
				if _, ok := out.OverdueSince[a]; !ok { // the first is the oldest
					out.OverdueSince[a] = keyTime(rest[i+1 : i+9]).In(s.cfg.Calendar.Location)
				}
				return nil
			}
			parts := bytes.Split(k[2:], []byte{0})
			n := beUint(v)
			switch {
			case k[0] == statEvent && len(parts) == 1:
				out.Events[counter.EventType(parts[0])] = n
			case k[0] == statFinished && len(parts) == 2:
				out.Finished[[2]string{string(parts[0]), string(parts[1])}] = n
			case k[0] == statRaised && len(parts) == 3:
				out.Raised[[3]string{string(parts[0]), string(parts[1]), string(parts[2])}] = n
			case k[0] == statStanding && len(parts) == 2:
				out.Standing[[2]string{string(parts[0]), string(parts[1])}] = n
			default:
				return fmt.Errorf("bad stat key %q", k)
			}
			return nil
		})
	})
	if err != nil {
		return Stats{}, fmt.Errorf("read stats: %w", err)
	}
	return out, nil
}

// backfillStats fills an empty stats bucket of a database that already
// holds events (one written before the bucket existed) from what it
// stores: events by type from the log, finishes from the dossiers' current
// state, violations from their stored versions. It does nothing on a new
// database or once the bucket holds anything. A finish that a late event
// later corrected counts under its current holder and outcome, where
// replay would count it under the first; `motcua replay` reports that.
func (s *Store) backfillStats(tx *bolt.Tx) error {
	b := tx.Bucket(bucketStats)
	if k, _ := b.Cursor().First(); k != nil {
		return nil
	}
	if k, _ := tx.Bucket(bucketLog).Cursor().First(); k == nil {
		return nil
	}
	counts := map[string]int64{}
	if err := tx.Bucket(bucketLog).ForEach(func(k, v []byte) error {
		var e struct {
			Type counter.EventType `json:"type"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode event %d: %w", beUint(k), err)
		}
		counts[string(statKey(statEvent, string(e.Type)))]++
		return nil
	}); err != nil {
		return err
	}
	if err := tx.Bucket(bucketDossiers).ForEach(func(_, v []byte) error {
		d, err := s.decodeDossier(v)
		if err != nil {
			return err
		}
		if finishedReceived(d) {
			counts[string(statKey(statFinished, d.Holder, outcome(d)))]++
		}
		return nil
	}); err != nil {
		return err
	}
	if err := tx.Bucket(bucketViolations).ForEach(func(k, v []byte) error {
		viol, err := decodeViolation(k, v)
		if err != nil {
			return fmt.Errorf("violation %s: %w", k, err)
		}
		counts[string(statKey(statRaised, viol.Agency, viol.Code, viol.Severity))]++
		// Listed, at 0 if need be, as if it stood when first stored.
		sk := string(statKey(statStanding, viol.Agency, viol.Code))
		n := counts[sk]
		if standing(viol) {
			n++
		}
		counts[sk] = n
		if overdueOpen(viol) {
			if err := b.Put(overdueKey(viol), nil); err != nil {
				return fmt.Errorf("index overdue %s: %w", viol.ID, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for k, n := range counts {
		if err := bumpStat(b, []byte(k), n); err != nil {
			return err
		}
	}
	s.log.Info("stats rebuilt from the stored views", "counters", len(counts))
	return nil
}
