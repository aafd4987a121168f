package violations

import (
	"cmp"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
)

// timeline is one dossier's history replayed in the order of event times:
// the state after each event and the facts the rules need about the span
// that follows it, up to the next event (or now, for the last one).
type timeline struct {
	cfg    *counter.Config
	code   string
	now    time.Time
	events []counter.Event
	states []*counter.Dossier // states[i]: after events[i]

	cycle     []int       // event that started the clock in effect (received, supplement_received), -1 before receipt
	apology   []int       // apology whose new_due_at is the due time in effect, -1 if none
	transfer  []int       // the transfer that gave the dossier to its holder, -1 while at the receiving unit
	stepStart []time.Time // when the holder's step budget started (its transfer, or a later supplement_received)
	slip      []bool      // a slip has been issued at or before events[i]
	moved     []bool      // the dossier has been transferred at or before events[i]
	receipt   int         // the received event, -1 if none
}

// newTimeline replays events (one dossier's, in log order) sorted stably by
// their `at`: the rules judge by event times, and a backdated entry takes
// its place in the story where it says it happened.
func newTimeline(cfg *counter.Config, d *counter.Dossier, events []counter.Event, now time.Time) *timeline {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b counter.Event) int { return a.At.Compare(b.At) })
	n := len(evs)
	tl := &timeline{
		cfg: cfg, now: now, events: evs, states: make([]*counter.Dossier, n),
		cycle: make([]int, n), apology: make([]int, n), transfer: make([]int, n),
		stepStart: make([]time.Time, n), slip: make([]bool, n), moved: make([]bool, n), receipt: -1,
	}
	if d != nil {
		tl.code = d.Code
	}
	var st *counter.Dossier
	cyc, apo, tr, slip, moved := -1, -1, -1, false, false
	var step time.Time
	for i, e := range evs {
		st = counter.Fold(cfg, st, e)
		switch e.Type {
		case counter.Received:
			if tl.receipt < 0 {
				tl.receipt = i
			}
			cyc, apo = i, -1
			if e.Slip != nil {
				slip = true
			}
		case counter.SupplementReceived:
			cyc, apo = i, -1
			if tr >= 0 {
				step = e.At
			}
		case counter.ApologyIssued:
			apo = i
		case counter.SlipIssued:
			slip = true
		case counter.Transferred:
			tr, step = i, e.At
			moved = moved || tl.receipt >= 0
		}
		tl.states[i], tl.cycle[i], tl.apology[i], tl.transfer[i] = st, cyc, apo, tr
		tl.stepStart[i], tl.slip[i], tl.moved[i] = step, slip, moved
	}
	if tl.code == "" && n > 0 {
		tl.code = evs[0].Dossier
	}
	return tl
}

// final returns the state after every event.
func (tl *timeline) final() *counter.Dossier {
	if len(tl.states) == 0 {
		return nil
	}
	return tl.states[len(tl.states)-1]
}

// procedure returns the catalogue entry of the dossier, or nil.
func (tl *timeline) procedure() *counter.Procedure {
	if f := tl.final(); f != nil {
		return tl.cfg.Procedure(f.Procedure)
	}
	return nil
}

// end returns the end of the span that follows events[i]: the next event's
// `at`, or now for the last.
func (tl *timeline) end(i int) time.Time {
	if i+1 < len(tl.events) {
		return tl.events[i+1].At
	}
	return tl.now
}

// running reports whether the dossier's clock runs in the span after
// events[i]: received, not paused, not finished, not ended.
func (tl *timeline) running(i int) bool {
	s := tl.states[i]
	return s.ReceivedAt != nil && s.FinishedAt == nil && s.PausedAt == nil && !s.Ended()
}

// holderAt returns the agency holding the dossier at instant t, from the
// receipt and the transfers whose `at` is not after t.
func (tl *timeline) holderAt(t time.Time) string {
	if len(tl.events) == 0 {
		return ""
	}
	i, _ := slices.BinarySearchFunc(tl.events, t, func(e counter.Event, t time.Time) int {
		if e.At.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return tl.states[0].Holder
	}
	return tl.states[i-1].Holder
}

// pass is the first passing of a deadline inside a span, per key.
type pass struct {
	key string
	at  time.Time // the deadline that passed
	i   int       // the span (event index) in which it passed
}

// deadlineFunc says which deadline, under which key, stands in the span
// after events[i]; ok is false when none does.
type deadlineFunc func(i int) (key string, dl time.Time, ok bool)

// awaitedAfterReceipt is passes for a deadline dl that runs from the
// receipt until done[i] holds (a slip issued, a first transfer) or the
// dossier finishes or ends.
func (tl *timeline) awaitedAfterReceipt(done []bool, dl time.Time) ([]pass, time.Time) {
	key := tl.events[tl.receipt].ID
	return tl.passes(func(i int) (string, time.Time, bool) {
		s := tl.states[i]
		if i < tl.receipt || done[i] || s.FinishedAt != nil || s.Ended() {
			return "", time.Time{}, false
		}
		return key, dl, true
	})
}

// passes walks the spans in order and returns, for each key, the first
// deadline that an instant of its span lies strictly after. pending is the
// first instant after now at which the deadline standing in the last span
// (if not yet passed) will have passed: the deadline plus 1 ns, since
// "after" is strict and a dossier finished exactly at its due time is on
// time.
func (tl *timeline) passes(f deadlineFunc) (out []pass, pending time.Time) {
	seen := map[string]bool{}
	for i := range tl.events {
		key, dl, ok := f(i)
		if !ok || seen[key] {
			continue
		}
		if dl.Before(tl.end(i)) {
			seen[key] = true
			out = append(out, pass{key: key, at: dl, i: i})
			continue
		}
		if i == len(tl.events)-1 {
			pending = dl.Add(time.Nanosecond)
		}
	}
	return out, pending
}

// earliest returns the earliest non-zero instant of ts after now, or zero.
func earliest(now time.Time, ts ...time.Time) time.Time {
	var best time.Time
	for _, t := range ts {
		if t.IsZero() || !t.After(now) {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	return best
}

// sortViolations orders vs by occurred_at, then ID, so output is stable.
func sortViolations(vs []counter.Violation) {
	slices.SortFunc(vs, func(a, b counter.Violation) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
