package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
)

// A stored violation is an 8-byte fingerprint of what re-evaluation may
// change (status, severity, details), then the violation itself. Records
// written before this codec hold its JSON there (so the ninth byte is
// '{'); records written now hold violationBinary and a compact form:
// strings as a uvarint length and bytes, instants as varint Unix
// nanoseconds, the id left out (it is the key), the dossier and the head's
// agency left out when they repeat the id's prefix and the charged agency.
// A backdated receipt raises four violations, and this form holds each in
// about a third of the JSON's bytes, without encoding/json on the writer.
const violationBinary = 0x01

// Flags of the compact form.
const (
	vfDossierPrefix = 1 << iota // the dossier is the id's first n bytes (n follows)
	vfDossier                   // the dossier is spelled out
	vfHeadIsAgency              // the head's agency is the charged agency
	vfWithdrawn                 // withdrawn_at follows
	vfDetails                   // details (JSON) follow
)

// Stored instants come back in their fixed offset, as they did from the
// JSON form (+07:00 for every Vietnamese instant).
var ictZone = time.FixedZone("", 7*3600)

func zoneOf(off int64) *time.Location {
	if off == 7*3600 {
		return ictZone
	}
	return time.FixedZone("", int(off))
}

// encodeViolation returns v's stored form.
func encodeViolation(v *counter.Violation) ([]byte, error) {
	var details []byte
	if v.Details != nil {
		var err error
		if details, err = json.Marshal(v.Details); err != nil {
			return nil, fmt.Errorf("encode violation %s: %w", v.ID, err)
		}
	}
	return encodeViolationDetails(v, details), nil
}

// encodeViolationDetails is encodeViolation with v's details already
// encoded (nil: none); v.Details is not read.
func encodeViolationDetails(v *counter.Violation, details []byte) []byte {
	b := make([]byte, 8, 9+len(v.Code)+len(v.Severity)+len(v.Status)+len(v.Agency)+len(v.Official)+
		len(v.Head.Name)+len(v.Head.Title)+len(v.Basis)+len(v.WithdrawnBy)+len(details)+64)
	h := fnv.New64a()
	h.Write([]byte(v.Status))
	h.Write([]byte{0})
	h.Write([]byte(v.Severity))
	h.Write([]byte{0})
	h.Write(details)
	binary.BigEndian.PutUint64(b, h.Sum64())
	b = append(b, violationBinary)
	var flags byte
	switch {
	case v.Dossier == "":
	case strings.HasPrefix(v.ID, v.Dossier):
		flags |= vfDossierPrefix
	default:
		flags |= vfDossier
	}
	if v.Head.Agency == v.Agency {
		flags |= vfHeadIsAgency
	}
	if v.WithdrawnAt != nil {
		flags |= vfWithdrawn
	}
	if details != nil {
		flags |= vfDetails
	}
	b = append(b, flags)
	if flags&vfDossierPrefix != 0 {
		b = binary.AppendUvarint(b, uint64(len(v.Dossier)))
	}
	if flags&vfDossier != 0 {
		b = appendStr(b, v.Dossier)
	}
	for _, s := range []string{v.Code, v.Severity, v.Status, v.Agency, v.Official} {
		b = appendStr(b, s)
	}
	if flags&vfHeadIsAgency == 0 {
		b = appendStr(b, v.Head.Agency)
	}
	for _, s := range []string{v.Head.Name, v.Head.Title, v.Basis, v.WithdrawnBy} {
		b = appendStr(b, s)
	}
	b = appendInstant(b, v.OccurredAt)
	b = appendInstant(b, v.DetectedAt)
	if v.WithdrawnAt != nil {
		b = appendInstant(b, *v.WithdrawnAt)
	}
	if details != nil {
		b = append(b, details...)
	}
	return b
}

// appendInstant stores t's zone offset and Unix nanoseconds.
func appendInstant(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, int64(off))
	return binary.AppendVarint(b, t.UnixNano())
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errShortRecord = errors.New("stored record is cut short")

// recordReader reads a compact record (violation or dossier) front to back.
type recordReader struct {
	b   []byte
	err error
}

func (r *recordReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *recordReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *recordReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errShortRecord
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *recordReader) str() string { return string(r.bytes()) }

func (r *recordReader) instant() time.Time {
	loc := zoneOf(r.varint())
	return time.Unix(0, r.varint()).In(loc)
}

// compactViolation is a compact record's fields, as slices of it: the one
// reader of the layout encodeViolation writes, for the full decode and for
// the scorecards' marks, which want only a few fields and no allocation.
type compactViolation struct {
	dossierLen                                          int // the dossier is the id's first dossierLen bytes, when ≥ 0
	dossier, code, severity, status, agency, official   []byte
	headAgency, headName, headTitle, basis, withdrawnBy []byte
	headIsAgency                                        bool
	occurred, detected                                  time.Time
	withdrawn                                           *time.Time
	details                                             []byte // JSON, nil when none
}

// readCompactViolation reads a record in the compact form (b[8] is
// violationBinary); idLen bounds a dossier read as the id's prefix.
func readCompactViolation(b []byte, idLen int) (compactViolation, error) {
	var c compactViolation
	if len(b) < 10 {
		return c, errShortRecord
	}
	r := recordReader{b: b[10:]}
	flags := b[9]
	c.dossierLen = -1
	if flags&vfDossierPrefix != 0 {
		n := r.uvarint()
		if n > uint64(idLen) {
			return c, fmt.Errorf("decode violation: dossier longer than the id")
		}
		c.dossierLen = int(n)
	}
	if flags&vfDossier != 0 {
		c.dossier = r.bytes()
	}
	c.code, c.severity, c.status, c.agency, c.official = r.bytes(), r.bytes(), r.bytes(), r.bytes(), r.bytes()
	c.headIsAgency = flags&vfHeadIsAgency != 0
	if !c.headIsAgency {
		c.headAgency = r.bytes()
	}
	c.headName, c.headTitle, c.basis, c.withdrawnBy = r.bytes(), r.bytes(), r.bytes(), r.bytes()
	c.occurred = r.instant()
	c.detected = r.instant()
	if flags&vfWithdrawn != 0 {
		t := r.instant()
		c.withdrawn = &t
	}
	if r.err != nil {
		return c, fmt.Errorf("decode violation: %w", r.err)
	}
	if flags&vfDetails != 0 {
		c.details = r.b
	}
	return c, nil
}

// decodeViolation reads the violation stored under id.
func decodeViolation(id, b []byte) (*counter.Violation, error) {
	if len(b) < 9 {
		return nil, errShortRecord
	}
	if b[8] != violationBinary {
		var v counter.Violation
		if err := json.Unmarshal(b[8:], &v); err != nil {
			return nil, fmt.Errorf("decode violation: %w", err)
		}
		return &v, nil
	}
	c, err := readCompactViolation(b, len(id))
	if err != nil {
		return nil, err
	}
	v := &counter.Violation{ID: string(id), Dossier: string(c.dossier), Code: string(c.code), Severity: string(c.severity),
		Status: string(c.status), Agency: string(c.agency), Official: string(c.official),
		Head:       counter.ViolationHead{Agency: string(c.headAgency), Name: string(c.headName), Title: string(c.headTitle)},
		OccurredAt: c.occurred, DetectedAt: c.detected, Basis: string(c.basis), WithdrawnAt: c.withdrawn, WithdrawnBy: string(c.withdrawnBy)}
	if c.dossierLen >= 0 {
		v.Dossier = v.ID[:c.dossierLen]
	}
	if c.headIsAgency {
		v.Head.Agency = v.Agency
	}
	if c.details != nil {
		if err := json.Unmarshal(c.details, &v.Details); err != nil {
			return nil, fmt.Errorf("decode violation details: %w", err)
		}
	}
	return v, nil
}

// markViolation reads what scorecards need of a stored violation, without
// decoding the rest.
func markViolation(b []byte, m *violationMark, names interner) error {
	if len(b) < 9 {
		return errShortRecord
	}
	if b[8] != violationBinary {
		return scanViolation(b[8:], m, names)
	}
	c, err := readCompactViolation(b, math.MaxInt)
	if err != nil {
		return err
	}
	m.Severity, m.Status, m.Agency = names.intern(c.severity), names.intern(c.status), names.intern(c.agency)
	m.OccurredAt = c.occurred
	return nil
}
