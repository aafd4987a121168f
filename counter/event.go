package counter

import (
	"slices"
	"time"
)

// EventType names what happened to a dossier (SPEC.md §3).
type EventType string

// The event types of SPEC.md §3.
const (
	Submitted                 EventType = "submitted"
	IntakeSupplementRequested EventType = "intake_supplement_requested"
	IntakeRefused             EventType = "intake_refused"
	Received                  EventType = "received"
	SlipIssued                EventType = "slip_issued"
	Transferred               EventType = "transferred"
	SupplementRequested       EventType = "supplement_requested"
	SupplementReceived        EventType = "supplement_received"
	ApologyIssued             EventType = "apology_issued"
	ResultReady               EventType = "result_ready"
	Returned                  EventType = "returned"
	Rejected                  EventType = "rejected"
	Withdrawn                 EventType = "withdrawn"
	ComplaintFiled            EventType = "complaint_filed"
	ComplaintResolved         EventType = "complaint_resolved"
	// StopRequested: the applicant asks to stop processing; StopNoticeIssued:
	// the agency's stop notice (Form 05 of Circular 03/2025), which ends the
	// dossier (state `stopped`). Decree 118/2025 Art. 21; SPEC.md §10.2.
	// Both exist for dossiers of v2025 and later only.
	StopRequested    EventType = "stop_requested"
	StopNoticeIssued EventType = "stop_notice_issued"
	ShiftStarted     EventType = "shift_started"
	ShiftEnded       EventType = "shift_ended"
	// DataNote records what an import or a feed could not tell about a
	// dossier (a data-quality note, "ghi chú chất lượng dữ liệu"); it
	// changes no state and is shown on the timeline. Not in SPEC.md §3.
	DataNote EventType = "data_note"
)

// EventTypes lists every event type in the order of SPEC.md §3.
var EventTypes = []EventType{
	Submitted, IntakeSupplementRequested, IntakeRefused, Received, SlipIssued,
	Transferred, SupplementRequested, SupplementReceived, ApologyIssued,
	ResultReady, Returned, Rejected, Withdrawn, ComplaintFiled, ComplaintResolved,
	ShiftStarted, ShiftEnded, DataNote, StopRequested, StopNoticeIssued,
}

// Valid reports whether t is one of the types of SPEC.md §3.
func (t EventType) Valid() bool {
	for _, x := range EventTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Creates reports whether an event of type t may open a new dossier.
func (t EventType) Creates() bool {
	switch t {
	case Submitted, IntakeSupplementRequested, IntakeRefused, Received:
		return true
	}
	return false
}

// Ends reports whether an event of type t closes its dossier to further
// events other than complaints.
func (t EventType) Ends() bool {
	switch t {
	case Returned, Rejected, Withdrawn, IntakeRefused, StopNoticeIssued:
		return true
	}
	return false
}

// IsShift reports whether t is a desk shift event (no dossier).
func (t EventType) IsShift() bool { return t == ShiftStarted || t == ShiftEnded }

// Channels by which a dossier arrives.
const (
	ChannelDirect = "direct"
	ChannelOnline = "online"
	ChannelPostal = "postal"
)

// Complaint categories and outcomes (SPEC.md §3).
var (
	ComplaintCategories = []string{"harassment", "bribery", "attitude", "indifference", "extra_papers", "other"}
	ComplaintOutcomes   = []string{"upheld", "unfounded"}
)

// Applicant is the citizen behind a dossier. IDNumber is accepted on input
// but never stored: the store keeps only IDHash, a keyed hash.
type Applicant struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	IDHash   string `json:"id_hash,omitempty"`
}

// Item is a paper asked for or handed in; Code refers to the procedure's
// document list and may be empty for an item outside any list.
type Item struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// Slip is the appointment slip (Form 01) given at receipt.
type Slip struct {
	Number string    `json:"number,omitempty"`
	DueAt  time.Time `json:"due_at"`
}

// Event is one thing that happened at a counter (SPEC.md §3). The fields
// used depend on Type; the server sets Seq, RecordedAt and Hash.
type Event struct {
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	Dossier    string    `json:"dossier,omitempty"`
	At         time.Time `json:"at"`
	Agency     string    `json:"agency"`
	Official   string    `json:"official,omitempty"`
	Seq        uint64    `json:"seq,omitempty"`
	RecordedAt time.Time `json:"recorded_at,omitzero"`
	PrevHash   string    `json:"prev_hash,omitempty"`
	Hash       string    `json:"hash,omitempty"`
	// Imported marks an event copied from another system's history by
	// `motcua import`: how late it reaches motcua says nothing of how late
	// the office recorded it, so it is never a backdated_entry. Set by the
	// store (never taken from a client) and kept in the log.
	Imported bool `json:"imported,omitempty"`

	Procedure string `json:"procedure,omitempty"`
	Channel   string `json:"channel,omitempty"`
	// CrossBoundary marks a dossier received outside the competent
	// agency's area (the national portal's nonBoundary). From v2026a its
	// clock starts when the competent agency receives it: at its first
	// transfer (Decree 118/2025 Art. 17(3) as amended by Decree 309/2026).
	CrossBoundary bool       `json:"cross_boundary,omitempty"`
	Applicant     *Applicant `json:"applicant,omitempty"`
	Documents     []Item     `json:"documents,omitempty"`
	Slip          *Slip      `json:"slip,omitempty"`

	// slip_issued
	Number string    `json:"number,omitempty"`
	DueAt  time.Time `json:"due_at,omitzero"`

	// transferred
	To   string `json:"to,omitempty"`
	Step string `json:"step,omitempty"`

	// supplement requests, refusals, rejections, withdrawals, apologies
	Items    []Item    `json:"items,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	NewDueAt time.Time `json:"new_due_at,omitzero"`

	// complaints
	Complaint       string `json:"complaint,omitempty"`
	Category        string `json:"category,omitempty"`
	SubjectOfficial string `json:"subject_official,omitempty"`
	Text            string `json:"text,omitempty"`
	Outcome         string `json:"outcome,omitempty"`

	// shifts
	Desk string `json:"desk,omitempty"`
}

// Clone returns a copy of e that shares no memory that could change with
// e: its applicant, slip, documents and items are copied (nil stays nil,
// empty stays empty).
func (e Event) Clone() Event {
	if e.Applicant != nil {
		a := *e.Applicant
		e.Applicant = &a
	}
	if e.Slip != nil {
		s := *e.Slip
		e.Slip = &s
	}
	e.Documents = slices.Clone(e.Documents)
	e.Items = slices.Clone(e.Items)
	return e
}

// Body returns a copy of e without the fields the server sets, the part
// that two submissions of one id must share to be the same event.
func (e Event) Body() Event {
	e.Seq, e.RecordedAt, e.PrevHash, e.Hash = 0, time.Time{}, "", ""
	if e.Applicant != nil {
		a := *e.Applicant
		e.Applicant = &a
	}
	return e
}
