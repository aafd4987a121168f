package violations

import (
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// stepOverrun raises `step_overrun` when a holder keeps the dossier past
// the budget of the step named on the transfer that gave it to them (the
// procedure's Form 05 row), counted with the lead-time arithmetic of
// SPEC.md §4 from that transfer, restarted by a supplement_received, and
// not running while the dossier is paused, finished or ended. One per
// transfer; occurred_at is the end of the budget; charged to that holder
// (the transfer's `to`). Status: open while they still hold it, resolved
// once they pass it on or it finishes.
// Form 05 (Circular 01/2018/TT-VPCP); Circular 01 index 2.
func stepOverrun(tl *timeline) ([]counter.Violation, time.Time) {
	budget := func(i int) (counter.Duration, bool) {
		t := tl.transfer[i]
		if t < 0 || tl.events[t].Step == "" {
			return counter.Duration{}, false
		}
		p := tl.cfg.Procedure(tl.states[i].Procedure)
		if p == nil {
			return counter.Duration{}, false
		}
		return p.StepBudget(tl.events[t].Step)
	}
	ps, pending := tl.passes(func(i int) (string, time.Time, bool) {
		b, ok := budget(i)
		if !ok || !tl.running(i) {
			return "", time.Time{}, false
		}
		due, err := tl.cfg.Due(tl.stepStart[i], b)
		if err != nil {
			return "", time.Time{}, false // Config.Check refuses such a budget at open
		}
		return tl.events[tl.transfer[i]].ID, due, true
	})
	var out []counter.Violation
	last := len(tl.events) - 1
	for _, p := range ps {
		t := tl.events[tl.transfer[p.i]]
		b, _ := budget(p.i)
		v := counter.Violation{
			Severity:   counter.SeverityMedium,
			Status:     counter.StatusOpen,
			Agency:     t.To,
			OccurredAt: p.at,
			Details: map[string]any{
				"step":         t.Step,
				"budget":       fmt.Sprintf("%d %s", b.Value, b.Unit),
				"from":         stamp(tl.cfg, t.At),
				"step_started": stamp(tl.cfg, tl.stepStart[p.i]),
				"due_at":       stamp(tl.cfg, p.at),
			},
		}
		for j := p.i + 1; j <= last; j++ {
			if tl.transfer[j] != tl.transfer[p.i] || tl.states[j].FinishedAt != nil || tl.states[j].Ended() {
				v.Status = counter.StatusResolved
				v.Details["released_at"] = stamp(tl.cfg, tl.events[j].At)
				break
			}
		}
		out = append(out, tl.raise(counter.VStepOverrun, p.key, v))
	}
	return out, pending
}

// responsibilityBounce raises `responsibility_bounce` for each transfer to
// a unit that already held the dossier, once such returns number more than
// rules.bounce_limit over the dossier's life. occurred_at is the transfer's
// `at`; charged to the sender (the transfer's agency) and its official.
// Status: open. Decree 61/2018/NĐ-CP Art. 5(1)(g) ("đùn đẩy").
func responsibilityBounce(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	held := map[string]bool{}
	returns, limit := 0, tl.cfg.Rules.BounceLimit
	for i, e := range tl.events {
		if e.Type == counter.Transferred && held[e.To] {
			if returns++; returns > limit {
				out = append(out, tl.raise(counter.VResponsibilityBounce, e.ID, counter.Violation{
					Severity:   counter.SeverityHigh,
					Agency:     e.Agency,
					Official:   e.Official,
					OccurredAt: e.At,
					Details:    map[string]any{"to": e.To, "count": returns, "limit": limit},
				}))
			}
		}
		held[tl.states[i].Holder] = true
	}
	return out, time.Time{}
}

// TransferDeadline returns the latest instant at which a one-stop counter
// must pass on a dossier it received at t (Decree 61/2018/NĐ-CP Art.
// 18(2)–(3)): the end of the same day if t is a working day at or before
// rules.transfer_cutoff; noon of the next working day if later that day;
// the end of the next working day if t is not a working day.
func TransferDeadline(cfg *counter.Config, t time.Time) time.Time {
	cal := cfg.Calendar
	loc := cal.Location
	lt := t.In(loc)
	cut := 15 * time.Hour
	if c, err := time.Parse("15:04", cfg.Rules.TransferCutoff); err == nil {
		cut = time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute
	}
	day := calendar.DateOf(lt)
	if cal.IsWorkingDay(day) {
		if lt.Sub(day.In(loc)) <= cut {
			return cal.EndOfDay(lt)
		}
		next := nextWorkingDay(cal, day)
		return time.Date(next.Year, next.Month, next.Day, 12, 0, 0, 0, loc)
	}
	return cal.EndOfDay(nextWorkingDay(cal, day).In(loc))
}

// nextWorkingDay returns the first working day after d (d itself if none
// is found within a year, which only a broken calendar allows).
func nextWorkingDay(cal *calendar.Calendar, d calendar.Date) calendar.Date {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	for range 366 {
		t = t.AddDate(0, 0, 1)
		if n := calendar.DateOf(t); cal.IsWorkingDay(n) {
			return n
		}
	}
	return d
}

// lateTransfer raises `late_transfer` when a dossier received at a
// counter-level agency is still there, unfinished, when the Art. 18
// deadline (TransferDeadline) passes. occurred_at is that deadline;
// charged to the receiving counter and its receiving official. Status:
// open until the first transfer, then resolved; dismissed if the dossier
// finishes or ends without ever being transferred (the counter decided it
// itself: there was nothing to pass on). Decree 61/2018/NĐ-CP Art. 18(2).
func lateTransfer(tl *timeline) ([]counter.Violation, time.Time) {
	if tl.receipt < 0 {
		return nil, time.Time{}
	}
	r := tl.events[tl.receipt]
	if a := tl.cfg.Agency(r.Agency); a == nil || a.Level != counter.LevelCounter {
		return nil, time.Time{}
	}
	dl := TransferDeadline(tl.cfg, r.At)
	ps, pending := tl.awaitedAfterReceipt(tl.moved, dl)
	var out []counter.Violation
	for _, p := range ps {
		v := counter.Violation{
			Severity:   counter.SeverityLow,
			Status:     counter.StatusOpen,
			Agency:     r.Agency,
			Official:   r.Official,
			OccurredAt: p.at,
			Details:    map[string]any{"received_at": stamp(tl.cfg, r.At), "due_at": stamp(tl.cfg, dl)},
		}
		f := tl.final()
		for j, e := range tl.events {
			if e.Type == counter.Transferred && j > tl.receipt {
				v.Status = counter.StatusResolved
				v.Details["transferred_at"] = stamp(tl.cfg, e.At)
				break
			}
		}
		if v.Status == counter.StatusOpen && (f.FinishedAt != nil || f.Ended()) {
			v.Status = counter.StatusDismissed
		}
		out = append(out, tl.raise(counter.VLateTransfer, p.key, v))
	}
	return out, pending
}
