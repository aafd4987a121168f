package violations

import (
	"time"

	"github.com/motcua/motcua/counter"
)

// Engine implements counter.Evaluator with the rules of SPEC.md §5. It has
// no state: every answer is computed from its arguments.
type Engine struct{}

var _ counter.Evaluator = (*Engine)(nil)

// New returns an Engine.
func New() *Engine { return &Engine{} }

// dossierRule judges one violation code over a dossier's timeline. It
// returns what the history holds at tl.now and the first instant after now
// at which its answer could change by time alone (zero if none).
type dossierRule func(tl *timeline) ([]counter.Violation, time.Time)

// dossierRules lists one rule per dossier code, in the order of SPEC.md §5.
func dossierRules() []dossierRule {
	return []dossierRule{
		overdue, lateReturn, missingApology, repeatedReschedule, lateAfterReschedule,
		missingSlip, slipBeyondLegalLimit,
		repeatedSupplement, inconsistentSupplement, extraDocument, lateSupplementRequest, missingReason,
		stepOverrun, responsibilityBounce, lateTransfer,
		complaints, backdatedEntries,
		databaseDocumentRequested, dossierCodeFormat,
	}
}

// EvaluateDossier returns every violation that the history of d holds at
// now, sorted by occurred_at then ID, and the first instant after now at
// which the answer could change by the passage of time alone, or the zero
// time when only a new event can change it. events are d's events in log
// order; they are judged in the order of their `at` (a stable sort), so a
// backdated entry counts where it says it happened. d supplies the dossier
// code; the state is re-derived with counter.Fold.
func (e *Engine) EvaluateDossier(cfg *counter.Config, d *counter.Dossier, events []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	if len(events) == 0 {
		return nil, time.Time{}
	}
	if len(cfg.Rules.Versions) > 0 {
		// The thresholds of the dossier's rule version (rules.yaml
		// `versions:`), by the state its whole history folds to.
		var st *counter.Dossier
		for _, e := range events {
			st = counter.Fold(cfg, st, e)
		}
		cfg = cfg.ForRegime(cfg.RegimeOf(st))
	}
	tl := newTimeline(cfg, d, events, now)
	var out []counter.Violation
	var next time.Time
	for _, r := range dossierRules() {
		vs, n := r(tl)
		out = append(out, vs...)
		next = earliest(now, next, n)
	}
	sortViolations(out)
	return out, next
}

// EvaluateDesk returns the desk_unstaffed violations of desk from
// desk.Watched up to now and the backdated_entry violations of its shift
// events, sorted by
// occurred_at then ID, and the next instant after now at which the answer
// could change by time alone: an unstaffed desk's grace being exceeded, or
// midnight resolving the day's open desk_unstaffed (zero if the desk is
// staffed with nothing open, or not watched).
//
// events must be every shift event of the desk at or after desk.Watched,
// plus the last one before it if there is one (it tells whether the desk
// was staffed at desk.Watched); the order does not matter. Staffing is
// derived from events alone; desk supplies Agency, Desk and Watched. To
// bound the work, pass a copy of desk with Watched moved forward to a
// local midnight (say a week before now) and the events from then on plus
// the last one before: the days before the new Watched are no longer
// judged, and every violation returned keeps the ID, occurred_at, agency
// and status it has in a judgement over the full history. (Moved to any
// other instant, the day of the move may differ: the stretch before the
// desk's first shift would seem to start there.)
//
// A desk of a watched counter with no shift event at all is judged from
// desk.Watched as unstaffed.
func (e *Engine) EvaluateDesk(cfg *counter.Config, desk counter.DeskState, events []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	out, next := deskUnstaffed(cfg, desk, events, now)
	prefix := deskPrefix(desk)
	for _, ev := range events {
		if v, ok := backdatedEntry(cfg, "", prefix, ev, now); ok {
			out = append(out, v)
		}
	}
	sortViolations(out)
	return out, next
}

// charge fills in a violation's common fields: the ID is
// "<prefix>/<code>/<discriminator>", the head is the head of the agency
// charged, detected_at is now (the store keeps the first detection), and
// the basis is the article of rule version regime (SPEC.md §10.2): the
// dossier's, or for a breach of no dossier ("") the version in force at
// occurred_at.
func charge(cfg *counter.Config, now time.Time, regime, prefix, code, disc string, v counter.Violation) counter.Violation {
	v.ID = prefix + "/" + code + "/" + disc
	v.Code = code
	v.Head = cfg.HeadOfAt(v.Agency, v.OccurredAt) // the head in office when it happened
	v.DetectedAt = now
	if v.Basis == "" {
		if regime == "" {
			regime = cfg.RegimeAt(v.OccurredAt)
		}
		v.Basis = BasisFor(regime, code)
	}
	if v.Status == "" {
		v.Status = counter.StatusOpen
	}
	return v
}

// raise builds a violation of tl's dossier.
func (tl *timeline) raise(code, disc string, v counter.Violation) counter.Violation {
	v.Dossier = tl.code
	return charge(tl.cfg, tl.now, tl.regime(), tl.code, code, disc, v)
}

// regime returns the dossier's rule version.
func (tl *timeline) regime() string {
	if f := tl.final(); f != nil {
		return tl.cfg.RegimeOf(f)
	}
	return ""
}

// stamp formats t for details: RFC 3339 in the calendar's zone, so that
// details survive a JSON round trip unchanged.
func stamp(cfg *counter.Config, t time.Time) string {
	if cfg.Calendar != nil && cfg.Calendar.Location != nil {
		t = t.In(cfg.Calendar.Location)
	}
	return t.Format(time.RFC3339)
}
