package violations

import (
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
)

// Supplement phases (details.phase).
const (
	PhaseIntake    = "intake"    // Form 02 at the counter, before receipt
	PhaseAppraisal = "appraisal" // Form 02 after receipt
)

// phaseOf returns the phase of a supplement request, or "" for any other
// event.
func phaseOf(t counter.EventType) string {
	switch t {
	case counter.IntakeSupplementRequested:
		return PhaseIntake
	case counter.SupplementRequested:
		return PhaseAppraisal
	}
	return ""
}

// itemKey identifies a requested paper: its code, or else its name
// folded to lower case with spaces collapsed.
func itemKey(it counter.Item) string {
	if it.Code != "" {
		return "code:" + it.Code
	}
	return "name:" + strings.Join(strings.Fields(strings.ToLower(it.Name)), " ")
}

// itemLabel names an item in details: its code, else its name.
func itemLabel(it counter.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return it.Name
}

// repeatedSupplement raises `repeated_supplement` for each supplement
// request beyond rules.max_supplements in its phase (intake: Form 02 at the
// counter; appraisal: after receipt), over the dossier's whole life.
// occurred_at is the request's `at`; charged to the requesting agency and
// official. Status: open.
// Decree 61/2018/NĐ-CP Art. 15(3), 17(1)(a), 19(4) ("một lần").
func repeatedSupplement(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	count, limit := map[string]int{}, tl.cfg.Rules.MaxSupplements
	for _, e := range tl.events {
		ph := phaseOf(e.Type)
		if ph == "" {
			continue
		}
		count[ph]++
		if count[ph] <= limit {
			continue
		}
		out = append(out, tl.raise(counter.VRepeatedSupplement, e.ID, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"phase": ph, "count": count[ph], "max": limit},
		}))
	}
	return out, time.Time{}
}

// inconsistentSupplement raises `inconsistent_supplement` for each later
// supplement request of a phase that asks for a paper the phase's first
// request did not (by code, or by name for an item without one).
// details.items lists the new papers. occurred_at is the later request's
// `at`; charged to its agency and official. Status: open.
// Decree 61/2018/NĐ-CP Art. 11(2)(c) ("hướng dẫn bổ sung nhiều lần không
// thống nhất").
func inconsistentSupplement(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	first := map[string]counter.Event{}
	for _, e := range tl.events {
		ph := phaseOf(e.Type)
		if ph == "" {
			continue
		}
		f, ok := first[ph]
		if !ok {
			first[ph] = e
			continue
		}
		asked := map[string]bool{}
		for _, it := range f.Items {
			asked[itemKey(it)] = true
		}
		var extra []string
		for _, it := range e.Items {
			if !asked[itemKey(it)] {
				extra = append(extra, itemLabel(it))
			}
		}
		if len(extra) == 0 {
			continue
		}
		out = append(out, tl.raise(counter.VInconsistentSupplement, e.ID, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"phase": ph, "items": extra, "first": f.ID},
		}))
	}
	return out, time.Time{}
}

// extraDocument raises `extra_document` for each supplement request that
// asks for a paper with no code, or with a code the procedure's documents
// do not list; details.items lists those papers. occurred_at is the
// request's `at`; charged to its agency and official. Status: open.
// Decree 61/2018/NĐ-CP Art. 5(1)(đ), 6(1)(b).
func extraDocument(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for i, e := range tl.events {
		ph := phaseOf(e.Type)
		if ph == "" {
			continue
		}
		code := e.Procedure
		if code == "" {
			code = tl.states[i].Procedure
		}
		proc := tl.cfg.Procedure(code)
		var extra []string
		for _, it := range e.Items {
			if it.Code == "" || (proc != nil && !proc.HasDocument(it.Code)) {
				extra = append(extra, itemLabel(it))
			}
		}
		if len(extra) == 0 {
			continue
		}
		out = append(out, tl.raise(counter.VExtraDocument, e.ID, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"phase": ph, "items": extra, "procedure": code},
		}))
	}
	return out, time.Time{}
}

// lateSupplementRequest raises `late_supplement_request` for each
// appraisal-phase request made later than rules.supplement_window after
// the start of the clock then running: the receipt, or the last
// supplement_received (the complete dossier's new arrival restarts the
// period, Art. 19(4)). occurred_at is the request's `at`; charged to its
// agency and official. Status: open. Decree 61/2018/NĐ-CP Art. 19(4).
func lateSupplementRequest(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for i, e := range tl.events {
		if e.Type != counter.SupplementRequested || i == 0 || tl.cycle[i] < 0 {
			continue
		}
		start := tl.events[tl.cycle[i]].At
		dl, err := tl.cfg.Add(start, tl.cfg.Rules.SupplementWindow)
		if err != nil || !e.At.After(dl) {
			continue
		}
		out = append(out, tl.raise(counter.VLateSupplementRequest, e.ID, counter.Violation{
			Severity:   counter.SeverityMedium,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details: map[string]any{
				"clock_start": stamp(tl.cfg, start),
				"window":      tl.cfg.Rules.SupplementWindow.String(),
				"due_at":      stamp(tl.cfg, dl),
			},
		}))
	}
	return out, time.Time{}
}

// missingReason raises `missing_reason` for each supplement request (either
// phase), intake refusal or rejection recorded without a reason.
// occurred_at is the event's `at`; charged to its agency and official.
// Status: open. Decree 61/2018/NĐ-CP Art. 17(1)(a)–(b), 19(4), 19(8).
func missingReason(tl *timeline) ([]counter.Violation, time.Time) {
	var out []counter.Violation
	for _, e := range tl.events {
		switch e.Type {
		case counter.IntakeSupplementRequested, counter.SupplementRequested, counter.IntakeRefused, counter.Rejected:
		default:
			continue
		}
		if strings.TrimSpace(e.Reason) != "" {
			continue
		}
		out = append(out, tl.raise(counter.VMissingReason, e.ID, counter.Violation{
			Severity:   counter.SeverityMedium,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"event": string(e.Type)},
		}))
	}
	return out, time.Time{}
}

// databaseDocumentRequested raises `database_document_requested` for each
// supplement request (at intake or after receipt) that asks for a paper
// the procedure marks `in_national_db`: the agency must use the data the
// national databases hold and must not ask the applicant for it (Decree
// 118/2025 Art. 5(1); Art. 4(2a) as amended by Decree 309/2026). Only for
// dossiers whose rule version makes it a breach (v2025 and later); one
// per request, high severity, charged to the request's agency and
// official at its `at`; details name the papers. Status: open.
func databaseDocumentRequested(tl *timeline) ([]counter.Violation, time.Time) {
	if r, _ := counter.RegimeInfo(tl.regime()); !r.DatabaseDocuments {
		return nil, time.Time{}
	}
	var out []counter.Violation
	for i, e := range tl.events {
		if phaseOf(e.Type) == "" {
			continue
		}
		code := e.Procedure
		if code == "" {
			code = tl.states[i].Procedure
		}
		proc := tl.cfg.Procedure(code)
		if proc == nil {
			continue
		}
		var held []string
		for _, it := range e.Items {
			for _, doc := range proc.Documents {
				if it.Code != "" && doc.Code == it.Code && doc.InNationalDB {
					held = append(held, itemLabel(it))
				}
			}
		}
		if len(held) == 0 {
			continue
		}
		out = append(out, tl.raise(counter.VDatabaseDocumentRequested, e.ID, counter.Violation{
			Severity:   counter.SeverityHigh,
			Agency:     e.Agency,
			Official:   e.Official,
			OccurredAt: e.At,
			Details:    map[string]any{"phase": phaseOf(e.Type), "items": held, "procedure": code},
		}))
	}
	return out, time.Time{}
}
