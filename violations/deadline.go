package violations

import (
	"time"

	"github.com/motcua/motcua/counter"
)

// overdue raises `overdue` when a received dossier whose clock runs passes
// its effective due time (the slip's promise, or an apology's new_due_at),
// judged by event times: a dossier posted today that was received last
// month and is past its promise is overdue from that promise on. One per
// clock cycle (receipt, then each supplement_received, which restarts the
// period); occurred_at is the due time; charged to the holder at that
// instant. Status: open until the dossier finishes or ends, or its clock
// restarts, then resolved (it stays on record beside the late_return).
// Decree 61/2018/NĐ-CP Art. 19(9).
func overdue(tl *timeline) ([]counter.Violation, time.Time) {
	ps, pending := tl.passes(func(i int) (string, time.Time, bool) {
		s := tl.states[i]
		if !tl.running(i) || s.DueAt == nil {
			return "", time.Time{}, false
		}
		return tl.events[tl.cycle[i]].ID, *s.DueAt, true
	})
	var out []counter.Violation
	for _, p := range ps {
		out = append(out, tl.raise(counter.VOverdue, p.key, counter.Violation{
			Severity:   counter.SeverityHigh,
			Status:     tl.settled(p.i),
			Agency:     tl.holderAt(p.at),
			OccurredAt: p.at,
			Details: map[string]any{
				"due_at":      stamp(tl.cfg, p.at),
				"clock_start": stamp(tl.cfg, tl.events[tl.cycle[p.i]].At),
			},
		}))
	}
	return out, pending
}

// settled returns resolved when the breach that began in the span after
// events[i] can no longer continue: the dossier finished or ended, or its
// clock restarted since; open otherwise.
func (tl *timeline) settled(i int) string {
	f := tl.final()
	if f.FinishedAt != nil || f.Ended() || tl.cycle[len(tl.events)-1] != tl.cycle[i] {
		return counter.StatusResolved
	}
	return counter.StatusOpen
}

// timelyApology returns the index of the first apology of clock cycle cyc
// issued at least rules.apology_notice before promised, or -1.
func (tl *timeline) timelyApology(cyc int, promised time.Time) int {
	for j, e := range tl.events {
		if e.Type != counter.ApologyIssued || tl.cycle[j] != cyc {
			continue
		}
		// A notice the calendar cannot count is taken as given: no breach
		// is guessed (Config.Check refuses it at open).
		if by, err := tl.cfg.Add(e.At, tl.cfg.Rules.ApologyNotice); err != nil || !by.After(promised) {
			return j
		}
	}
	return -1
}

// lateReturn raises `late_return` when the dossier finished (result_ready,
// returned, rejected, or withdrawn after receipt: SPEC.md §4 finished_at)
// after the promised time that stood before any apology. details.excused
// is true when a timely apology (rules.apology_notice before that promise)
// had been issued; the severity is then low. occurred_at is finished_at;
// charged to the holder at finish; the official is who recorded the
// finishing event. Status: open (a fact).
// Decree 61/2018/NĐ-CP Art. 19(9), Art. 30(2)(c).
func lateReturn(tl *timeline) ([]counter.Violation, time.Time) {
	for i, e := range tl.events {
		s := tl.states[i]
		if s.FinishedAt == nil || (i > 0 && tl.states[i-1].FinishedAt != nil) {
			continue
		}
		if s.PromisedDueAt == nil || !s.FinishedAt.After(*s.PromisedDueAt) {
			return nil, time.Time{}
		}
		sev, details := counter.SeverityHigh, map[string]any{
			"finished_at":     stamp(tl.cfg, *s.FinishedAt),
			"promised_due_at": stamp(tl.cfg, *s.PromisedDueAt),
			"event":           string(e.Type),
			"excused":         false,
		}
		if tl.cycle[i] >= 0 {
			if a := tl.timelyApology(tl.cycle[i], *s.PromisedDueAt); a >= 0 {
				sev = counter.SeverityLow
				details["excused"] = true
				details["apology"] = tl.events[a].ID
				details["new_due_at"] = stamp(tl.cfg, tl.events[a].NewDueAt)
			}
		}
		return []counter.Violation{tl.raise(counter.VLateReturn, e.ID, counter.Violation{
			Severity:   sev,
			Agency:     s.Holder,
			Official:   e.Official,
			OccurredAt: *s.FinishedAt,
			Details:    details,
		})}, time.Time{}
	}
	return nil, time.Time{}
}

// missingApology raises `missing_apology` when the promised time (the
// latest slip's, before any apology) passes while the clock runs and no
// apology_issued of that clock cycle came at least rules.apology_notice
// before it. One per clock cycle; occurred_at is the promised time;
// charged to the holder then. Status: open (the notice can no longer be
// given in time). Decree 61/2018/NĐ-CP Art. 19(9), Art. 12(5).
func missingApology(tl *timeline) ([]counter.Violation, time.Time) {
	ps, pending := tl.passes(func(i int) (string, time.Time, bool) {
		s := tl.states[i]
		if !tl.running(i) || s.PromisedDueAt == nil || tl.timelyApology(tl.cycle[i], *s.PromisedDueAt) >= 0 {
			return "", time.Time{}, false
		}
		return tl.events[tl.cycle[i]].ID, *s.PromisedDueAt, true
	})
	var out []counter.Violation
	for _, p := range ps {
		late := 0
		for j, e := range tl.events {
			if e.Type == counter.ApologyIssued && tl.cycle[j] == tl.cycle[p.i] {
				late++
			}
		}
		out = append(out, tl.raise(counter.VMissingApology, p.key, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     tl.holderAt(p.at),
			OccurredAt: p.at,
			Details: map[string]any{
				"promised_due_at": stamp(tl.cfg, p.at),
				"apology_notice":  tl.cfg.Rules.ApologyNotice.String(),
				"late_apologies":  late,
			},
		}))
	}
	return out, pending
}

// repeatedReschedule raises `repeated_reschedule` for each apology beyond
// rules.max_reschedules in the dossier's life. occurred_at is the
// apology's `at`; charged to the issuing agency and official. Status: open.
// Decree 61/2018/NĐ-CP Art. 19(9) ("không quá một lần").
func repeatedReschedule(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	n, limit := 0, tl.cfg.Rules.MaxReschedules
	for _, e := range tl.events {
		if e.Type != counter.ApologyIssued {
			continue
		}
		if n++; n <= limit {
			continue
		}
		out = append(out, tl.raise(counter.VRepeatedReschedule, e.ID, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"count": n, "max": limit, "new_due_at": stamp(tl.cfg, e.NewDueAt)},
		}))
	}
	return out, time.Time{}
}

// lateAfterReschedule raises `late_after_reschedule` when the new_due_at
// of the apology in effect passes while the clock runs: one per apology;
// occurred_at is that new_due_at; charged to the holder then. Status: open
// while the dossier is unfinished, resolved once it finishes or ends (or
// its clock restarts). Decree 61/2018/NĐ-CP Art. 19(9).
func lateAfterReschedule(tl *timeline) ([]counter.Violation, time.Time) {
	ps, pending := tl.passes(func(i int) (string, time.Time, bool) {
		s := tl.states[i]
		if !tl.running(i) || tl.apology[i] < 0 || s.DueAt == nil {
			return "", time.Time{}, false
		}
		return tl.events[tl.apology[i]].ID, *s.DueAt, true
	})
	var out []counter.Violation
	for _, p := range ps {
		a := tl.events[tl.apology[p.i]]
		out = append(out, tl.raise(counter.VLateAfterReschedule, p.key, counter.Violation{
			Severity:   counter.SeverityHigh,
			Status:     tl.settled(p.i),
			Agency:     tl.holderAt(p.at),
			OccurredAt: p.at,
			Details:    map[string]any{"new_due_at": stamp(tl.cfg, p.at), "apology": a.ID, "apology_agency": a.Agency},
		}))
	}
	return out, pending
}
