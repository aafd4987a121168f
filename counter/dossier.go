package counter

import (
	"fmt"
	"slices"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// Dossier statuses: where a dossier is in its life.
const (
	DossierIntake           = "intake"            // submitted online/postal, not yet received
	DossierIntakeSupplement = "intake_supplement" // Form 02 at the counter, not yet received
	DossierRefused          = "refused"           // Form 03
	DossierProcessing       = "processing"        // received, clock running
	DossierPaused           = "paused"            // supplement requested after receipt
	DossierResultReady      = "result_ready"
	DossierReturned         = "returned"
	DossierRejected         = "rejected"
	DossierWithdrawn        = "withdrawn"
	DossierStopped          = "stopped" // stop notice issued (Form 05, from v2025)
)

// Clock states (SPEC.md §4).
const (
	ClockIntake     = "intake"
	ClockOnTrack    = "on_track"
	ClockWarning    = "warning"
	ClockDueToday   = "due_today"
	ClockOverdue    = "overdue"
	ClockPaused     = "paused"
	ClockDoneOnTime = "done_on_time"
	ClockDoneLate   = "done_late"
	ClockClosed     = "closed"
)

// ClockStates lists the clock states in display order.
var ClockStates = []string{ClockIntake, ClockOnTrack, ClockWarning, ClockDueToday, ClockOverdue,
	ClockPaused, ClockDoneOnTime, ClockDoneLate, ClockClosed}

// Clock is a dossier's clock as seen at one instant.
type Clock struct {
	State        string  `json:"state"`
	UsedFraction float64 `json:"used_fraction"`
	PausedReason string  `json:"paused_reason,omitempty"`
}

// Supplements counts supplement requests per phase.
type Supplements struct {
	Intake    int `json:"intake"`
	Appraisal int `json:"appraisal"`
}

// Complaint is one citizen complaint about a dossier.
type Complaint struct {
	ID              string `json:"id"`
	Category        string `json:"category"`
	SubjectOfficial string `json:"subject_official,omitempty"`
	Outcome         string `json:"outcome,omitempty"`
}

// Dossier is the state derived from a dossier's events by Fold (SPEC.md
// §6.2). Times are nil until they exist.
type Dossier struct {
	Code          string      `json:"code"`
	Procedure     string      `json:"procedure"`
	Agency        string      `json:"agency"`
	Holder        string      `json:"holder"`
	Status        string      `json:"status"`
	Channel       string      `json:"channel,omitempty"`
	Applicant     *Applicant  `json:"applicant,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	ReceivedAt    *time.Time  `json:"received_at"`
	LegalDueAt    *time.Time  `json:"legal_due_at"`
	PromisedDueAt *time.Time  `json:"promised_due_at"`
	DueAt         *time.Time  `json:"due_at"`
	FinishedAt    *time.Time  `json:"finished_at"`
	Clock         Clock       `json:"clock"`
	Supplements   Supplements `json:"supplements"`
	Reschedules   int         `json:"reschedules"`
	TrackingKey   string      `json:"tracking_key,omitempty"`
	TrackingURL   string      `json:"tracking_url,omitempty"` // set by the HTTP layer on the public address
	// Regime is the rule version of the dossier (SPEC.md §10.2), by its
	// receipt date, or its creation date before receipt.
	Regime string `json:"regime"`

	// Extensions beyond SPEC.md.
	Slip         *Slip      `json:"slip,omitempty"`
	ClockStart   *time.Time `json:"clock_start,omitempty"` // receipt, or the last supplement_received
	PausedAt     *time.Time `json:"paused_at,omitempty"`
	PausedReason string     `json:"paused_reason,omitempty"`
	ReturnedAt   *time.Time `json:"returned_at,omitempty"`
	// StopRequestedAt: the applicant asked to stop; StoppedAt: the stop
	// notice ended the dossier (Decree 118/2025 Art. 21).
	StopRequestedAt *time.Time `json:"stop_requested_at,omitempty"`
	StoppedAt       *time.Time `json:"stopped_at,omitempty"`
	// CrossBoundary: received outside the competent agency's area; under
	// a regime whose clock starts at the competent agency, ClockStart stays
	// nil until the first transfer.
	CrossBoundary bool        `json:"cross_boundary,omitempty"`
	Complaints    []Complaint `json:"complaints,omitempty"`
	// Visible lists the agencies whose subtrees may see the dossier
	// (SPEC.md §10.4; Visible in settle.go): one definition for the
	// store's indexes, the API and the websocket.
	Visible    []string  `json:"visible_to,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"` // the latest event's at
	LastSeq    uint64    `json:"last_seq"`
	EventCount int       `json:"event_count"`
}

// Ended reports whether only complaints may still be recorded.
func (d *Dossier) Ended() bool {
	switch d.Status {
	case DossierRefused, DossierReturned, DossierRejected, DossierWithdrawn, DossierStopped:
		return true
	}
	return false
}

// IsReceived reports whether the dossier has been received (its clock started).
func (d *Dossier) IsReceived() bool { return d.ReceivedAt != nil }

// Finished reports whether processing has finished (SPEC.md §4 finished_at).
func (d *Dossier) Finished() bool { return d.FinishedAt != nil }

// Paused reports whether a supplement request after receipt is open.
func (d *Dossier) Paused() bool { return d.PausedAt != nil }

// OnTime reports whether the dossier finished at or before the promised
// time that stood before any apology (Decree 61 Art. 30(2)(c)).
func (d *Dossier) OnTime() bool {
	return d.FinishedAt != nil && d.PromisedDueAt != nil && !d.FinishedAt.After(*d.PromisedDueAt)
}

// VisibleTo reports whether a reader scoped to agency scope may see d: one
// of the agencies in d.Visible is in its subtree (SPEC.md §10.4). A state
// stored before Visible existed falls back to its receiving agency and
// holder.
func (d *Dossier) VisibleTo(cfg *Config, scope string) bool {
	if cfg.Root != nil && scope == cfg.Root.ID {
		return true
	}
	for _, a := range d.visible() {
		if a == scope || cfg.ReadableFrom(a, scope) {
			return true
		}
	}
	return false
}

// Readers returns every agency whose scope may see d: the agencies of
// d.Visible and all their ancestors, then the heirs of those agencies
// (SPEC.md §10.2: a successor reads its predecessors' dossiers) and their
// ancestors: the agencies s for which VisibleTo(cfg, s) holds.
func (d *Dossier) Readers(cfg *Config) []string {
	var out []string
	add := func(a string) {
		chain := cfg.Ancestors(a)
		if len(chain) == 0 {
			chain = []string{a} // an agency since removed from the tree
		}
		for _, x := range chain {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, a := range d.visible() {
		add(a)
	}
	for _, a := range d.visible() {
		for _, h := range cfg.Heirs(a) {
			add(h)
		}
	}
	return out
}

func (d *Dossier) visible() []string {
	if len(d.Visible) > 0 {
		return d.Visible
	}
	return []string{d.Agency, d.Holder}
}

// Complaint returns the complaint with id, or nil.
func (d *Dossier) Complaint(id string) *Complaint {
	for i := range d.Complaints {
		if d.Complaints[i].ID == id {
			return &d.Complaints[i]
		}
	}
	return nil
}

func tp(t time.Time) *time.Time { return &t }

// Fold applies e to d, the state of e.Dossier before e (nil for a new
// dossier), and returns the new state. It assumes Validate accepted e. It
// never modifies *d.
func Fold(cfg *Config, d *Dossier, e Event) *Dossier {
	// State shows instants in the calendar's zone, whatever offset a client sent.
	loc := cfg.Calendar.Location
	e.At, e.DueAt, e.NewDueAt = e.At.In(loc), e.DueAt.In(loc), e.NewDueAt.In(loc)
	if e.Slip != nil {
		s := *e.Slip
		s.DueAt = s.DueAt.In(loc)
		e.Slip = &s
	}
	var n Dossier
	if d != nil {
		n = *d
		n.Complaints = append([]Complaint(nil), d.Complaints...)
	} else {
		n = Dossier{Code: e.Dossier, Procedure: e.Procedure, Agency: e.Agency, Holder: e.Agency, CreatedAt: e.At,
			Regime: cfg.RegimeAt(e.At)}
	}
	// A file held by a unit that has ended passes to the heir that acts on
	// it (SPEC.md §10.2: new units carry on the files of those they
	// absorbed): from that event on the heir holds it, and answers for
	// what happens to it under its head in office.
	if d != nil && e.Agency != n.Holder && e.Type != ComplaintFiled && e.Type != ComplaintResolved && !cfg.InForce(n.Holder, e.At) &&
		cfg.InForce(e.Agency, e.At) && cfg.ReadableFrom(n.Holder, e.Agency) {
		n.Holder = e.Agency
	}
	if e.Applicant != nil && n.Applicant == nil {
		a := Applicant{Name: e.Applicant.Name, Phone: e.Applicant.Phone, IDHash: e.Applicant.IDHash}
		n.Applicant = &a
	}
	if e.Channel != "" && n.Channel == "" {
		n.Channel = e.Channel
	}
	proc := cfg.Procedure(n.Procedure)
	switch e.Type {
	case Submitted:
		n.Status = DossierIntake
	case IntakeSupplementRequested:
		n.Status = DossierIntakeSupplement
		n.Supplements.Intake++
	case IntakeRefused:
		n.Status = DossierRefused
	case Received:
		n.Status = DossierProcessing
		n.Agency, n.Holder = e.Agency, e.Agency
		if e.Channel != "" {
			n.Channel = e.Channel
		}
		if e.Procedure != "" {
			n.Procedure = e.Procedure
			proc = cfg.Procedure(n.Procedure)
		}
		n.ReceivedAt = tp(e.At)
		n.Regime = cfg.RegimeAt(e.At)
		n.CrossBoundary = e.CrossBoundary
		if n.waitsForCompetentAgency() {
			n.ClockStart, n.LegalDueAt, n.PromisedDueAt = nil, nil, nil
		} else {
			n.ClockStart = tp(e.At)
			n.LegalDueAt = legalDue(cfg, proc, e.At)
			n.PromisedDueAt = n.LegalDueAt
		}
		if e.Slip != nil {
			s := *e.Slip
			n.Slip = &s
			n.PromisedDueAt = tp(s.DueAt)
		}
		n.DueAt = n.PromisedDueAt
	case SlipIssued:
		n.Slip = &Slip{Number: e.Number, DueAt: e.DueAt}
		n.PromisedDueAt = tp(e.DueAt)
		if n.Reschedules == 0 {
			n.DueAt = n.PromisedDueAt
		}
	case Transferred:
		n.Holder = e.To
		if n.waitsForCompetentAgency() && n.ClockStart == nil {
			// The competent agency receives it: the clock starts now.
			n.ClockStart = tp(e.At)
			n.LegalDueAt = legalDue(cfg, proc, e.At)
			if n.PromisedDueAt == nil {
				n.PromisedDueAt = n.LegalDueAt
			}
			if n.Reschedules == 0 {
				n.DueAt = n.PromisedDueAt
			}
		}
	case SupplementRequested:
		n.Supplements.Appraisal++
		if n.PausedAt == nil {
			n.PausedAt = tp(e.At)
		}
		n.Status = DossierPaused
		n.PausedReason = e.Reason
		if n.PausedReason == "" {
			for i, it := range e.Items {
				if i > 0 {
					n.PausedReason += "; "
				}
				n.PausedReason += it.Name
			}
		}
	case SupplementReceived:
		// Decree 61 Art. 19(4): the full period restarts from the day the
		// complete dossier arrives; the old slip's promise lapses with it.
		n.Status = DossierProcessing
		n.PausedAt, n.PausedReason = nil, ""
		n.ClockStart = tp(e.At)
		n.LegalDueAt = legalDue(cfg, proc, e.At)
		n.PromisedDueAt = n.LegalDueAt
		n.Slip = nil
		n.DueAt = n.PromisedDueAt
	case ApologyIssued:
		n.Reschedules++
		n.DueAt = tp(e.NewDueAt)
	case ResultReady:
		n.Status = DossierResultReady
		if n.FinishedAt == nil {
			n.FinishedAt = tp(e.At)
		}
	case Returned:
		n.Status = DossierReturned
		n.ReturnedAt = tp(e.At)
		if n.FinishedAt == nil {
			n.FinishedAt = tp(e.At)
		}
	case Rejected:
		n.Status = DossierRejected
		if n.FinishedAt == nil {
			n.FinishedAt = tp(e.At)
		}
	case Withdrawn:
		n.Status = DossierWithdrawn
		if n.FinishedAt == nil && n.ReceivedAt != nil {
			n.FinishedAt = tp(e.At)
		}
	case StopRequested:
		if n.StopRequestedAt == nil {
			n.StopRequestedAt = tp(e.At)
		}
	case StopNoticeIssued:
		// Ends the dossier and its clock, as a withdrawal does.
		n.Status = DossierStopped
		n.StoppedAt = tp(e.At)
		if n.FinishedAt == nil && n.ReceivedAt != nil {
			n.FinishedAt = tp(e.At)
		}
	case ComplaintFiled:
		n.Complaints = append(n.Complaints, Complaint{ID: e.Complaint, Category: e.Category, SubjectOfficial: e.SubjectOfficial})
	case ComplaintResolved:
		if c := n.Complaint(e.Complaint); c != nil {
			c.Outcome = e.Outcome
		}
	case DataNote:
		// Shown on the timeline only.
	}
	if e.At.After(n.UpdatedAt) {
		n.UpdatedAt = e.At
	}
	if e.Seq > n.LastSeq {
		n.LastSeq = e.Seq
	}
	n.EventCount++
	return &n
}

// waitsForCompetentAgency reports whether d's clock starts only when the
// competent agency receives it: a cross-boundary receipt under a regime
// with that rule (v2026a).
func (d *Dossier) waitsForCompetentAgency() bool {
	if !d.CrossBoundary {
		return false
	}
	r, ok := RegimeInfo(d.Regime)
	return ok && r.CompetentAgencyClock
}

// LegalDue returns the legal due time of a dossier of proc received (or
// completed) at t. A "trả ngay" procedure is due by the end of the working
// day of receipt: its lead time is ignored, but a result kept past the
// working day is no longer immediate. A procedure unknown to the catalogue
// has no legal due time.
func LegalDue(cfg *Config, proc *Procedure, t time.Time) (time.Time, error) {
	if proc == nil {
		return time.Time{}, fmt.Errorf("legal due time: no procedure")
	}
	if proc.Instant {
		return cfg.Calendar.AddDays(t, 0), nil
	}
	due, err := cfg.Due(t, proc.LeadTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("legal due time of %s: %w", proc.Code, err)
	}
	return due, nil
}

// legalDue is LegalDue for Fold, which judges only what the configuration
// allows (Config.Check refuses lead times the calendar cannot count): a
// due time that cannot be computed is left out rather than guessed, so no
// clock runs against it.
func legalDue(cfg *Config, proc *Procedure, t time.Time) *time.Time {
	due, err := LegalDue(cfg, proc, t)
	if err != nil {
		return nil
	}
	return &due
}

// ClockAt returns d's clock at now (SPEC.md §4).
func (d *Dossier) ClockAt(cfg *Config, now time.Time) Clock {
	switch {
	case d.Status == DossierWithdrawn || d.Status == DossierRefused || d.Status == DossierStopped:
		return Clock{State: ClockClosed}
	case d.ReceivedAt == nil:
		return Clock{State: ClockIntake}
	case d.FinishedAt != nil:
		if d.OnTime() {
			return Clock{State: ClockDoneOnTime, UsedFraction: d.usedFraction(cfg, *d.FinishedAt)}
		}
		return Clock{State: ClockDoneLate, UsedFraction: d.usedFraction(cfg, *d.FinishedAt)}
	case d.PausedAt != nil:
		return Clock{State: ClockPaused, UsedFraction: d.usedFraction(cfg, *d.PausedAt), PausedReason: d.PausedReason}
	case d.DueAt == nil:
		return Clock{State: ClockOnTrack} // no due time could be counted (legalDue)
	}
	f := d.usedFraction(cfg, now)
	due := d.DueAt.In(cfg.Calendar.Location)
	local := now.In(cfg.Calendar.Location)
	switch {
	case now.After(*d.DueAt):
		return Clock{State: ClockOverdue, UsedFraction: f}
	case calendar.DateOf(due) == calendar.DateOf(local):
		return Clock{State: ClockDueToday, UsedFraction: f}
	case f >= cfg.Rules.WarningFraction:
		return Clock{State: ClockWarning, UsedFraction: f}
	}
	return Clock{State: ClockOnTrack, UsedFraction: f}
}

// usedFraction is the share of working time from the clock's start to the
// effective due time that has passed by t.
func (d *Dossier) usedFraction(cfg *Config, t time.Time) float64 {
	if d.ClockStart == nil || d.DueAt == nil {
		return 0
	}
	total := cfg.Calendar.WorkingTime(*d.ClockStart, *d.DueAt)
	if total <= 0 {
		if t.After(*d.DueAt) {
			return 1
		}
		return 0
	}
	used := cfg.Calendar.WorkingTime(*d.ClockStart, t)
	f := float64(used) / float64(total)
	if t.After(*d.DueAt) && f < 1 {
		f = 1
	}
	return float64(int(f*1000+0.5)) / 1000
}

// ClockChanges returns the instants after now at which d's clock state will
// change by the passage of time alone (warning, due today, overdue), so that
// gauges and boards can be kept current without polling.
func (d *Dossier) ClockChanges(cfg *Config, now time.Time) []time.Time {
	if d.ReceivedAt == nil || d.FinishedAt != nil || d.PausedAt != nil || d.DueAt == nil || d.Ended() {
		return nil
	}
	var out []time.Time
	if d.ClockStart != nil {
		total := cfg.Calendar.WorkingTime(*d.ClockStart, *d.DueAt)
		w := cfg.Calendar.AddWorkingHours(*d.ClockStart, time.Duration(float64(total)*cfg.Rules.WarningFraction))
		if w.After(now) {
			out = append(out, w)
		}
	}
	day := calendar.DateOf(d.DueAt.In(cfg.Calendar.Location)).In(cfg.Calendar.Location)
	if day.After(now) {
		out = append(out, day)
	}
	if od := d.DueAt.Add(time.Nanosecond); od.After(now) {
		out = append(out, od)
	}
	return out
}
