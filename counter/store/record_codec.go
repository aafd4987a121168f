package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
)

// dossierRecord is how a dossier's state is kept on disk, in the compact
// form of dossier_codec.go (earlier builds: JSON with these short keys),
// times as Unix nanoseconds, absent values left out.
// The tracking key is not stored: it is derived from the code on read.
type dossierRecord struct {
	Code          string              `json:"c"`
	Procedure     string              `json:"p"`
	Agency        string              `json:"a"`
	Holder        string              `json:"h,omitempty"`
	Status        string              `json:"s"`
	Channel       string              `json:"ch,omitempty"`
	Applicant     *counter.Applicant  `json:"ap,omitempty"`
	CreatedAt     int64               `json:"ca"`
	ReceivedAt    int64               `json:"ra,omitempty"`
	LegalDueAt    int64               `json:"ld,omitempty"`
	PromisedDueAt int64               `json:"pd,omitempty"`
	DueAt         int64               `json:"du,omitempty"`
	FinishedAt    int64               `json:"fa,omitempty"`
	ClockState    string              `json:"cs,omitempty"`
	ClockUsed     float64             `json:"cu,omitempty"`
	Intake        int                 `json:"si,omitempty"`
	Appraisal     int                 `json:"sa,omitempty"`
	Reschedules   int                 `json:"rs,omitempty"`
	SlipNumber    string              `json:"sn,omitempty"`
	SlipDueAt     int64               `json:"sd,omitempty"`
	HasSlip       bool                `json:"hs,omitempty"`
	ClockStart    int64               `json:"cl,omitempty"`
	PausedAt      int64               `json:"pa,omitempty"`
	PausedReason  string              `json:"pr,omitempty"`
	ReturnedAt    int64               `json:"rt,omitempty"`
	Complaints    []counter.Complaint `json:"co,omitempty"`
	UpdatedAt     int64               `json:"ua"`
	LastSeq       uint64              `json:"ls"`
	EventCount    int                 `json:"ec"`
	Visible       []string            `json:"v,omitempty"`
	Regime        string              `json:"rg,omitempty"`
	StopRequested int64               `json:"sq,omitempty"`
	StoppedAt     int64               `json:"st,omitempty"`
	CrossBoundary bool                `json:"xb,omitempty"`
}

// unmarshalDossierRecord reads a stored state in either form
// (dossier_codec.go).
func unmarshalDossierRecord(b []byte, r *dossierRecord) error {
	if len(b) > 0 && b[0] == dossierBinary {
		return readDossierRecord(b, r)
	}
	if err := json.Unmarshal(b, r); err != nil {
		return fmt.Errorf("decode dossier: %w", err)
	}
	return nil
}

func nanos(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// fromNanos reads an optional instant: 0 means none. Required instants
// (created_at, a slip's due time) are read with time.Unix directly, since
// a database written before plausible_range may hold the Unix epoch there.
func fromNanos(n int64, loc *time.Location) *time.Time {
	if n == 0 {
		return nil
	}
	t := time.Unix(0, n).In(loc)
	return &t
}

func encodeDossier(d *counter.Dossier) ([]byte, error) {
	r := dossierRecord{Code: d.Code, Procedure: d.Procedure, Agency: d.Agency, Status: d.Status,
		Channel: d.Channel, Applicant: d.Applicant, CreatedAt: d.CreatedAt.UnixNano(),
		ReceivedAt: nanos(d.ReceivedAt), LegalDueAt: nanos(d.LegalDueAt), PromisedDueAt: nanos(d.PromisedDueAt),
		DueAt: nanos(d.DueAt), FinishedAt: nanos(d.FinishedAt), ClockState: d.Clock.State, ClockUsed: d.Clock.UsedFraction,
		Intake: d.Supplements.Intake, Appraisal: d.Supplements.Appraisal, Reschedules: d.Reschedules,
		ClockStart: nanos(d.ClockStart), PausedAt: nanos(d.PausedAt), PausedReason: d.PausedReason,
		ReturnedAt: nanos(d.ReturnedAt), Complaints: d.Complaints, UpdatedAt: d.UpdatedAt.UnixNano(),
		LastSeq: d.LastSeq, EventCount: d.EventCount, Visible: d.Visible,
		Regime: d.Regime, StopRequested: nanos(d.StopRequestedAt), StoppedAt: nanos(d.StoppedAt), CrossBoundary: d.CrossBoundary}
	if d.Holder != d.Agency {
		r.Holder = d.Holder
	}
	if d.Slip != nil {
		r.HasSlip, r.SlipNumber, r.SlipDueAt = true, d.Slip.Number, d.Slip.DueAt.UnixNano()
	}
	return writeDossierRecord(&r), nil
}

func (s *Store) decodeDossier(b []byte) (*counter.Dossier, error) {
	var r dossierRecord
	if err := unmarshalDossierRecord(b, &r); err != nil {
		return nil, err
	}
	loc := s.cfg.Calendar.Location
	d := &counter.Dossier{Code: r.Code, Procedure: r.Procedure, Agency: r.Agency, Holder: r.Holder, Status: r.Status,
		Channel: r.Channel, Applicant: r.Applicant, CreatedAt: time.Unix(0, r.CreatedAt).In(loc),
		ReceivedAt: fromNanos(r.ReceivedAt, loc), LegalDueAt: fromNanos(r.LegalDueAt, loc),
		PromisedDueAt: fromNanos(r.PromisedDueAt, loc), DueAt: fromNanos(r.DueAt, loc), FinishedAt: fromNanos(r.FinishedAt, loc),
		Clock:       counter.Clock{State: r.ClockState, UsedFraction: r.ClockUsed},
		Supplements: counter.Supplements{Intake: r.Intake, Appraisal: r.Appraisal}, Reschedules: r.Reschedules,
		ClockStart: fromNanos(r.ClockStart, loc), PausedAt: fromNanos(r.PausedAt, loc), PausedReason: r.PausedReason,
		ReturnedAt: fromNanos(r.ReturnedAt, loc), Complaints: r.Complaints, LastSeq: r.LastSeq, EventCount: r.EventCount,
		Visible: r.Visible,
		Regime:  r.Regime, StopRequestedAt: fromNanos(r.StopRequested, loc), StoppedAt: fromNanos(r.StoppedAt, loc),
		CrossBoundary: r.CrossBoundary,
		TrackingKey:   s.TrackingKey(r.Code)}
	if d.Regime == "" {
		d.Regime = s.cfg.RegimeOf(d) // a state stored before the field existed
	}
	if d.Holder == "" {
		d.Holder = d.Agency
	}
	if r.UpdatedAt != 0 {
		d.UpdatedAt = *fromNanos(r.UpdatedAt, loc)
	}
	if r.HasSlip {
		d.Slip = &counter.Slip{Number: r.SlipNumber, DueAt: time.Unix(0, r.SlipDueAt).In(loc)}
	}
	if d.Clock.State == counter.ClockPaused {
		d.Clock.PausedReason = d.PausedReason
	}
	return d, nil
}
