package violations_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/violations"
)

// Agencies and officials of the test tree.
const (
	city    = "tp-danang"
	dept    = "so-xd"
	desk    = "so-xd-motcua" // the one-stop counter
	appr    = "so-xd-qlxd"   // appraisal division
	infra   = "so-xd-ht"     // another division
	commune = "px-hai-chau"  // a commune that is not a counter
	cbDesk  = "cb-001"
	cbAppr  = "cb-002"
	cbInfra = "cb-003"

	procBuild   = "1.009994" // 15 working days, two steps
	procInstant = "2.000001" // trả ngay
	procDays    = "3.000001" // 10 calendar days
)

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testCalendar is the civil servants' calendar of early 2026, as a literal.
func testCalendar() *calendar.Calendar {
	hol := map[calendar.Date]string{
		{Year: 2026, Month: time.January, Day: 1}: "Tết Dương lịch",
		{Year: 2026, Month: time.April, Day: 30}:  "Ngày Chiến thắng",
		{Year: 2026, Month: time.May, Day: 1}:     "Ngày Quốc tế Lao động",
	}
	for d := 16; d <= 20; d++ {
		hol[calendar.Date{Year: 2026, Month: time.February, Day: d}] = "Tết Nguyên đán"
	}
	return &calendar.Calendar{
		Location: hcm,
		Weekend:  map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{
			{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute},
			{Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour},
		},
		Holidays: hol,
		Workdays: map[calendar.Date]string{{Year: 2026, Month: time.August, Day: 22}: "Làm bù"},
	}
}

// testConfig builds a small configuration: city → department → counter
// and two divisions; a commune outside the department.
func testConfig(mod ...func(*counter.Rules)) *counter.Config {
	root := &counter.Agency{ID: city, Name: "UBND thành phố Đà Nẵng", Level: counter.LevelCity,
		Head: counter.Head{Name: "Nguyễn Văn A", Title: "Chủ tịch UBND thành phố"},
		Children: []*counter.Agency{
			{ID: dept, Name: "Sở Xây dựng", Level: counter.LevelDepartment,
				Head: counter.Head{Name: "Trần Thị B", Title: "Giám đốc Sở"},
				Children: []*counter.Agency{
					{ID: desk, Name: "Bộ phận một cửa Sở Xây dựng", Level: counter.LevelCounter,
						Head: counter.Head{Name: "Lê C", Title: "Trưởng bộ phận"}, Desks: []string{"q1", "q2"}},
					{ID: appr, Name: "Phòng Quản lý xây dựng", Level: counter.LevelDivision,
						Head: counter.Head{Name: "Võ D", Title: "Trưởng phòng"}},
					{ID: infra, Name: "Phòng Hạ tầng", Level: counter.LevelDivision,
						Head: counter.Head{Name: "Đỗ E", Title: "Trưởng phòng"}},
				}},
			{ID: commune, Name: "UBND phường Hải Châu", Level: counter.LevelCommune,
				Head: counter.Head{Name: "Phan G", Title: "Chủ tịch UBND phường"}},
		}}
	officials := []counter.Official{
		{ID: cbDesk, Name: "Phạm D", Agency: desk},
		{ID: cbAppr, Name: "Hồ H", Agency: appr},
		{ID: cbInfra, Name: "Mai K", Agency: infra},
	}
	procs := []counter.Procedure{
		{Code: procBuild, Name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
			LeadTime: counter.Duration{Value: 15, Unit: calendar.WorkingDays},
			Documents: []counter.Document{
				{Code: "don", Name: "Đơn đề nghị cấp giấy phép xây dựng"},
				{Code: "qsdd", Name: "Giấy tờ về quyền sử dụng đất"},
				{Code: "banve", Name: "Bản vẽ thiết kế"},
			},
			Steps: []counter.Step{
				{Name: "tham-dinh", Budget: counter.Duration{Value: 10, Unit: calendar.WorkingDays}},
				{Name: "phe-duyet", Budget: counter.Duration{Value: 3, Unit: calendar.WorkingDays}},
				{Name: "ky", Budget: counter.Duration{Value: 4, Unit: calendar.WorkingHours}},
			},
			Basis: "Nghị định 15/2021/NĐ-CP"},
		{Code: procInstant, Name: "Chứng thực bản sao", Instant: true,
			Documents: []counter.Document{{Code: "banchinh", Name: "Bản chính"}}},
		{Code: procDays, Name: "Cấp bản sao trích lục", LeadTime: counter.Duration{Value: 10, Unit: calendar.Days},
			Documents: []counter.Document{{Code: "don", Name: "Tờ khai"}}},
	}
	rules := counter.DefaultRules()
	for _, m := range mod {
		m(&rules)
	}
	return counter.NewConfig(root, officials, procs, testCalendar(), rules)
}

// at parses "2006-01-02 15:04" (or with seconds) in Asia/Ho_Chi_Minh.
func at(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, hcm); err == nil {
			return t
		}
	}
	panic("bad time " + s)
}

// ev builds an event of type typ at s by agency and official; opts fill
// the type's fields.
func ev(typ counter.EventType, s, agency, official string, opts ...func(*counter.Event)) counter.Event {
	e := counter.Event{Type: typ, At: at(s), Agency: agency, Official: official}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func id(s string) func(*counter.Event)          { return func(e *counter.Event) { e.ID = s } }
func proc(code string) func(*counter.Event)     { return func(e *counter.Event) { e.Procedure = code } }
func channel(c string) func(*counter.Event)     { return func(e *counter.Event) { e.Channel = c } }
func to(a string) func(*counter.Event)          { return func(e *counter.Event) { e.To = a } }
func reason(r string) func(*counter.Event)      { return func(e *counter.Event) { e.Reason = r } }
func recorded(s string) func(*counter.Event)    { return func(e *counter.Event) { e.RecordedAt = at(s) } }
func subject(o string) func(*counter.Event)     { return func(e *counter.Event) { e.SubjectOfficial = o } }
func complaintID(c string) func(*counter.Event) { return func(e *counter.Event) { e.Complaint = c } }
func outcome(o string) func(*counter.Event)     { return func(e *counter.Event) { e.Outcome = o } }
func deskName(d string) func(*counter.Event)    { return func(e *counter.Event) { e.Desk = d } }

func step(to, name string) func(*counter.Event) {
	return func(e *counter.Event) { e.To, e.Step = to, name }
}

func slip(due string) func(*counter.Event) {
	return func(e *counter.Event) { e.Slip = &counter.Slip{Number: "01/2026", DueAt: at(due)} }
}

func newDue(s string) func(*counter.Event) {
	return func(e *counter.Event) { e.NewDueAt = at(s); e.Reason = "chờ ý kiến phối hợp" }
}

func slipIssued(due string) func(*counter.Event) {
	return func(e *counter.Event) { e.Number, e.DueAt = "02/2026", at(due) }
}

// items asks for papers: "code" for a listed one, "=Name" for one without
// a code.
func items(xs ...string) func(*counter.Event) {
	return func(e *counter.Event) {
		for _, x := range xs {
			if n, ok := strings.CutPrefix(x, "="); ok {
				e.Items = append(e.Items, counter.Item{Name: n})
			} else {
				e.Items = append(e.Items, counter.Item{Code: x, Name: "Giấy " + x})
			}
		}
	}
}

// received is a direct receipt at the counter of procBuild at s, with a
// slip when due is not "".
func received(s, due string, opts ...func(*counter.Event)) counter.Event {
	o := []func(*counter.Event){proc(procBuild), channel(counter.ChannelDirect)}
	if due != "" {
		o = append(o, slip(due))
	}
	return ev(counter.Received, s, desk, cbDesk, append(o, opts...)...)
}

// history numbers events as the store would: IDs e1, e2… unless set, seq,
// the dossier code, and recorded_at = at unless set.
func history(evs ...counter.Event) []counter.Event {
	out := slices.Clone(evs)
	for i := range out {
		e := &out[i]
		if e.ID == "" {
			e.ID = fmt.Sprintf("e%d", i+1)
		}
		if !e.Type.IsShift() {
			e.Dossier = "D1"
		}
		e.Seq = uint64(i + 1)
		if e.RecordedAt.IsZero() {
			e.RecordedAt = e.At
		}
	}
	return out
}

// fold derives the dossier state as the store does.
func fold(cfg *counter.Config, evs []counter.Event) *counter.Dossier {
	var d *counter.Dossier
	for _, e := range evs {
		d = counter.Fold(cfg, d, e)
	}
	return d
}

// evaluate runs the engine on evs at now.
func evaluate(cfg *counter.Config, evs []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	return violations.New().EvaluateDossier(cfg, fold(cfg, evs), evs, now)
}

// brief renders a violation as "code agency occurred_at status severity".
func brief(v counter.Violation) string {
	return fmt.Sprintf("%s %s %s %s %s", v.Code, v.Agency, v.OccurredAt.In(hcm).Format("2006-01-02 15:04:05"), v.Status, v.Severity)
}

// briefs renders the violations with the given code ("" for all).
func briefs(vs []counter.Violation, code string) []string {
	out := []string{}
	for _, v := range vs {
		if code == "" || v.Code == code {
			out = append(out, brief(v))
		}
	}
	return out
}

// ruleCase is one history judged at one instant, with the violations of
// the code under test it must hold.
type ruleCase struct {
	name   string
	rules  func(*counter.Rules)
	events []counter.Event
	now    string
	want   []string // brief() of each violation of the code, in order
	next   string   // when set, the instant the answer must next change ("" = not checked, "-" = none)
}

// runRule runs cases against code.
func runRule(t *testing.T, code string, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mods []func(*counter.Rules)
			if c.rules != nil {
				mods = append(mods, c.rules)
			}
			cfg := testConfig(mods...)
			evs := history(c.events...)
			vs, next := evaluate(cfg, evs, at(c.now))
			want := c.want
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, briefs(vs, code))
			for _, v := range vs {
				require.NotEmpty(t, v.Basis, "basis of %s", v.ID)
				require.Equal(t, cfg.HeadOf(v.Agency), v.Head, "head of %s", v.ID)
				require.Equal(t, "D1", v.Dossier)
				require.True(t, strings.HasPrefix(v.ID, "D1/"+v.Code+"/"), "ID=%v", v.ID)
				require.Equal(t, at(c.now), v.DetectedAt)
			}
			switch c.next {
			case "":
			case "-":
				require.True(t, next.IsZero(), "next=%v, want none", next)
			default:
				require.Equal(t, at(c.next).Add(time.Nanosecond), next, "next=%v", next.In(hcm))
			}
		})
	}
}

// requireOne finds the single violation with code in vs and checks it.
func requireOne(t *testing.T, vs []counter.Violation, code string, check func(counter.Violation)) {
	t.Helper()
	var found []counter.Violation
	for _, v := range vs {
		if v.Code == code {
			found = append(found, v)
		}
	}
	require.Len(t, found, 1, "violations %s in %v", code, briefs(vs, ""))
	check(found[0])
}

// requireDetail checks one detail of v.
func requireDetail(t *testing.T, v counter.Violation, key string, want any) {
	t.Helper()
	require.Equal(t, want, v.Details[key], "details[%s] of %s", key, v.ID)
}
