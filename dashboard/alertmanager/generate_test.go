package alertmanager

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yml")

// smallConfig is a city with one district holding a counter and a ward
// with its counter, on a calendar with Tết 2026 and one make-up Saturday.
func smallConfig(t testing.TB) *counter.Config {
	t.Helper()
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	root := &counter.Agency{ID: "tp", Level: counter.LevelCity, Children: []*counter.Agency{
		{ID: "q1", Level: counter.LevelDistrict, Children: []*counter.Agency{
			{ID: "q1-motcua", Level: counter.LevelCounter},
			{ID: "p1", Level: counter.LevelCommune, Children: []*counter.Agency{
				{ID: "p1-motcua", Level: counter.LevelCounter}}},
		}}}}
	hol := map[calendar.Date]string{{Year: 2026, Month: 1, Day: 1}: "Tết Dương lịch"}
	for d := 16; d <= 20; d++ {
		hol[calendar.Date{Year: 2026, Month: 2, Day: d}] = "Tết Nguyên đán"
	}
	cal := &calendar.Calendar{Location: hcm,
		Weekend:     map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute}, {Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour}},
		Holidays:    hol,
		Workdays:    map[calendar.Date]string{{Year: 2026, Month: 8, Day: 22}: "Làm bù"},
	}
	return counter.NewConfig(root, nil, nil, cal, counter.DefaultRules())
}

func smallReceivers() Receivers {
	return Receivers{
		SMTP:        &SMTP{Smarthost: "127.0.0.1:25", From: "canhbao@example.vn"},
		Default:     Contact{Webhook: "http://127.0.0.1:9095/ops"},
		Wallboard:   &Contact{Webhook: "http://127.0.0.1:8080/api/v1/alerts", BearerTokenFile: "/etc/motcua/alert-token"},
		HeadWebhook: "http://127.0.0.1:9095/heads/{agency}",
		Heads:       map[string]Contact{"tp": {Email: "chutich@example.vn"}},
	}
}

// day is when the tests generate: a day of the tree of 1-7-2025.
var day = time.Date(2026, 12, 5, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

func TestGenerateGolden(t *testing.T) {
	got, err := Generate(smallConfig(t), smallReceivers(), day)
	require.NoError(t, err)
	path := filepath.Join("testdata", "small.golden.yml")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "run go test -update to accept")
}

// amtool returns the path of amtool, skipping when it is absent outside CI.
func amtool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("amtool"); err == nil {
		return p
	}
	if os.Getenv("CI") == "" {
		t.Skip("amtool not installed (run scripts/deps)")
	}
	t.Fatal("amtool not installed; CI must run scripts/deps")
	return ""
}

// shipped generates the configuration from the shipped configuration
// folder and receivers file into a temporary file.
func shipped(t *testing.T) (string, []byte) {
	t.Helper()
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	r, err := LoadReceivers(os.DirFS(filepath.Join("..", "..", "configs")))
	require.NoError(t, err)
	b, err := Generate(cfg, r, day)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path, b
}

func TestShippedConfigPassesAmtool(t *testing.T) {
	tool := amtool(t)
	path, _ := shipped(t)
	out, err := exec.Command(tool, "check-config", path).CombinedOutput()
	require.NoError(t, err, "amtool check-config:\n%s", out)
	require.Contains(t, string(out), "SUCCESS")
	out, err = exec.Command(tool, "check-config", filepath.Join("testdata", "small.golden.yml")).CombinedOutput()
	require.NoError(t, err, "amtool check-config on the golden file:\n%s", out)

	wardChain := []string{"wallboard", "head-phuong-haichau-ttpvhcc", "head-phuong-haichau", "head-tp-danang"}
	tests := []struct {
		labels []string
		want   []string
	}{
		{[]string{"agency=phuong-haichau-ttpvhcc", "severity=critical", "alertname=OneStopDossierOverdue"}, wardChain},
		{[]string{"agency=phuong-haichau-ttpvhcc", "severity=warning", "alertname=OneStopDeskUnstaffed"}, wardChain},
		{[]string{"agency=xa-bana-kt", "severity=warning", "alertname=OneStopOnTimeRateLow"},
			[]string{"wallboard", "head-xa-bana-kt", "head-xa-bana", "head-tp-danang"}},
		// An old ward's counter, ended on 30-6-2025: its heir's heads.
		{[]string{"agency=p-thachthang-motcua", "severity=critical", "alertname=OneStopDossierOverdue"}, wardChain},
		// An old district's division: the heads of every unit that took the district over.
		{[]string{"agency=q-haichau-tnmt", "severity=critical", "alertname=OneStopDossierOverdue"},
			[]string{"wallboard", "head-phuong-haichau", "head-phuong-hoacuong", "head-tp-danang"}},
		// A merged department's counter: the department that absorbed it.
		{[]string{"agency=so-gtvt-motcua", "severity=critical", "alertname=OneStopDossierOverdue"},
			[]string{"wallboard", "head-so-xd-motcua", "head-so-xd", "head-tp-danang"}},
		{[]string{"agency=so-xd-qlxd", "severity=warning", "alertname=OneStopOnTimeRateLow"},
			[]string{"wallboard", "head-so-xd-qlxd", "head-so-xd", "head-tp-danang"}},
		{[]string{"agency=tp-danang", "severity=critical", "alertname=OneStopDossierOverdue"}, []string{"wallboard", "head-tp-danang"}},
		{[]string{"alertname=MotcuaDown", "severity=critical"}, []string{"wallboard", "default"}},
		{[]string{"agency=no-such-agency", "severity=critical", "alertname=X"}, []string{"wallboard", "default"}},
		{[]string{"alertname=Watchdog", "severity=none"}, []string{"watchdog"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.labels, ","), func(t *testing.T) {
			args := append([]string{"config", "routes", "test", "--config.file=" + path}, tt.labels...)
			out, err := exec.Command(tool, args...).Output()
			require.NoError(t, err)
			got := strings.Split(strings.TrimSpace(lastLine(string(out))), ",")
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			require.Equal(t, want, got)
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// walk calls f on every route below r.
func walk(r *amRoute, f func(*amRoute)) {
	for _, c := range r.Routes {
		f(c)
		walk(c, f)
	}
}

// TestWarningsPageOnlyInOfficeHours checks the generated time intervals:
// a warning on a holiday or outside office hours is muted, a make-up
// Saturday is a working day, and criticals are never muted.
func TestWarningsPageOnlyInOfficeHours(t *testing.T) {
	_, b := shipped(t)
	var c amConfig
	require.NoError(t, yaml.Unmarshal(b, &c))

	intervals := map[string][]amInterval{}
	for _, ti := range c.TimeIntervals {
		intervals[ti.Name] = ti.TimeIntervals
	}
	hours := []amTimeRange{{"07:30", "11:30"}, {"13:30", "17:00"}}
	loc := "Asia/Ho_Chi_Minh"
	require.Contains(t, intervals[IntervalOffice], amInterval{Weekdays: []string{"monday:friday"}, Times: hours, Location: loc})
	require.Contains(t, intervals[IntervalOffice], amInterval{Years: []string{"2026"}, Months: []string{"8"}, DaysOfMonth: []string{"22"}, Times: hours, Location: loc},
		"the make-up Saturday 22/8/2026 is a working day")
	for _, want := range []amInterval{
		{Years: []string{"2026"}, Months: []string{"2"}, DaysOfMonth: []string{"16:20"}, Location: loc}, // Tết 2026
		{Years: []string{"2026"}, Months: []string{"8"}, DaysOfMonth: []string{"31"}, Location: loc},    // swapped Monday
		{Years: []string{"2026"}, Months: []string{"9"}, DaysOfMonth: []string{"1:2"}, Location: loc},   // Quốc khánh
		{Years: []string{"2025"}, Months: []string{"1"}, DaysOfMonth: []string{"1"}, Location: loc},
	} {
		require.Contains(t, intervals[IntervalHolidays], want)
	}

	var warning, critical *amRoute
	for _, r := range c.Route.Routes {
		switch strings.Join(r.Matchers, ",") {
		case `severity=~"warning|info"`:
			warning = r
		case `severity="critical"`:
			critical = r
		}
	}
	require.NotNil(t, warning)
	require.NotNil(t, critical)
	n := 0
	walk(warning, func(r *amRoute) {
		n++
		require.Equal(t, []string{IntervalOffice}, r.ActiveTimeIntervals, r.Receiver)
		require.Equal(t, []string{IntervalHolidays}, r.MuteTimeIntervals, r.Receiver)
	})
	require.Greater(t, n, 100)
	walk(critical, func(r *amRoute) {
		require.Empty(t, r.ActiveTimeIntervals, r.Receiver)
		require.Empty(t, r.MuteTimeIntervals, r.Receiver)
	})
	require.Equal(t, []amInhibit{{SourceMatchers: []string{`severity="critical"`},
		TargetMatchers: []string{`severity=~"warning|info"`}, Equal: []string{"alertname", "agency"}}}, c.InhibitRules)
	require.Equal(t, []string{"alertname", "agency"}, c.Route.GroupBy)
}

func TestReceiversErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "default: {webhook: \"http://h/x\"}\nwebhooks: 1\n", `unknown field "webhooks"`},
		{"no default", "heads: {tp: {webhook: \"http://h/x\"}}\n", "receivers.yaml: default: needs a webhook or an email"},
		{"bad url", "default: {webhook: \"ftp://h/x\"}\n", `receivers.yaml: default.webhook: "ftp://h/x" is not an http(s) URL`},
		{"email without smtp", "default: {email: \"a@b.vn\"}\n", "receivers.yaml: smtp: smarthost and from are required when a contact has an email"},
		{"bad timing", "default: {webhook: \"http://h/x\"}\ntiming: {group_wait: soon}\n", `receivers.yaml: timing.group_wait: "soon" is not a duration like 30s or 4h`},
		{"empty head", "default: {webhook: \"http://h/x\"}\nheads: {tp: {}}\n", "receivers.yaml: heads.tp: needs a webhook or an email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReceivers([]byte(tt.yaml))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("unknown agency", func(t *testing.T) {
		r := smallReceivers()
		r.Heads["q9"] = Contact{Webhook: "http://h/q9"}
		_, err := Generate(smallConfig(t), r, day)
		require.EqualError(t, err, "receivers.yaml: heads: unknown agencies q9")
	})
	t.Run("agency not in force", func(t *testing.T) {
		cfg, err := configs.Load(configs.Embedded())
		require.NoError(t, err)
		r := smallReceivers()
		r.Heads = map[string]Contact{"q-haichau": {Webhook: "http://h/q"}, "q-nowhere": {Webhook: "http://h/n"}, "phuong-haichau": {Webhook: "http://h/p"}}
		_, err = Generate(cfg, r, day)
		require.EqualError(t, err, "receivers.yaml: heads: unknown agencies q-nowhere\n"+
			"receivers.yaml: heads: agencies not in force on 2026-12-05: q-haichau")
		delete(r.Heads, "q-nowhere")
		_, err = Generate(cfg, r, time.Date(2025, 6, 30, 12, 0, 0, 0, cfg.Calendar.Location))
		require.EqualError(t, err, "receivers.yaml: heads: agencies not in force on 2025-06-30: phuong-haichau")
	})
}

func TestShippedReceiversLoad(t *testing.T) {
	r, err := LoadReceivers(os.DirFS(filepath.Join("..", "..", "configs")))
	require.NoError(t, err)
	require.NotNil(t, r.Wallboard)
	require.Equal(t, "http://127.0.0.1:8080/api/v1/alerts", r.Wallboard.Webhook)
	// configs.Load reads only its own files: receivers.yaml beside them is ignored.
	_, err = configs.Load(os.DirFS(filepath.Join("..", "..", "configs")))
	require.NoError(t, err)
}
