package counter

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua/counter/calendar"
)

// Codes for input that cannot be stored faithfully (SPEC.md §10.4). All
// are 422 and name the field.
const (
	CodeTooLong       = "too_long"             // a text, identifier or list over its limit
	CodeBadCharacters = "bad_characters"       // a character outside the field's set
	CodeOutOfRange    = "instant_out_of_range" // an instant outside rules.plausible_range, or an offset no zone uses
)

// DateRange is a span of whole days, both ends inclusive, read in the
// calendar's zone. The zero range checks nothing: the configuration
// loader always sets one, and tests use the zero range to write the
// implausible data older versions accepted.
type DateRange struct {
	From calendar.Date `json:"from"`
	To   calendar.Date `json:"to"`
}

// The widest plausible range the configuration accepts. The store keeps
// instants as int64 Unix nanoseconds (1678 to 2262), with 0 meaning "none"
// and its time keys clamping instants before 1970: inside these bounds
// every stored instant round-trips and sorts.
var (
	PlausibleMin = calendar.Date{Year: 1971, Month: time.January, Day: 1}
	PlausibleMax = calendar.Date{Year: 2261, Month: time.December, Day: 31}
)

// Contains reports whether t falls on a day of r in loc.
func (r DateRange) Contains(t time.Time, loc *time.Location) bool {
	if r == (DateRange{}) {
		return true
	}
	end := r.To.In(loc).AddDate(0, 0, 1)
	return !t.Before(r.From.In(loc)) && t.Before(end)
}

// Field limits (SPEC.md §10.4). Lengths of text are in characters (runes),
// of identifiers in bytes (they are ASCII).
const (
	MaxIDLen        = 128  // id, complaint: client-chosen identifiers
	MaxCodeLen      = 128  // dossier
	MaxRefLen       = 128  // agency, official, procedure, to, desk, subject_official, document codes: configuration ids
	MaxIDNumberLen  = 32   // applicant.id_number (only its keyed hash is stored)
	MaxEnumLen      = 32   // type, channel, category, outcome
	MaxNameLen      = 200  // applicant.name
	MaxPhoneLen     = 32   // applicant.phone
	MaxNumberLen    = 64   // slip.number, number
	MaxStepLen      = 200  // step
	MaxItemNameLen  = 500  // items[].name, documents[].name
	MaxReasonLen    = 2000 // reason
	MaxTextLen      = 4000 // text (a complaint)
	MaxItems        = 100  // items, documents
	maxOffsetEast   = 14 * time.Hour
	maxOffsetWest   = -12 * time.Hour
	offsetGranulity = 15 * time.Minute
)

// idChar reports whether c may appear in a client-chosen identifier (id,
// complaint): ASCII letters, digits and . - _ : / + = @ (ULIDs, UUIDs,
// "igate:123/4", base64).
func idChar(c byte) bool {
	return codeChar(c) || c == ':' || c == '/' || c == '+' || c == '=' || c == '@'
}

// codeChar reports whether c may appear in a dossier code or an id number: ASCII letters, digits and . - _ (the national
// format "000.00.31.H17-260310-0001").
func codeChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'
}

// forbiddenRune reports whether r may not appear in free text: C0 and C1
// controls (NUL included) and DEL, the bidirectional formatting characters
// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that let a name
// display as something else, the line and paragraph separators, the byte
// order mark and U+FFFD, the mark of text already damaged on the way.
// multiline allows tab, line feed and carriage return.
func forbiddenRune(r rune, multiline bool) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return !multiline
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff, r == utf8.RuneError:
		return true
	}
	return false
}

func tooLong(field string, n int, unit, unitVI string) *Error {
	return &Error{Code: CodeTooLong, Field: field, Message: fmt.Sprintf("%s is longer than %d %s", field, n, unit),
		MessageVI: fmt.Sprintf("%s dài quá %d %s", field, n, unitVI)}
}

// checkIdent checks an identifier: at most max bytes, each allowed by ok.
// References to the configuration (agency, official, procedure, desk,
// document codes) and enumerations have no ok: they are looked up next,
// and anything not configured is refused there.
func checkIdent(field, s string, max int, ok func(byte) bool, set, setVI string) error {
	if len(s) > max {
		return tooLong(field, max, "bytes", "byte")
	}
	if ok == nil {
		return nil
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return &Error{Code: CodeBadCharacters, Field: field,
				Message:   fmt.Sprintf("%s may contain only %s; byte %d is not allowed", field, set, i+1),
				MessageVI: fmt.Sprintf("%s chỉ được chứa %s; byte thứ %d không hợp lệ", field, setVI, i+1)}
		}
	}
	return nil
}

const (
	idSet     = "ASCII letters, digits and . - _ : / + = @"
	idSetVI   = "chữ cái ASCII, chữ số và . - _ : / + = @"
	codeSet   = "ASCII letters, digits and . - _"
	codeSetVI = "chữ cái ASCII, chữ số và . - _"
)

// checkText checks free text: valid UTF-8, at most max characters, none
// of them forbidden.
func checkText(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(CodeBadCharacters, field, "%s is not valid UTF-8", "%s không phải UTF-8 hợp lệ", field)
	}
	if len(s) > max && utf8.RuneCountInString(s) > max { // len first: cheap for short text
		return tooLong(field, max, "characters", "ký tự")
	}
	for i, r := range s {
		if forbiddenRune(r, multiline) {
			return Errorf(CodeBadCharacters, field, "%s contains the control or formatting character U+%04X at byte %d",
				"%s chứa ký tự điều khiển hoặc định dạng U+%04X ở byte %d", field, r, i+1)
		}
	}
	return nil
}

// checkInstant checks that t has an offset some zone uses (−12:00 to
// +14:00 in steps of 15 minutes) and falls in the plausible range.
func checkInstant(cfg *Config, field string, t time.Time) error {
	_, off := t.Zone()
	o := time.Duration(off) * time.Second
	if o > maxOffsetEast || o < maxOffsetWest || o%offsetGranulity != 0 {
		return Errorf(CodeOutOfRange, field, "%s has the offset %s, which no time zone uses (from -12:00 to +14:00)",
			"%s có độ lệch múi giờ %s, không múi giờ nào dùng (từ -12:00 đến +14:00)", field, t.Format("-07:00"))
	}
	r := cfg.Rules.PlausibleRange
	loc := time.UTC
	if cfg.Calendar != nil && cfg.Calendar.Location != nil {
		loc = cfg.Calendar.Location
	}
	if !r.Contains(t, loc) {
		return Errorf(CodeOutOfRange, field, "%s is outside the plausible range %s to %s",
			"%s nằm ngoài khoảng thời gian hợp lý từ %s đến %s", field, r.From, r.To)
	}
	return nil
}

// CheckLimits checks that every field of e can be stored and read back
// exactly as sent (SPEC.md §10.4): lengths, character sets and instants.
// It runs before any other check, so that no message ever quotes a huge
// or hostile value. It returns nil or an *Error naming the first bad field.
func CheckLimits(cfg *Config, e *Event) error {
	type ident struct {
		field, v string
		max      int
		ok       func(byte) bool
		set, vi  string
	}
	idents := []ident{
		{"id", e.ID, MaxIDLen, idChar, idSet, idSetVI},
		{"type", string(e.Type), MaxEnumLen, nil, "", ""},
		{"dossier", e.Dossier, MaxCodeLen, codeChar, codeSet, codeSetVI},
		{"agency", e.Agency, MaxRefLen, nil, "", ""},
		{"official", e.Official, MaxRefLen, nil, "", ""},
		{"procedure", e.Procedure, MaxRefLen, nil, "", ""},
		{"channel", e.Channel, MaxEnumLen, nil, "", ""},
		{"to", e.To, MaxRefLen, nil, "", ""},
		{"complaint", e.Complaint, MaxIDLen, idChar, idSet, idSetVI},
		{"category", e.Category, MaxEnumLen, nil, "", ""},
		{"subject_official", e.SubjectOfficial, MaxRefLen, nil, "", ""},
		{"outcome", e.Outcome, MaxEnumLen, nil, "", ""},
		{"desk", e.Desk, MaxRefLen, nil, "", ""},
	}
	if e.Applicant != nil {
		idents = append(idents, ident{"applicant.id_number", e.Applicant.IDNumber, MaxIDNumberLen, codeChar, codeSet, codeSetVI})
	}
	for _, f := range idents {
		if err := checkIdent(f.field, f.v, f.max, f.ok, f.set, f.vi); err != nil {
			return err
		}
	}

	type text struct {
		field, v  string
		max       int
		multiline bool
	}
	texts := []text{
		{"number", e.Number, MaxNumberLen, false},
		{"step", e.Step, MaxStepLen, false},
		{"reason", e.Reason, MaxReasonLen, true},
		{"text", e.Text, MaxTextLen, true},
	}
	if e.Applicant != nil {
		texts = append(texts, text{"applicant.name", e.Applicant.Name, MaxNameLen, false},
			text{"applicant.phone", e.Applicant.Phone, MaxPhoneLen, false})
	}
	if e.Slip != nil {
		texts = append(texts, text{"slip.number", e.Slip.Number, MaxNumberLen, false})
	}
	for _, f := range texts {
		if err := checkText(f.field, f.v, f.max, f.multiline); err != nil {
			return err
		}
	}
	for _, list := range []struct {
		field string
		items []Item
	}{{"items", e.Items}, {"documents", e.Documents}} {
		if len(list.items) > MaxItems {
			return Errorf(CodeTooLong, list.field, "%s has more than %d entries", "%s có quá %d mục", list.field, MaxItems)
		}
		for i, it := range list.items {
			p := list.field + "[" + strconv.Itoa(i) + "]"
			if err := checkIdent(p+".code", it.Code, MaxRefLen, nil, "", ""); err != nil {
				return err
			}
			if err := checkText(p+".name", it.Name, MaxItemNameLen, false); err != nil {
				return err
			}
		}
	}

	instants := []struct {
		field string
		t     time.Time
	}{{"at", e.At}, {"due_at", e.DueAt}, {"new_due_at", e.NewDueAt}}
	if e.Slip != nil {
		instants = append(instants, struct {
			field string
			t     time.Time
		}{"slip.due_at", e.Slip.DueAt})
	}
	for _, f := range instants {
		if f.t.IsZero() {
			continue // absent; CheckShape says whether it is required
		}
		if err := checkInstant(cfg, f.field, f.t); err != nil {
			return err
		}
	}
	return nil
}
