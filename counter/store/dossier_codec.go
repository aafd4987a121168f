package store

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/motcua/motcua/counter"
)

// A stored dossier state is a dossierRecord. Records of earlier builds
// hold its JSON (they begin with '{'); records written now begin with
// dossierBinary and hold it compactly: strings as a uvarint length and
// bytes, counts as uvarints, instants as the difference from created_at
// (0 for none), the slip number left out when it is the code. A dossier's
// state is rewritten on each of its events, and this form takes about
// half the JSON's bytes without encoding/json on the writer.
const dossierBinary = 0x01

// Flags of the compact form.
const (
	dfHasSlip = 1 << iota
	dfSlipIsCode
	dfCrossBoundary
	dfApplicant
)

func writeDossierRecord(r *dossierRecord) []byte {
	b := make([]byte, 0, 256)
	b = append(b, dossierBinary)
	var flags byte
	if r.HasSlip {
		flags |= dfHasSlip
	}
	if r.SlipNumber == r.Code {
		flags |= dfSlipIsCode
	}
	if r.CrossBoundary {
		flags |= dfCrossBoundary
	}
	if r.Applicant != nil {
		flags |= dfApplicant
	}
	b = append(b, flags)
	for _, s := range []string{r.Code, r.Procedure, r.Agency, r.Holder, r.Status, r.Channel, r.ClockState, r.PausedReason, r.Regime} {
		b = appendStr(b, s)
	}
	if flags&dfSlipIsCode == 0 {
		b = appendStr(b, r.SlipNumber)
	}
	if r.Applicant != nil {
		for _, s := range []string{r.Applicant.Name, r.Applicant.Phone, r.Applicant.IDNumber, r.Applicant.IDHash} {
			b = appendStr(b, s)
		}
	}
	b = binary.AppendVarint(b, r.CreatedAt)
	for _, t := range []int64{r.ReceivedAt, r.LegalDueAt, r.PromisedDueAt, r.DueAt, r.FinishedAt, r.SlipDueAt,
		r.ClockStart, r.PausedAt, r.ReturnedAt, r.UpdatedAt, r.StopRequested, r.StoppedAt} {
		b = appendSince(b, r.CreatedAt, t)
	}
	for _, n := range []int{r.Intake, r.Appraisal, r.Reschedules, r.EventCount} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = binary.AppendUvarint(b, r.LastSeq)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.ClockUsed))
	b = binary.AppendUvarint(b, uint64(len(r.Visible)))
	for _, a := range r.Visible {
		b = appendStr(b, a)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Complaints)))
	for _, c := range r.Complaints {
		for _, s := range []string{c.ID, c.Category, c.SubjectOfficial, c.Outcome} {
			b = appendStr(b, s)
		}
	}
	return b
}

// appendSince stores instant t (Unix nanoseconds, 0 for none) as its
// zigzag difference from base, plus one.
func appendSince(b []byte, base, t int64) []byte {
	if t == 0 {
		return append(b, 0)
	}
	d := t - base
	return binary.AppendUvarint(b, uint64(d<<1^d>>63)+1)
}

func (r *recordReader) since(base int64) int64 {
	u := r.uvarint()
	if u == 0 {
		return 0
	}
	u--
	return base + int64(u>>1^-(u&1))
}

func readDossierRecord(b []byte, out *dossierRecord) error {
	if len(b) < 2 || b[0] != dossierBinary {
		return errShortRecord
	}
	flags := b[1]
	r := recordReader{b: b[2:]}
	for _, s := range []*string{&out.Code, &out.Procedure, &out.Agency, &out.Holder, &out.Status, &out.Channel,
		&out.ClockState, &out.PausedReason, &out.Regime} {
		*s = r.str()
	}
	out.SlipNumber = out.Code
	if flags&dfSlipIsCode == 0 {
		out.SlipNumber = r.str()
	}
	out.HasSlip = flags&dfHasSlip != 0
	out.CrossBoundary = flags&dfCrossBoundary != 0
	if flags&dfApplicant != 0 {
		a := &counter.Applicant{}
		a.Name, a.Phone, a.IDNumber, a.IDHash = r.str(), r.str(), r.str(), r.str()
		out.Applicant = a
	}
	out.CreatedAt = r.varint()
	for _, t := range []*int64{&out.ReceivedAt, &out.LegalDueAt, &out.PromisedDueAt, &out.DueAt, &out.FinishedAt, &out.SlipDueAt,
		&out.ClockStart, &out.PausedAt, &out.ReturnedAt, &out.UpdatedAt, &out.StopRequested, &out.StoppedAt} {
		*t = r.since(out.CreatedAt)
	}
	for _, n := range []*int{&out.Intake, &out.Appraisal, &out.Reschedules, &out.EventCount} {
		*n = int(r.uvarint())
	}
	out.LastSeq = r.uvarint()
	if r.err == nil && len(r.b) < 8 {
		r.err = errShortRecord
	}
	if r.err != nil {
		return fmt.Errorf("decode dossier: %w", r.err)
	}
	out.ClockUsed = math.Float64frombits(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		out.Visible = make([]string, n)
		for i := range out.Visible {
			out.Visible[i] = r.str()
		}
	} else if n > 0 {
		r.err = errShortRecord
	}
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		out.Complaints = make([]counter.Complaint, n)
		for i := range out.Complaints {
			c := &out.Complaints[i]
			c.ID, c.Category, c.SubjectOfficial, c.Outcome = r.str(), r.str(), r.str(), r.str()
		}
	} else if n > 0 {
		r.err = errShortRecord
	}
	if r.err != nil {
		return fmt.Errorf("decode dossier: %w", r.err)
	}
	if len(r.b) != 0 {
		return fmt.Errorf("decode dossier: %d bytes after the record", len(r.b))
	}
	return nil
}
