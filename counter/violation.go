package counter

import "time"

// Violation codes (SPEC.md §5).
const (
	VOverdue                = "overdue"
	VLateReturn             = "late_return"
	VMissingApology         = "missing_apology"
	VRepeatedReschedule     = "repeated_reschedule"
	VLateAfterReschedule    = "late_after_reschedule"
	VMissingSlip            = "missing_slip"
	VSlipBeyondLegalLimit   = "slip_beyond_legal_limit"
	VRepeatedSupplement     = "repeated_supplement"
	VInconsistentSupplement = "inconsistent_supplement"
	VExtraDocument          = "extra_document"
	VLateSupplementRequest  = "late_supplement_request"
	VMissingReason          = "missing_reason"
	VStepOverrun            = "step_overrun"
	VResponsibilityBounce   = "responsibility_bounce"
	VLateTransfer           = "late_transfer"
	VDeskUnstaffed          = "desk_unstaffed"
	VComplaint              = "complaint"
	VBackdatedEntry         = "backdated_entry"

	// From the 2025 law (SPEC.md §10.2).
	VDatabaseDocumentRequested = "database_document_requested"
	VDossierCodeFormat         = "dossier_code_format"
)

// ViolationCodes lists every code in the order of SPEC.md §5.
var ViolationCodes = []string{
	VOverdue, VLateReturn, VMissingApology, VRepeatedReschedule, VLateAfterReschedule,
	VMissingSlip, VSlipBeyondLegalLimit, VRepeatedSupplement, VInconsistentSupplement,
	VExtraDocument, VLateSupplementRequest, VMissingReason, VStepOverrun,
	VResponsibilityBounce, VLateTransfer, VDeskUnstaffed, VComplaint, VBackdatedEntry,
	VDatabaseDocumentRequested, VDossierCodeFormat,
}

// Severities.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// Violation statuses.
const (
	StatusOpen        = "open"
	StatusConfirmed   = "confirmed"
	StatusProvisional = "provisional"
	StatusDismissed   = "dismissed"
	StatusResolved    = "resolved"
	// StatusWithdrawn marks a verdict the completed history no longer
	// supports (SPEC.md §10.1): kept on record, counted nowhere.
	StatusWithdrawn = "withdrawn"
)

// ViolationHead is the head answering for the unit charged.
type ViolationHead struct {
	Agency string `json:"agency"`
	Name   string `json:"name"`
	Title  string `json:"title"`
}

// Violation is one breach (SPEC.md §5). ID is deterministic: the same
// history always yields the same IDs, so re-evaluation upserts.
type Violation struct {
	ID         string         `json:"id"`
	Code       string         `json:"code"`
	Severity   string         `json:"severity"`
	Status     string         `json:"status"`
	Dossier    string         `json:"dossier,omitempty"`
	Agency     string         `json:"agency"`
	Official   string         `json:"official,omitempty"`
	Head       ViolationHead  `json:"head"`
	OccurredAt time.Time      `json:"occurred_at"`
	DetectedAt time.Time      `json:"detected_at"`
	Basis      string         `json:"basis"`
	Details    map[string]any `json:"details,omitempty"`
	// WithdrawnAt and WithdrawnBy (the id of the event that withdrew it; empty
	// for a deadline sweep) are set while Status is withdrawn.
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnBy string     `json:"withdrawn_by,omitempty"`
}

// Counts reports whether v counts in roll-ups: dismissed and withdrawn ones
// count nowhere.
func (v *Violation) Counts() bool { return v.Status != StatusDismissed && v.Status != StatusWithdrawn }
