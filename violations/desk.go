package violations

import (
	"fmt"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// FoldDesk applies a shift event of the desk to its state and returns the
// new state; other events leave it unchanged. Open and Official follow the
// latest shift event by `at` (a backdated entry does not undo a later
// one); Since is that event's `at`. Watched becomes e.At if it was unset
// or later: the store must also set Watched on every other desk of the
// counter when the counter's first shift event arrives, since the desk's
// own events cannot tell it.
func FoldDesk(desk counter.DeskState, e counter.Event) counter.DeskState {
	if !e.Type.IsShift() {
		return desk
	}
	desk.Agency, desk.Desk = e.Agency, e.Desk
	if desk.Watched.IsZero() || e.At.Before(desk.Watched) {
		desk.Watched = e.At
	}
	if e.At.Before(desk.Since) {
		return desk
	}
	desk.Since = e.At
	desk.Open = e.Type == counter.ShiftStarted
	desk.Official = ""
	if desk.Open {
		desk.Official = e.Official
	}
	return desk
}

// deskPrefix is the ID prefix of a desk's violations.
func deskPrefix(d counter.DeskState) string { return "desk:" + d.Agency + ":" + d.Desk }

// stretch is a span with no open shift at a desk: from the shift event
// that closed the desk (or from watched, before its first shift) to the
// shift_started that opened it again.
type stretch struct {
	since      time.Time // when the stretch began, before clipping to watched
	start, end time.Time
	ended      bool // end is set: a shift_started closed the stretch
}

// unstaffedStretches returns the desk's stretches without an open shift,
// from its shift events ordered by `at`, clipped to start at watched.
func unstaffedStretches(events []counter.Event, watched time.Time) []stretch {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b counter.Event) int { return a.At.Compare(b.At) })
	var out []stretch
	cur, staffed := stretch{since: watched, start: watched}, false
	for _, e := range evs {
		switch {
		case e.Type == counter.ShiftStarted && !staffed:
			staffed, cur.end, cur.ended = true, e.At, true
			out = append(out, cur)
		case e.Type == counter.ShiftEnded && staffed:
			staffed, cur = false, stretch{since: e.At, start: e.At}
		}
	}
	if !staffed {
		out = append(out, cur)
	}
	var clipped []stretch
	for _, s := range out {
		if s.start.Before(watched) {
			s.start = watched
		}
		if s.ended && !s.end.After(s.start) {
			continue
		}
		clipped = append(clipped, s)
	}
	return clipped
}

// deskGrace returns rules.desk_grace as a duration of office time.
func deskGrace(cfg *counter.Config) time.Duration {
	if d, ok := cfg.Rules.DeskGrace.Plain(); ok {
		return d
	}
	d, _ := counter.DefaultRules().DeskGrace.Plain()
	return d
}

// graceOut returns the instant from which a desk unstaffed since from has
// been unstaffed for longer than grace in office time: grace counted in
// office hours, moved to the next opening if it ends at a closing.
func graceOut(cal *calendar.Calendar, from time.Time, grace time.Duration) time.Time {
	t := cal.AddWorkingHours(from, grace)
	if !cal.InOfficeHours(t) {
		t = cal.NextOfficeBoundary(t)
	}
	return t
}

// nextMidnight returns the start of the day after t's, in loc.
func nextMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// deskUnstaffed raises `desk_unstaffed` for each day part of a stretch
// without an open shift, from desk.Watched on, in which the desk is
// unstaffed for longer than rules.desk_grace of office time (a stretch
// that spans days starts its grace afresh each day). occurred_at is the
// instant the grace ran out; charged to the counter. ID discriminator:
// the local date and the stretch's ordinal among the stretches that
// touch that date (1 for the first), which later shifts never renumber
// and which a judgement from a later midnight (see EvaluateDesk) finds
// alike. Status: open while the stretch
// and its day last, resolved once a shift starts or the day is over. The
// instant returned is the earlier of the next midnight, when an open one
// is resolved, and the instant the ongoing stretch's grace will next be
// exceeded (the instant it runs out plus 1 ns). Decree 61/2018/NĐ-CP Art. 12(8),
// 9(3).
func deskUnstaffed(cfg *counter.Config, desk counter.DeskState, events []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	if desk.Watched.IsZero() {
		return nil, time.Time{}
	}
	cal, loc, grace := cfg.Calendar, cfg.Calendar.Location, deskGrace(cfg)
	prefix := deskPrefix(desk)
	var out []counter.Violation
	var next time.Time
	nth := map[string]int{} // stretches seen per local date
	for _, s := range unstaffedStretches(events, desk.Watched) {
		end := now
		if s.ended && s.end.Before(now) {
			end = s.end
		}
		for day := s.start; day.Before(end); {
			// The part of the stretch inside day's date, from its true
			// start: a stretch begun before watched (the store may move
			// watched forward to bound the work) keeps its instants.
			nd := nextMidnight(day, loc)
			ps := s.since
			if y, m, d := day.In(loc).Date(); ps.Before(time.Date(y, m, d, 0, 0, 0, 0, loc)) {
				ps = time.Date(y, m, d, 0, 0, 0, 0, loc)
			}
			pe := end
			if nd.Before(pe) {
				pe = nd
			}
			date := calendar.DateOf(ps.In(loc)).String()
			if ps.Before(pe) {
				nth[date]++
			}
			if cal.WorkingTime(ps, pe) > grace {
				at := graceOut(cal, ps, grace)
				status := counter.StatusOpen
				if (s.ended && !s.end.After(now)) || !nd.After(now) {
					status = counter.StatusResolved
				} else {
					next = earliest(now, next, nd) // the day's part ends: resolved
				}
				details := map[string]any{
					"desk": desk.Desk, "date": date, "since": stamp(cfg, s.since), "grace": cfg.Rules.DeskGrace.String(),
				}
				if s.ended {
					details["until"] = stamp(cfg, s.end)
				}
				disc := fmt.Sprintf("%s/%d", date, nth[date])
				out = append(out, charge(cfg, now, "", prefix, counter.VDeskUnstaffed, disc, counter.Violation{
					Severity:   counter.SeverityHigh,
					Status:     status,
					Agency:     desk.Agency,
					OccurredAt: at,
					Details:    details,
				}))
				if v, ok := secondedCharge(cfg, now, prefix, disc, desk, status, at, details); ok {
					out = append(out, v)
				}
			}
			day = nd
		}
		if !s.ended {
			next = earliest(now, next, nextGraceOut(cal, s.since, now, grace))
		}
	}
	return out, next
}

// nextGraceOut returns the first instant after now at which an open
// stretch begun at start exceeds its grace in some day (zero if none
// within a year).
func nextGraceOut(cal *calendar.Calendar, start, now time.Time, grace time.Duration) time.Time {
	loc := cal.Location
	ps := start
	if now.After(start) {
		y, m, d := now.In(loc).Date()
		if day := time.Date(y, m, d, 0, 0, 0, 0, loc); day.After(start) {
			ps = day
		}
	}
	for range 400 {
		nd := nextMidnight(ps, loc)
		if cal.WorkingTime(ps, nd) > grace {
			if t := graceOut(cal, ps, grace).Add(time.Nanosecond); t.After(now) {
				return t
			}
		}
		ps = nd
	}
	return time.Time{}
}

// secondedCharge returns the second desk_unstaffed of an unstaffed desk
// whose staff another agency seconds (agencies.yaml `seconded_by`), charged
// to that agency and its head, when the rule version in force at the
// breach makes it answerable: from v2025 the seconding agency must keep
// backup staff so that reception never stops (Decree 118/2025 Art.
// 11(8)). Its ID adds "/seconded" to the counter's; details.counter names
// the counter.
func secondedCharge(cfg *counter.Config, now time.Time, prefix, disc string, desk counter.DeskState,
	status string, at time.Time, details map[string]any) (counter.Violation, bool) {
	ag := cfg.Agency(desk.Agency)
	if ag == nil {
		return counter.Violation{}, false
	}
	by, ok := ag.SecondedBy[desk.Desk]
	if !ok || cfg.Agency(by) == nil {
		return counter.Violation{}, false
	}
	if r, _ := counter.RegimeInfo(cfg.RegimeAt(at)); !r.SecondingAgencyCharged {
		return counter.Violation{}, false
	}
	d := make(map[string]any, len(details)+1)
	for k, v := range details {
		d[k] = v
	}
	d["counter"] = desk.Agency
	return charge(cfg, now, "", prefix, counter.VDeskUnstaffed, disc+"/seconded", counter.Violation{
		Severity:   counter.SeverityHigh,
		Status:     status,
		Agency:     by,
		OccurredAt: at,
		Details:    d,
	}), true
}
