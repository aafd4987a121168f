package violations

import (
	"time"

	"github.com/motcua/motcua/counter"
)

// complaints raises `complaint` for each complaint_filed: provisional until
// resolved, confirmed when upheld, dismissed when found unfounded (then it
// counts nowhere). occurred_at is the filing's `at`; charged to the
// subject official's agency, else to the holder at filing; the official is
// the subject official. Decree 61/2018/NĐ-CP Art. 5(1)(a), (h).
func complaints(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for i, e := range tl.events {
		if e.Type != counter.ComplaintFiled {
			continue
		}
		agency := tl.states[i].Holder
		if o := tl.cfg.Official(e.SubjectOfficial); o != nil {
			agency = o.Agency
		}
		v := counter.Violation{
			Severity:   counter.SeverityHigh,
			Status:     counter.StatusProvisional,
			Agency:     agency,
			Official:   e.SubjectOfficial,
			OccurredAt: e.At,
			Details:    map[string]any{"complaint": e.Complaint, "category": e.Category},
		}
		if e.Text != "" {
			v.Details["text"] = e.Text
		}
		for _, r := range tl.events {
			if r.Type != counter.ComplaintResolved || r.Complaint != e.Complaint {
				continue
			}
			switch r.Outcome {
			case "upheld":
				v.Status = counter.StatusConfirmed
			case "unfounded":
				v.Status = counter.StatusDismissed
			default:
				continue
			}
			v.Details["outcome"] = r.Outcome
			v.Details["resolved_at"] = stamp(tl.cfg, r.At)
		}
		out = append(out, tl.raise(counter.VComplaint, e.ID, v))
	}
	return out, time.Time{}
}

// backdatedEntries raises `backdated_entry` for each event of the dossier
// recorded more than rules.backdate_tolerance after its `at`.
func backdatedEntries(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for _, e := range tl.events {
		if v, ok := backdatedEntry(tl.cfg, tl.regime(), tl.code, e, tl.now); ok {
			v.Dossier = tl.code
			out = append(out, v)
		}
	}
	return out, time.Time{}
}

// backdatedEntry judges one event: it is a `backdated_entry` when its
// recorded_at is later than its `at` plus rules.backdate_tolerance.
// occurred_at is the event's `at` (SPEC.md §5: the `at` of the event that
// made it), details.recorded_at when it was written; an imported event
// (copied from another system's history) never is; charged to the
// recording official's agency (the event's agency). Status: open.
// Decision 2090/QĐ-UBND (Đà Nẵng): heads answer for truthful data.
func backdatedEntry(cfg *counter.Config, regime, prefix string, e counter.Event, now time.Time) (counter.Violation, bool) {
	if e.RecordedAt.IsZero() || e.Imported {
		return counter.Violation{}, false
	}
	// A tolerance the calendar cannot count judges nothing (Config.Check
	// refuses it at open): no breach is guessed.
	if limit, err := cfg.Add(e.At, cfg.Rules.BackdateTolerance); err != nil || !e.RecordedAt.After(limit) {
		return counter.Violation{}, false
	}
	return charge(cfg, now, regime, prefix, counter.VBackdatedEntry, e.ID, counter.Violation{
		Severity:   counter.SeverityLow,
		Agency:     e.Agency,
		Official:   e.Official,
		OccurredAt: e.At,
		Details: map[string]any{
			"event":       string(e.Type),
			"recorded_at": stamp(cfg, e.RecordedAt),
			"lag":         e.RecordedAt.Sub(e.At).Round(time.Second).String(),
			"tolerance":   cfg.Rules.BackdateTolerance.String(),
		},
	}), true
}
