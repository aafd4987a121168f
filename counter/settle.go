package counter

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Settle is the middle of the write path (record → judge → attribute →
// roll up), as one pure function: what the stored inputs of one dossier,
// judged at one instant, come to. The store loads the inputs inside its
// write transaction and persists the Outcome; the hub and the metrics
// consume the same Outcome after the commit. It does no I/O.

// SettleInput is what Settle judges.
type SettleInput struct {
	Prev        *Dossier    // the state as stored before (nil for a new dossier)
	History     []Event     // every event of the dossier, ordered by SortHistory
	Stored      []Violation // the dossier's stored violations
	Now         time.Time   // the judging instant
	Cause       string      // the id of the event that asked for this judgement; "" for a sweep
	TrackingKey string
}

// ViolationChange is one violation that a judgement raised or changed. Old
// is the stored version (nil for a new one).
type ViolationChange struct {
	Old *Violation
	New Violation
}

// Outcome is what a judgement decided.
type Outcome struct {
	Dossier    *Dossier
	Violations []ViolationChange
	Rollup     RollupDelta
	Clocks     map[ClockKey]int // unfinished dossiers by holder and clock state: the moves
	Next       time.Time        // when time alone could change the verdicts or the clock (zero: never)
}

// Changed returns the new or changed violations, as published.
func (o *Outcome) Changed() []Violation {
	out := make([]Violation, 0, len(o.Violations))
	for _, c := range o.Violations {
		out = append(out, c.New)
	}
	return out
}

// Settle judges one dossier (SPEC.md §10.1): it folds the ordered history
// into the state, evaluates every rule over it at in.Now, reconciles the
// verdicts with the stored ones (raising, changing and withdrawing), and
// computes the roll-up deltas, who may see the dossier and when to look at
// it again. ev may be nil (no rules).
func Settle(cfg *Config, ev Evaluator, in SettleInput) (Outcome, error) {
	if len(in.History) == 0 {
		return Outcome{}, fmt.Errorf("settle: dossier has no events")
	}
	d := Replay(cfg, in.History)
	d.TrackingKey = in.TrackingKey
	d.Clock = d.ClockAt(cfg, in.Now)
	var out Outcome
	if ev != nil {
		fresh, next := ev.EvaluateDossier(cfg, d, in.History, in.Now)
		out.Next = next
		changes, err := Reconcile(in.Stored, fresh, in.Now, in.Cause, nil)
		if err != nil {
			return Outcome{}, err
		}
		out.Violations = changes
	}
	for _, t := range d.ClockChanges(cfg, in.Now) {
		if out.Next.IsZero() || t.Before(out.Next) {
			out.Next = t
		}
	}
	d.Visible = Visible(cfg, in.History, in.Stored, out.Violations)
	out.Rollup = RollupDelta{}
	out.Rollup.Dossier(cfg, in.Prev, d)
	for _, c := range out.Violations {
		out.Rollup.Violation(cfg, c.Old, -1)
		out.Rollup.Violation(cfg, &c.New, +1)
	}
	out.Clocks = map[ClockKey]int{}
	if p := in.Prev; p != nil && OpenClock(p.Clock.State) {
		out.Clocks[ClockKey{p.Holder, p.Clock.State}]--
	}
	if OpenClock(d.Clock.State) {
		out.Clocks[ClockKey{d.Holder, d.Clock.State}]++
	}
	out.Rollup.Prune()
	out.Dossier = d
	return out, nil
}

// Reconcile compares the violations a judgement found (fresh) with those
// stored and returns the changes to store: a new one is raised (detected
// now); a known one whose fields changed is rewritten, keeping its first
// detection; a stored one the history no longer supports is withdrawn
// (status withdrawn, withdrawn_at now, withdrawn_by cause) and kept on
// record; a withdrawn one the history supports again is raised anew.
// judged, when not nil, limits withdrawal to the stored violations it
// accepts (a desk judged over a recent window only).
func Reconcile(stored, fresh []Violation, now time.Time, cause string, judged func(*Violation) bool) ([]ViolationChange, error) {
	byID := make(map[string]*Violation, len(stored))
	for i := range stored {
		byID[stored[i].ID] = &stored[i]
	}
	seen := make(map[string]bool, len(fresh))
	var out []ViolationChange
	for i := range fresh {
		v := fresh[i]
		seen[v.ID] = true
		old := byID[v.ID]
		if old == nil {
			v.DetectedAt = now
			out = append(out, ViolationChange{New: v})
			continue
		}
		v.DetectedAt = old.DetectedAt
		same, err := sameVerdict(old, &v)
		if err != nil {
			return nil, err
		}
		if !same {
			out = append(out, ViolationChange{Old: old, New: v})
		}
	}
	for i := range stored {
		old := &stored[i]
		if seen[old.ID] || old.Status == StatusWithdrawn || (judged != nil && !judged(old)) {
			continue
		}
		w := *old
		w.Status = StatusWithdrawn
		at := now
		w.WithdrawnAt = &at
		w.WithdrawnBy = cause
		out = append(out, ViolationChange{Old: old, New: w})
	}
	return out, nil
}

// sameVerdict reports whether a fresh verdict leaves the stored one as it
// is (detected_at aside). Details compare through JSON, as stored.
func sameVerdict(old, v *Violation) (bool, error) {
	if old.Status != v.Status || old.Severity != v.Severity || old.Agency != v.Agency ||
		old.Official != v.Official || old.Head != v.Head || !old.OccurredAt.Equal(v.OccurredAt) ||
		old.Basis != v.Basis || old.Code != v.Code || old.Dossier != v.Dossier ||
		old.WithdrawnAt != nil || v.WithdrawnAt != nil {
		return false, nil
	}
	a, err := jsonish(old.Details)
	if err != nil {
		return false, err
	}
	b, err := jsonish(v.Details)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(a, b), nil
}

// jsonish normalises details through JSON so that stored and fresh maps
// compare equal (numbers decode as float64).
func jsonish(m map[string]any) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode details: %w", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode details: %w", err)
	}
	return out, nil
}

// Visible returns the agencies whose subtrees may see a dossier (SPEC.md
// §10.4): every agency that created it, held it (each transfer's
// recipient) or was charged for one of its violations. Their ancestors see
// it too (Dossier.VisibleTo, Dossier.Readers). Sorted, without duplicates.
func Visible(cfg *Config, hist []Event, stored []Violation, changes []ViolationChange) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, e := range hist {
		if e.Type.Creates() {
			add(e.Agency)
		}
		if e.Type == Transferred {
			add(e.To)
		}
	}
	for i := range stored {
		add(stored[i].Agency)
	}
	for _, c := range changes {
		add(c.New.Agency)
	}
	slices.Sort(out)
	return out
}

// RollupKey is one tally of the roll-up: an agency's all-time tally (Day
// zero) or the tally of one local day (YYYYMMDD).
type RollupKey struct {
	Agency string
	Day    int
}

// RollupDelta is what a judgement adds to (or takes from) the roll-up
// tallies, by agency and day. Every change is entered twice, once for the
// day and once for all time (Day 0); OverdueOpen is kept all-time only.
type RollupDelta map[RollupKey]*Tally

// DayOf is the local day of t as YYYYMMDD.
func DayOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return y*10000 + int(m)*100 + d
}

// DayString is DayOf as text, as the store keys its day tallies.
func DayString(day int) string { return strconv.Itoa(day) }

func (r RollupDelta) at(agency string, day int) *Tally {
	k := RollupKey{agency, day}
	t := r[k]
	if t == nil {
		t = &Tally{}
		r[k] = t
	}
	return t
}

// each applies f to the all-time and the day's tally of every agency in chain.
func (r RollupDelta) each(chain []string, day int, f func(agency string, t *Tally)) {
	for _, a := range chain {
		f(a, r.at(a, 0))
		f(a, r.at(a, day))
	}
}

// Violation adds (sign +1) or removes (-1) v, when it counts, from the
// tallies of its charged agency's chain on the day it occurred.
func (r RollupDelta) Violation(cfg *Config, v *Violation, sign int) {
	if v == nil {
		return
	}
	chain := cfg.Ancestors(v.Agency)
	if v.Counts() {
		r.each(chain, DayOf(v.OccurredAt, cfg.Calendar.Location), func(a string, t *Tally) {
			if a == v.Agency {
				t.Bump(&t.Direct, v.Code, sign)
			}
			t.Bump(&t.Total, v.Code, sign)
		})
	}
	if v.Code == VOverdue && v.Status == StatusOpen {
		for _, a := range chain {
			r.at(a, 0).OverdueOpen += sign
		}
	}
}

// Dossier moves a dossier's weight in the received, finished and on-time
// tallies from its old state (nil if new) to d: each state contributes
// its receipt to the receiving agency's chain on the day received, and
// its finish to the chains of the receiving agency and the holder on the
// day finished. Whatever order a history arrived in, the tallies end at
// the final state's contribution.
func (r RollupDelta) Dossier(cfg *Config, old, d *Dossier) {
	r.dossier(cfg, old, -1)
	r.dossier(cfg, d, +1)
}

func (r RollupDelta) dossier(cfg *Config, d *Dossier, sign int) {
	if d == nil || d.ReceivedAt == nil {
		return
	}
	loc := cfg.Calendar.Location
	r.each(cfg.Ancestors(d.Agency), DayOf(*d.ReceivedAt, loc), func(_ string, t *Tally) { t.Received += sign })
	if d.FinishedAt == nil {
		return
	}
	onTime := d.OnTime()
	r.each(union(cfg.Ancestors(d.Agency), cfg.Ancestors(d.Holder)), DayOf(*d.FinishedAt, loc), func(_ string, t *Tally) {
		t.Finished += sign
		if onTime {
			t.OnTime += sign
		}
	})
}

// Prune drops the entries that add nothing.
func (r RollupDelta) Prune() {
	for k, t := range r {
		if t.Zero() {
			delete(r, k)
		}
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// ClockKey counts unfinished dossiers by holder and clock state.
type ClockKey struct{ Holder, State string }

// OpenClock reports whether a clock state belongs to an unfinished dossier.
func OpenClock(s string) bool {
	switch s {
	case ClockIntake, ClockOnTrack, ClockWarning, ClockDueToday, ClockOverdue, ClockPaused:
		return true
	}
	return false
}
