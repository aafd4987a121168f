package configs

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// The smallest valid folder; each case below replaces one file.
const (
	okAgencies = `agencies:
  - id: tp-danang
    name: UBND thành phố Đà Nẵng
    level: city
    head: {name: Nguyễn Văn An, title: Chủ tịch UBND thành phố}
    children:
      - id: so-xd
        name: Sở Xây dựng
        level: department
        head: {name: Trần Thị Bình, title: Giám đốc Sở}
        children:
          - {id: so-xd-motcua, name: Bộ phận một cửa Sở Xây dựng, level: counter,
             head: {name: Lê Văn Cường, title: Trưởng bộ phận}, desks: [q1, q2]}
officials:
  - {id: cb-001, name: Phạm Thị Dung, agency: so-xd-motcua}
`
	okProcedures = `procedures:
  - code: "1.009994"
    name: Cấp giấy phép xây dựng nhà ở riêng lẻ
    lead_time: {value: 15, unit: days}
    documents:
      - {code: don, name: Đơn đề nghị cấp giấy phép xây dựng}
    steps:
      - {name: tham-dinh, budget: {value: 10, unit: working_days}}
    basis: "Nghị định 15/2021/NĐ-CP"
  - code: "1.001193"
    name: Đăng ký khai sinh
    instant: true
    basis: Luật Hộ tịch 2014
`
	okCalendar = `timezone: Asia/Ho_Chi_Minh
weekend: [saturday, sunday]
office_hours: [{start: "07:30", end: "11:30"}, {start: "13:30", end: "17:00"}]
holidays:
  - {date: 2026-01-01, name: Tết Dương lịch}
  - {from: 2026-02-16, to: 2026-02-20, name: Tết Nguyên đán}
  - {date: 2026-08-31, name: Nghỉ hoán đổi}
workdays:
  - {date: 2026-08-22, name: Làm bù cho thứ Hai 31/8}
`
)

// folder returns the valid folder with some files replaced; a file mapped
// to "-" is left out.
func folder(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, src := range map[string]string{
		AgenciesFile: okAgencies, ProceduresFile: okProcedures, CalendarFile: okCalendar,
	} {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	for name, src := range files {
		if src == "-" {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return fsys
}

func TestLoadValid(t *testing.T) {
	cfg, err := Load(folder(nil))
	require.NoError(t, err)

	require.Equal(t, "tp-danang", cfg.Root.ID)
	require.Equal(t, []string{"so-xd-motcua", "so-xd", "tp-danang"}, cfg.Ancestors("so-xd-motcua"))
	require.Equal(t, []string{"q1", "q2"}, cfg.Agency("so-xd-motcua").Desks)
	require.Equal(t, counter.Head{Name: "Lê Văn Cường", Title: "Trưởng bộ phận"}, cfg.Agency("so-xd-motcua").Head)
	require.Equal(t, "so-xd-motcua", cfg.Official("cb-001").Agency)

	p := cfg.Procedure("1.009994")
	require.NotNil(t, p)
	require.Equal(t, counter.Duration{Value: 15, Unit: calendar.Days}, p.LeadTime)
	require.True(t, p.HasDocument("don"))
	budget, ok := p.StepBudget("tham-dinh")
	require.True(t, ok)
	require.Equal(t, counter.Duration{Value: 10, Unit: calendar.WorkingDays}, budget)
	require.True(t, cfg.Procedure("1.001193").Instant)

	cal := cfg.Calendar
	require.Equal(t, "Asia/Ho_Chi_Minh", cal.Location.String())
	require.Equal(t, map[time.Weekday]bool{time.Saturday: true, time.Sunday: true}, cal.Weekend)
	require.Equal(t, []calendar.Interval{
		{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute},
		{Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour},
	}, cal.OfficeHours)
	require.Len(t, cal.Holidays, 7, "a range counts each of its days")
	require.Equal(t, "Tết Nguyên đán", cal.Holidays[calendar.Date{Year: 2026, Month: 2, Day: 18}])
	require.Equal(t, "Làm bù cho thứ Hai 31/8", cal.Workdays[calendar.Date{Year: 2026, Month: 8, Day: 22}])

	require.Equal(t, counter.DefaultRules(), cfg.Rules, "no rules.yaml means the defaults")
}

// TestLoadByteOrderMark checks that a file saved by a Windows editor, with
// a UTF-8 byte-order mark, loads like any other.
func TestLoadByteOrderMark(t *testing.T) {
	cfg, err := Load(folder(map[string]string{AgenciesFile: "\ufeff" + okAgencies}))
	require.NoError(t, err)
	require.Equal(t, "tp-danang", cfg.Root.ID)
}

func TestLoadRules(t *testing.T) {
	cfg, err := Load(folder(map[string]string{RulesFile: `
slip_grace: {online: 2wd}
supplement_window: 5wd
max_supplements: 2
warning_fraction: 1
transfer_cutoff: "16:30"
plausible_range: {from: 2015-07-01, to: 2040-12-31}
`}))
	require.NoError(t, err)
	want := counter.DefaultRules()
	want.PlausibleRange = counter.DateRange{From: calendar.Date{Year: 2015, Month: 7, Day: 1}, To: calendar.Date{Year: 2040, Month: 12, Day: 31}}
	want.SlipGrace[counter.ChannelOnline] = counter.RuleDuration{Value: 2, Unit: "wd"}
	want.SupplementWindow = counter.RuleDuration{Value: 5, Unit: "wd"}
	want.MaxSupplements = 2
	want.WarningFraction = 1
	want.TransferCutoff = "16:30"
	require.Equal(t, want, cfg.Rules, "keys left out keep their defaults, slip_grace channels too")

	cfg, err = Load(folder(map[string]string{RulesFile: "# nothing set\n"}))
	require.NoError(t, err)
	require.Equal(t, counter.DefaultRules(), cfg.Rules)
}

func TestLoadProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing file", map[string]string{AgenciesFile: "-"},
			"agencies.yaml: file is missing"},
		{"syntax error", map[string]string{AgenciesFile: "agencies: [\n"},
			"agencies.yaml:1: syntax error: sequence end token ']' not found"},
		{"unknown top-level key", map[string]string{AgenciesFile: okAgencies + "officals: []\n"},
			`agencies.yaml:16: unknown key "officals" at top level (want agencies, officials)`},
		{"unknown agency key", map[string]string{AgenciesFile: strings.Replace(okAgencies, "    level: city\n", "    levle: city\n", 1)},
			`agencies.yaml:2: agency "tp-danang": missing level` + "\n" +
				`agencies.yaml:4: unknown key "levle" in agency "tp-danang" (want id, name, level, code, from, until, head, heads, successors, desks, children)`},
		{"no root", map[string]string{AgenciesFile: "agencies: []\n"},
			"agencies.yaml:1: no root agency (want exactly one under agencies)"},
		{"second root", map[string]string{AgenciesFile: `agencies:
  - {id: tp-danang, name: Đà Nẵng, level: city, head: {name: A, title: B}}
  - {id: tp-hue, name: Huế, level: city, head: {name: C, title: D}}
`},
			`agencies.yaml:3: 2 root agencies "tp-danang", "tp-hue", want exactly one`},
		{"bad id", map[string]string{AgenciesFile: strings.Replace(okAgencies, "id: so-xd\n", "id: So_XD\n", 1)},
			`agencies.yaml:7: invalid agency id "So_XD" (want [a-z0-9-]+)`},
		{"duplicate id", map[string]string{AgenciesFile: strings.Replace(okAgencies, "id: so-xd-motcua,", "id: so-xd,", 1)},
			`agencies.yaml:12: duplicate agency id "so-xd"` + "\n" +
				`agencies.yaml:15: official "cb-001": unknown agency "so-xd-motcua"`},
		{"unknown level", map[string]string{AgenciesFile: strings.Replace(okAgencies, "level: department", "level: sở", 1)},
			`agencies.yaml:9: agency "so-xd": unknown level "sở" (want city|department|district|division|commune|counter)`},
		{"head without name and title", map[string]string{AgenciesFile: strings.Replace(okAgencies,
			"head: {name: Trần Thị Bình, title: Giám đốc Sở}", "head: {}", 1)},
			`agencies.yaml:10: agency "so-xd": head has no name` + "\n" +
				`agencies.yaml:10: agency "so-xd": head has no title`},
		{"no head", map[string]string{AgenciesFile: strings.Replace(okAgencies,
			"        head: {name: Trần Thị Bình, title: Giám đốc Sở}\n", "", 1)},
			`agencies.yaml:7: agency "so-xd": missing head`},
		{"desks off a counter", map[string]string{AgenciesFile: strings.Replace(okAgencies,
			"        level: department\n", "        level: department\n        desks: [q1]\n", 1)},
			`agencies.yaml:10: agency "so-xd": desks on a department (only counter agencies have desks)`},
		{"duplicate desk", map[string]string{AgenciesFile: strings.Replace(okAgencies, "desks: [q1, q2]", "desks: [q1, q1]", 1)},
			`agencies.yaml:13: agency "so-xd-motcua": duplicate desk "q1"`},
		{"official problems", map[string]string{AgenciesFile: okAgencies + `  - {id: cb-001, name: Hoàng Văn Em, agency: so-xd}
  - {id: cb-002, agency: so-yt}
  - {name: Vô Danh, agency: so-xd}
`},
			`agencies.yaml:16: duplicate official id "cb-001"` + "\n" +
				`agencies.yaml:17: official "cb-002": missing name` + "\n" +
				`agencies.yaml:17: official "cb-002": unknown agency "so-yt"` + "\n" +
				`agencies.yaml:18: official: missing id`},
		{"wrong shape", map[string]string{AgenciesFile: "agencies: {id: tp-danang}\nofficials: cb-001\n"},
			"agencies.yaml:1: agencies: want a list, got a mapping\n" +
				"agencies.yaml:1: no root agency (want exactly one under agencies)\n" +
				"agencies.yaml:2: officials: want a list, got a scalar"},
		{"alias", map[string]string{AgenciesFile: strings.NewReplacer(
			"head: {name: Nguyễn Văn An", "head: &h {name: Nguyễn Văn An",
			"head: {name: Trần Thị Bình, title: Giám đốc Sở}", "head: *h").Replace(okAgencies)},
			"agencies.yaml:10: aliases (*name) are not supported"},

		{"procedure problems", map[string]string{ProceduresFile: `procedures:
  - code: "1.009994"
    name: Cấp giấy phép xây dựng
    lead_time: {value: -1, unit: weeks}
    documents:
      - {code: don, name: Đơn}
      - {code: don, name: Đơn đề nghị}
      - {name: Giấy tờ khác}
    steps:
      - {name: tham-dinh, budget: {value: 1.5, unit: working_days}}
      - {name: tham-dinh}
  - code: "1.009994"
    lead_time: {unit: days}
  - name: Không mã
    instant: maybe
    basis: x
`},
			`procedures.yaml:2: procedure "1.009994": missing basis (the legal text that sets the lead time)` + "\n" +
				`procedures.yaml:4: procedure "1.009994": lead_time value -1 is negative` + "\n" +
				`procedures.yaml:4: procedure "1.009994": lead_time has unknown unit "weeks" (want working_days|working_hours|days)` + "\n" +
				`procedures.yaml:7: procedure "1.009994": duplicate document code "don"` + "\n" +
				`procedures.yaml:8: procedure "1.009994": document without a code` + "\n" +
				`procedures.yaml:10: procedure "1.009994": step "tham-dinh" budget value: want a whole number, got "1.5"` + "\n" +
				`procedures.yaml:11: procedure "1.009994": duplicate step "tham-dinh"` + "\n" +
				`procedures.yaml:11: procedure "1.009994": step "tham-dinh" has no budget` + "\n" +
				`procedures.yaml:12: duplicate procedure code "1.009994"` + "\n" +
				`procedures.yaml:12: procedure "1.009994": missing name` + "\n" +
				`procedures.yaml:12: procedure "1.009994": missing basis (the legal text that sets the lead time)` + "\n" +
				`procedures.yaml:13: procedure "1.009994": lead_time has no value` + "\n" +
				`procedures.yaml:14: procedure: missing code` + "\n" +
				`procedures.yaml:14: procedure: missing lead_time (only instant procedures may omit it)` + "\n" +
				`procedures.yaml:15: instant: want true or false, got "maybe"`},

		{"calendar problems", map[string]string{CalendarFile: `timezone: Asia/Da_Nang
weekend: [saturday, sunday, caturday, sunday]
office_hours:
  - {start: "13:30", end: "17:00"}
  - {start: "07:30", end: "11:30"}
  - {start: "18:00", end: "17:00"}
  - {start: "7h", end: "25:00"}
holidays:
  - {date: 2026-01-01, name: Tết Dương lịch}
  - {from: 2026-02-20, to: 2026-02-16, name: Tết Nguyên đán}
  - {date: 2026-02-30, name: Ngày không có}
  - {date: 2026-01-01, from: 2026-01-02, to: 2026-01-03, name: Hai kiểu}
  - {from: 2026-04-30, name: Thiếu to}
  - {date: 2026-01-01, name: Trùng}
  - {from: 2026-01-01, to: 2026-12-31, name: Cả năm}
  - {name: Không ngày}
  - {date: 2026-09-02}
workdays:
  - {date: 2026-08-22, name: Làm bù}
  - {date: 2026-08-22, name: Làm bù lần hai}
  - {date: 2026-01-01, name: Làm vào ngày lễ}
  - {date: 2026-08-21, name: Thứ Sáu}
`},
			`calendar.yaml:1: unknown timezone "Asia/Da_Nang"` + "\n" +
				`calendar.yaml:2: unknown weekend day "caturday" (want monday … sunday)` + "\n" +
				`calendar.yaml:2: duplicate weekend day "sunday"` + "\n" +
				`calendar.yaml:5: office hours 07:30–11:30 overlap or come before 13:30–17:00 (want them sorted, not overlapping)` + "\n" +
				`calendar.yaml:6: office hours 18:00–17:00: start is not before end` + "\n" +
				`calendar.yaml:7: office hours start "7h": want HH:MM` + "\n" +
				`calendar.yaml:7: office hours end "25:00": want HH:MM` + "\n" +
				`calendar.yaml:10: holiday from 2026-02-20 is after to 2026-02-16` + "\n" +
				`calendar.yaml:11: holiday date "2026-02-30": want YYYY-MM-DD` + "\n" +
				`calendar.yaml:12: holiday: give either date or from/to, not both` + "\n" +
				`calendar.yaml:13: holiday: from and to go together` + "\n" +
				`calendar.yaml:14: holiday 2026-01-01 is listed twice (also line 9)` + "\n" +
				`calendar.yaml:15: holiday 2026-01-01 to 2026-12-31 spans more than 31 days` + "\n" +
				`calendar.yaml:16: holiday: missing date (or from and to)` + "\n" +
				`calendar.yaml:17: holiday: missing name` + "\n" +
				`calendar.yaml:20: workday 2026-08-22 is listed twice (also line 19)` + "\n" +
				`calendar.yaml:21: workday 2026-01-01 is also a holiday (line 9)` + "\n" +
				`calendar.yaml:21: workday 2026-01-01 is a thursday, not a weekend day` + "\n" +
				`calendar.yaml:22: workday 2026-08-21 is a friday, not a weekend day`},
		{"unknown keys in procedures and calendar", map[string]string{
			ProceduresFile: strings.Replace(okProcedures, "lead_time:", "lead-time:", 1),
			CalendarFile:   strings.Replace(okCalendar, "{date: 2026-01-01, name:", "{ngay: 2026-01-01, name:", 1)},
			`procedures.yaml:2: procedure "1.009994": missing lead_time (only instant procedures may omit it)` + "\n" +
				`procedures.yaml:4: unknown key "lead-time" in procedure "1.009994" (want code, name, lead_time, instant, documents, steps, basis)` + "\n" +
				`calendar.yaml:5: unknown key "ngay" in holiday (want date, from, to, name)` + "\n" +
				`calendar.yaml:5: holiday: missing date (or from and to)`},
		{"calendar without essentials", map[string]string{CalendarFile: "holidays: []\n"},
			"calendar.yaml:1: missing timezone (Asia/Ho_Chi_Minh)\n" +
				"calendar.yaml:1: missing weekend (write weekend: [] for none)\n" +
				"calendar.yaml:1: missing office_hours (want at least one {start, end})"},

		{"rules problems", map[string]string{RulesFile: `slip_grace: {direct: 15, walkin: 5m, online: -1wd}
supplement_window: 3d
apology_notice: 1 wd
max_reschedules: -1
max_supplements: 0
bounce_limit: many
desk_grace: 99999999m
warning_fraction: 1.5
transfer_cutoff: "3pm"
backdate_tolerence: 24h
`},
			`rules.yaml:1: unknown key "walkin" in slip_grace (want direct, online, postal)` + "\n" +
				`rules.yaml:1: slip_grace.direct: invalid duration "15" (want a whole number and m, h or wd, like 15m, 2h, 1wd)` + "\n" +
				`rules.yaml:1: slip_grace.online: duration "-1wd" is negative` + "\n" +
				`rules.yaml:2: supplement_window: invalid duration "3d" (want a whole number and m, h or wd, like 15m, 2h, 1wd)` + "\n" +
				`rules.yaml:3: apology_notice: invalid duration "1 wd" (want a whole number and m, h or wd, like 15m, 2h, 1wd)` + "\n" +
				`rules.yaml:4: max_reschedules: -1 is less than 0` + "\n" +
				`rules.yaml:5: max_supplements: 0 is less than 1` + "\n" +
				`rules.yaml:6: bounce_limit: want a whole number, got "many"` + "\n" +
				`rules.yaml:7: desk_grace: duration "99999999m" is too large (max 10000)` + "\n" +
				`rules.yaml:8: warning_fraction: 1.5 is outside (0, 1]` + "\n" +
				`rules.yaml:9: transfer_cutoff "3pm": want HH:MM` + "\n" +
				`rules.yaml:10: unknown key "backdate_tolerence" at top level (want slip_grace, supplement_window, apology_notice, max_reschedules, max_supplements, bounce_limit, desk_grace, backdate_tolerance, future_tolerance, warning_fraction, transfer_cutoff, scorecard, plausible_range, dossier_code_formats, versions)`},
		{"plausible range reversed", map[string]string{RulesFile: "plausible_range: {from: 2100-01-01, to: 2000-01-01}\n"},
			"rules.yaml:1: plausible_range: to 2000-01-01 is before from 2100-01-01"},
		{"plausible range wider than the store", map[string]string{RulesFile: "plausible_range: {from: 1970-01-01, to: 2100-12-31}\n"},
			"rules.yaml:1: plausible_range: 1970-01-01 to 2100-12-31 is wider than the store can keep (1971-01-01 to 2261-12-31)"},
		{"plausible range half", map[string]string{RulesFile: "plausible_range: {from: 2000-01-01}\n"},
			"rules.yaml:1: plausible_range: give both from and to"},
		{"plausible range bad date", map[string]string{RulesFile: "plausible_range: {from: 2000-02-30, to: 2100-12-31, since: 1}\n"},
			`rules.yaml:1: unknown key "since" in plausible_range (want from, to)` + "\n" +
				`rules.yaml:1: plausible_range from "2000-02-30": want YYYY-MM-DD`},
		{"zero warning fraction", map[string]string{RulesFile: "warning_fraction: 0\n"},
			"rules.yaml:1: warning_fraction: 0 is outside (0, 1]"},
		{"scorecard problems", map[string]string{RulesFile: `scorecard:
  weights: {high: -1, severe: 2}
  share_766: 1.5
  points_per_dossier: 0
  min_dossiers: 0
  bands:
    - {code: Tot, name: Tốt, min: 80}
    - {code: kha, name: Khá, min: 80}
    - {code: kem, min: 10}
`},
			`rules.yaml:2: unknown key "severe" in scorecard.weights (want high, medium, low)` + "\n" +
				`rules.yaml:2: scorecard.weights.high: -1 is negative` + "\n" +
				`rules.yaml:3: scorecard.share_766: 1.5 is outside [0, 1]` + "\n" +
				`rules.yaml:4: scorecard.points_per_dossier: 0 is not positive` + "\n" +
				`rules.yaml:5: scorecard.min_dossiers: 0 is less than 1` + "\n" +
				`rules.yaml:7: scorecard.bands[0].code "Tot": want lower-case letters, digits and _` + "\n" +
				`rules.yaml:8: scorecard.bands[1].min 80 is not below the band before it (list bands highest first)` + "\n" +
				`rules.yaml:9: scorecard.bands[2].name is required`},
		{"scorecard bands leave low scores out", map[string]string{RulesFile: "scorecard:\n  bands: [{code: tot, name: Tốt, min: 50}]\n"},
			"rules.yaml:2: scorecard.bands: the last band must have min 0, so that every score has a band"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(folder(tc.files))
			require.Nil(t, cfg)
			require.Error(t, err)
			require.IsType(t, &Problems{}, err)
			require.Equal(t, tc.want, err.Error())
		})
	}
}

// TestLoadScorecardRules: the scorecard key overrides the defaults key by
// key; bands, when given, replace the default bands whole.
func TestLoadScorecardRules(t *testing.T) {
	cfg, err := Load(folder(map[string]string{RulesFile: `scorecard:
  weights: {high: 10}
  share_766: 0.5
  bands:
    - {code: dat, name: Đạt, min: 60}
    - {code: khong_dat, name: Không đạt, min: 0}
`}))
	require.NoError(t, err)
	want := counter.DefaultScoreRules()
	want.Weights[counter.SeverityHigh] = 10
	want.Share766 = 0.5
	want.Bands = []counter.Band{{Code: "dat", Name: "Đạt", Min: 60}, {Code: "khong_dat", Name: "Không đạt", Min: 0}}
	require.Equal(t, want, cfg.Rules.Scorecard)
	require.Equal(t, counter.DefaultRules().MaxSupplements, cfg.Rules.MaxSupplements)
}

// TestLoadEveryProblem checks that one broken folder yields all of its
// problems, across files, in file order.
func TestLoadEveryProblem(t *testing.T) {
	_, err := Load(folder(map[string]string{
		AgenciesFile:   strings.Replace(okAgencies, "id: so-xd-motcua,", "id: so-xd,", 1),
		ProceduresFile: strings.Replace(okProcedures, "unit: days", "unit: weeks", 1),
		CalendarFile:   "-",
		RulesFile:      "max_supplements: 0\nwarning_fraction: 2\n",
	}))
	var probs *Problems
	require.ErrorAs(t, err, &probs)
	require.Equal(t, []Problem{
		{AgenciesFile, 12, `duplicate agency id "so-xd"`},
		{AgenciesFile, 15, `official "cb-001": unknown agency "so-xd-motcua"`},
		{ProceduresFile, 4, `procedure "1.009994": lead_time has unknown unit "weeks" (want working_days|working_hours|days)`},
		{CalendarFile, 0, "file is missing"},
		{RulesFile, 1, "max_supplements: 0 is less than 1"},
		{RulesFile, 2, "warning_fraction: 2 is outside (0, 1]"},
	}, probs.List)
}
