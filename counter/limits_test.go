package counter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

func limitsConfig(t *testing.T) *counter.Config {
	t.Helper()
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	root := &counter.Agency{ID: "tp", Name: "Thành phố", Level: counter.LevelCity, Children: []*counter.Agency{
		{ID: "tp-motcua", Name: "Một cửa", Level: counter.LevelCounter, Desks: []string{"q1"}},
		{ID: "tp-xd", Name: "Phòng Xây dựng", Level: counter.LevelDivision},
	}}
	procs := []counter.Procedure{{Code: "1.001", Name: "Cấp phép", Documents: []counter.Document{{Code: "don", Name: "Đơn"}}}}
	officials := []counter.Official{{ID: "cb-1", Name: "Cán bộ", Agency: "tp-motcua"}}
	return counter.NewConfig(root, officials, procs, &calendar.Calendar{Location: hcm}, counter.DefaultRules())
}

// TestCheckLimits runs each limit of SPEC.md §10.4 on a valid received
// event changed in one field: the refusal names that field and its rule,
// and the value at the limit is accepted.
func TestCheckLimits(t *testing.T) {
	cfg := limitsConfig(t)
	plus7 := time.FixedZone("", 7*3600)
	base := func() counter.Event {
		return counter.Event{ID: "01JF3Z8K4Q9V6T0B2C5D7E8F9G", Type: counter.Received, Dossier: "000.00.31.H17-260310-0001",
			At: time.Date(2026, 3, 10, 8, 15, 0, 0, plus7), Agency: "tp-motcua", Official: "cb-1", Procedure: "1.001",
			Channel: counter.ChannelDirect, Applicant: &counter.Applicant{Name: "Hoàng Thị É", Phone: "+84 905 123 456", IDNumber: "079301234567"},
			Documents: []counter.Item{{Code: "don", Name: "Đơn đề nghị"}},
			Slip:      &counter.Slip{Number: "01/2026", DueAt: time.Date(2026, 3, 31, 16, 0, 0, 0, plus7)}}
	}
	n := func(s string, k int) string { return strings.Repeat(s, k) }
	items := func(k int) []counter.Item {
		out := make([]counter.Item, k)
		for i := range out {
			out[i] = counter.Item{Name: "Giấy tờ"}
		}
		return out
	}
	tests := []struct {
		name  string
		edit  func(e *counter.Event)
		code  string // "" accepted
		field string
	}{
		{"valid", func(e *counter.Event) {}, "", ""},
		// Instants: the plausible range, in the calendar's zone, both days included.
		{"epoch", func(e *counter.Event) { e.At = time.Unix(0, 0).UTC() }, counter.CodeOutOfRange, "at"},
		{"first plausible instant", func(e *counter.Event) { e.At = time.Date(2000, 1, 1, 0, 0, 0, 0, plus7); e.Slip = nil }, "", ""},
		{"one second before", func(e *counter.Event) { e.At = time.Date(1999, 12, 31, 23, 59, 59, 0, plus7); e.Slip = nil }, counter.CodeOutOfRange, "at"},
		{"last plausible instant", func(e *counter.Event) { e.Slip.DueAt = time.Date(2100, 12, 31, 23, 59, 59, 999999999, plus7) }, "", ""},
		{"the day after", func(e *counter.Event) { e.Slip.DueAt = time.Date(2101, 1, 1, 0, 0, 0, 0, plus7) }, counter.CodeOutOfRange, "slip.due_at"},
		{"slip in 2300", func(e *counter.Event) { e.Slip.DueAt = time.Date(2300, 1, 1, 8, 0, 0, 0, plus7) }, counter.CodeOutOfRange, "slip.due_at"},
		{"slip on 9999-12-31", func(e *counter.Event) { e.Slip.DueAt = time.Date(9999, 12, 31, 0, 0, 0, 0, plus7) }, counter.CodeOutOfRange, "slip.due_at"},
		{"due_at", func(e *counter.Event) { e.DueAt = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }, counter.CodeOutOfRange, "due_at"},
		{"new_due_at", func(e *counter.Event) { e.NewDueAt = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC) }, counter.CodeOutOfRange, "new_due_at"},
		{"offset +24:00", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", 24*3600)) }, counter.CodeOutOfRange, "at"},
		{"offset -13:00", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", -13*3600)) }, counter.CodeOutOfRange, "at"},
		{"offset +07:07", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", 7*3600+7*60)) }, counter.CodeOutOfRange, "at"},
		{"offset +14:00", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", 14*3600)) }, "", ""},
		{"offset +05:45", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 8, 0, 0, 0, time.FixedZone("", 5*3600+45*60)) }, "", ""},
		{"offset -12:00", func(e *counter.Event) { e.At = time.Date(2026, 3, 10, 20, 0, 0, 0, time.FixedZone("", -12*3600)) }, "", ""},

		// Identifiers: lengths in bytes and character sets.
		{"id at the limit", func(e *counter.Event) { e.ID = n("a", counter.MaxIDLen) }, "", ""},
		{"id too long", func(e *counter.Event) { e.ID = n("a", counter.MaxIDLen+1) }, counter.CodeTooLong, "id"},
		{"id of a UUID and a source", func(e *counter.Event) { e.ID = "igate:3f1c0a2e-8d4b-4b7e-9a51-2c6e0f1d9b77/1+x=@y" }, "", ""},
		{"id with NUL", func(e *counter.Event) { e.ID = "a\x00b" }, counter.CodeBadCharacters, "id"},
		{"id with RLO", func(e *counter.Event) { e.ID = "abc\u202Egpj.exe" }, counter.CodeBadCharacters, "id"},
		{"id with a space", func(e *counter.Event) { e.ID = "a b" }, counter.CodeBadCharacters, "id"},
		{"dossier with NUL", func(e *counter.Event) { e.Dossier = "000.00.31\x00" }, counter.CodeBadCharacters, "dossier"},
		{"dossier with RLO", func(e *counter.Event) { e.Dossier = "000.00.31.H17-\u202E1000-062" }, counter.CodeBadCharacters, "dossier"},
		{"dossier with a slash", func(e *counter.Event) { e.Dossier = "H17/1" }, counter.CodeBadCharacters, "dossier"},
		{"dossier too long", func(e *counter.Event) { e.Dossier = n("1", counter.MaxCodeLen+1) }, counter.CodeTooLong, "dossier"},
		{"agency of a megabyte", func(e *counter.Event) { e.Agency = n("x", 1<<20) }, counter.CodeTooLong, "agency"},
		{"type of a megabyte", func(e *counter.Event) { e.Type = counter.EventType(n("x", 1<<20)) }, counter.CodeTooLong, "type"},
		{"id number with letters", func(e *counter.Event) { e.Applicant.IDNumber = "B1234567" }, "", ""},
		{"id number with RLO", func(e *counter.Event) { e.Applicant.IDNumber = "0793\u202E01" }, counter.CodeBadCharacters, "applicant.id_number"},
		{"id number too long", func(e *counter.Event) { e.Applicant.IDNumber = n("1", counter.MaxIDNumberLen+1) }, counter.CodeTooLong, "applicant.id_number"},
		{"complaint id", func(e *counter.Event) { e.Complaint = "kn\x01" }, counter.CodeBadCharacters, "complaint"},

		// Free text: lengths in characters, no controls or bidi overrides.
		{"name at the limit in Vietnamese", func(e *counter.Event) { e.Applicant.Name = n("Ễ", counter.MaxNameLen) }, "", ""},
		{"name one character over", func(e *counter.Event) { e.Applicant.Name = n("Ễ", counter.MaxNameLen+1) }, counter.CodeTooLong, "applicant.name"},
		{"name of a megabyte", func(e *counter.Event) { e.Applicant.Name = n("A", 1_000_000) }, counter.CodeTooLong, "applicant.name"},
		{"name with emoji and combining marks", func(e *counter.Event) { e.Applicant.Name = "Nguyễn Văn A 👨‍👩‍👧 e\u0301" }, "", ""},
		{"name with NUL", func(e *counter.Event) { e.Applicant.Name = "Lê\x00B" }, counter.CodeBadCharacters, "applicant.name"},
		{"name with RLO", func(e *counter.Event) { e.Applicant.Name = "Lê \u202EB" }, counter.CodeBadCharacters, "applicant.name"},
		{"name with an isolate", func(e *counter.Event) { e.Applicant.Name = "Lê \u2067B" }, counter.CodeBadCharacters, "applicant.name"},
		{"name with a newline", func(e *counter.Event) { e.Applicant.Name = "Lê\nB" }, counter.CodeBadCharacters, "applicant.name"},
		{"name with U+FFFD", func(e *counter.Event) { e.Applicant.Name = "Lê \uFFFD" }, counter.CodeBadCharacters, "applicant.name"},
		{"name not UTF-8", func(e *counter.Event) { e.Applicant.Name = "L\xea" }, counter.CodeBadCharacters, "applicant.name"},
		{"phone too long", func(e *counter.Event) { e.Applicant.Phone = n("9", counter.MaxPhoneLen+1) }, counter.CodeTooLong, "applicant.phone"},
		{"slip number too long", func(e *counter.Event) { e.Slip.Number = n("1", counter.MaxNumberLen+1) }, counter.CodeTooLong, "slip.number"},
		{"reason on several lines", func(e *counter.Event) { e.Reason = "Thiếu giấy tờ:\r\n\t- đơn\n" }, "", ""},
		{"reason too long", func(e *counter.Event) { e.Reason = n("ư", counter.MaxReasonLen+1) }, counter.CodeTooLong, "reason"},
		{"reason with a bell", func(e *counter.Event) { e.Reason = "a\ab" }, counter.CodeBadCharacters, "reason"},
		{"text too long", func(e *counter.Event) { e.Text = n("ư", counter.MaxTextLen+1) }, counter.CodeTooLong, "text"},
		{"text with DEL", func(e *counter.Event) { e.Text = "a\x7f" }, counter.CodeBadCharacters, "text"},
		{"step with a C1 control", func(e *counter.Event) { e.Step = "thẩm định\u0085" }, counter.CodeBadCharacters, "step"},
		{"item name too long", func(e *counter.Event) { e.Documents[0].Name = n("đ", counter.MaxItemNameLen+1) }, counter.CodeTooLong, "documents[0].name"},
		{"item code too long", func(e *counter.Event) {
			e.Documents = append(e.Documents, counter.Item{Code: n("d", counter.MaxRefLen+1)})
		}, counter.CodeTooLong, "documents[1].code"},
		{"items at the limit", func(e *counter.Event) { e.Documents = items(counter.MaxItems) }, "", ""},
		{"too many items", func(e *counter.Event) { e.Documents = items(counter.MaxItems + 1) }, counter.CodeTooLong, "documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.edit(&e)
			err := counter.CheckShape(cfg, &e)
			if tt.code == "" {
				require.NoError(t, err)
				return
			}
			var ce *counter.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.code, ce.Code, "%v", err)
			require.Equal(t, tt.field, ce.Field, "%v", err)
			require.NotEmpty(t, ce.MessageVI)
			require.Less(t, len(ce.Message), 300, "the message quotes no huge value")
		})
	}
}

// TestPlausibleRangeZone checks that the range's days are days of the
// calendar's zone: 2000-01-01 00:00 in Hanoi is still 1999 in UTC.
func TestPlausibleRangeZone(t *testing.T) {
	cfg := limitsConfig(t)
	r := cfg.Rules.PlausibleRange
	require.True(t, r.Contains(time.Date(1999, 12, 31, 17, 0, 0, 0, time.UTC), cfg.Calendar.Location))
	require.False(t, r.Contains(time.Date(1999, 12, 31, 16, 59, 59, 0, time.UTC), cfg.Calendar.Location))
	require.True(t, counter.DateRange{}.Contains(time.Unix(0, 0), time.UTC), "the zero range checks nothing")
}
