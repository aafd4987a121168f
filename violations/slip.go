package violations

import (
	"time"

	"github.com/motcua/motcua/counter"
)

// slipGrace returns rules.slip_grace for channel, falling back to the
// default of SPEC.md §2.4 and then to the direct channel's.
func slipGrace(cfg *counter.Config, channel string) counter.RuleDuration {
	if g, ok := cfg.Rules.SlipGrace[channel]; ok {
		return g
	}
	def := counter.DefaultRules().SlipGrace
	if g, ok := def[channel]; ok {
		return g
	}
	return def[counter.ChannelDirect]
}

// missingSlip raises `missing_slip` when a dossier of a procedure that is
// not "trả ngay" has had no slip (inline on received, or slip_issued)
// within rules.slip_grace of its receipt, grace chosen by the receipt's
// channel; a dossier finished or ended within the grace needs none.
// occurred_at is the end of the grace; charged to the receiving counter
// and official. Status: open until a slip is issued, then resolved.
// Decree 61/2018/NĐ-CP Art. 17(1)(c), 17(3), 17(4).
func missingSlip(tl *timeline) ([]counter.Violation, time.Time) {
	if tl.receipt < 0 {
		return nil, time.Time{}
	}
	r, rs := tl.events[tl.receipt], tl.states[tl.receipt]
	if p := tl.cfg.Procedure(rs.Procedure); p != nil && p.Instant {
		return nil, time.Time{}
	}
	grace := slipGrace(tl.cfg, rs.Channel)
	dl, err := tl.cfg.Add(r.At, grace)
	if err != nil {
		return nil, time.Time{} // Config.Check refuses such a grace at open
	}
	ps, pending := tl.awaitedAfterReceipt(tl.slip, dl)
	var out []counter.Violation
	for _, p := range ps {
		v := counter.Violation{
			Severity:   counter.SeverityHigh,
			Status:     counter.StatusOpen,
			Agency:     r.Agency,
			Official:   r.Official,
			OccurredAt: p.at,
			Details: map[string]any{
				"received_at": stamp(tl.cfg, r.At),
				"channel":     rs.Channel,
				"grace":       grace.String(),
				"due_at":      stamp(tl.cfg, dl),
			},
		}
		for j, e := range tl.events {
			if tl.slip[j] {
				v.Status = counter.StatusResolved
				v.Details["slip_at"] = stamp(tl.cfg, e.At)
				break
			}
		}
		out = append(out, tl.raise(counter.VMissingSlip, p.key, v))
	}
	return out, pending
}

// slipBeyondLegalLimit raises `slip_beyond_legal_limit` for each slip
// (inline on received, or slip_issued) promising a time later than the
// legal_due_at in force when it was given. occurred_at is the slip event's
// `at`; charged to the issuing agency and official. Status: open.
// Decree 61/2018/NĐ-CP Art. 5(1)(đ).
func slipBeyondLegalLimit(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for i, e := range tl.events {
		var due time.Time
		var number string
		switch {
		case e.Type == counter.Received && e.Slip != nil:
			due, number = e.Slip.DueAt, e.Slip.Number
		case e.Type == counter.SlipIssued:
			due, number = e.DueAt, e.Number
		default:
			continue
		}
		legal := tl.states[i].LegalDueAt
		if legal == nil || !due.After(*legal) {
			continue
		}
		out = append(out, tl.raise(counter.VSlipBeyondLegalLimit, e.ID, counter.Violation{
			Severity:   counter.SeverityMedium,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details: map[string]any{
				"due_at":       stamp(tl.cfg, due),
				"legal_due_at": stamp(tl.cfg, *legal),
				"number":       number,
			},
		}))
	}
	return out, time.Time{}
}
