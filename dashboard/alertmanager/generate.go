package alertmanager

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// Receiver and time-interval names of the generated configuration.
const (
	ReceiverDefault   = "default"
	ReceiverWatchdog  = "watchdog"
	ReceiverWallboard = "wallboard"
	IntervalOffice    = "office-hours"
	IntervalHolidays  = "holidays"
	WatchdogAlert     = "Watchdog"
)

// HeadReceiver returns the name of the receiver of agency id's head.
func HeadReceiver(id string) string { return "head-" + id }

// The configuration file of Alertmanager 0.25, as far as motcua writes it.
type (
	amConfig struct {
		Global        *amGlobal        `yaml:"global,omitempty"`
		Route         *amRoute         `yaml:"route"`
		InhibitRules  []amInhibit      `yaml:"inhibit_rules"`
		Receivers     []amReceiver     `yaml:"receivers"`
		TimeIntervals []amTimeInterval `yaml:"time_intervals,omitempty"`
	}
	amGlobal struct {
		SMTPSmarthost  string `yaml:"smtp_smarthost,omitempty"`
		SMTPFrom       string `yaml:"smtp_from,omitempty"`
		SMTPRequireTLS *bool  `yaml:"smtp_require_tls,omitempty"`
	}
	amRoute struct {
		Receiver            string     `yaml:"receiver"`
		Matchers            []string   `yaml:"matchers,omitempty"`
		GroupBy             []string   `yaml:"group_by,omitempty"`
		Continue            bool       `yaml:"continue,omitempty"`
		GroupWait           string     `yaml:"group_wait,omitempty"`
		GroupInterval       string     `yaml:"group_interval,omitempty"`
		RepeatInterval      string     `yaml:"repeat_interval,omitempty"`
		MuteTimeIntervals   []string   `yaml:"mute_time_intervals,omitempty"`
		ActiveTimeIntervals []string   `yaml:"active_time_intervals,omitempty"`
		Routes              []*amRoute `yaml:"routes,omitempty"`
	}
	amInhibit struct {
		SourceMatchers []string `yaml:"source_matchers"`
		TargetMatchers []string `yaml:"target_matchers"`
		Equal          []string `yaml:"equal"`
	}
	amReceiver struct {
		Name           string      `yaml:"name"`
		WebhookConfigs []amWebhook `yaml:"webhook_configs,omitempty"`
		EmailConfigs   []amEmail   `yaml:"email_configs,omitempty"`
	}
	amWebhook struct {
		URL          string        `yaml:"url"`
		SendResolved bool          `yaml:"send_resolved"`
		HTTPConfig   *amHTTPConfig `yaml:"http_config,omitempty"`
	}
	amHTTPConfig struct {
		Authorization amAuthorization `yaml:"authorization"`
	}
	amAuthorization struct {
		Type            string `yaml:"type"`
		CredentialsFile string `yaml:"credentials_file"`
	}
	amEmail struct {
		To           string `yaml:"to"`
		SendResolved bool   `yaml:"send_resolved"`
	}
	amTimeInterval struct {
		Name          string       `yaml:"name"`
		TimeIntervals []amInterval `yaml:"time_intervals"`
	}
	amInterval struct {
		Times       []amTimeRange `yaml:"times,omitempty"`
		Weekdays    []string      `yaml:"weekdays,omitempty"`
		DaysOfMonth []string      `yaml:"days_of_month,omitempty"`
		Months      []string      `yaml:"months,omitempty"`
		Years       []string      `yaml:"years,omitempty"`
		Location    string        `yaml:"location,omitempty"`
	}
	amTimeRange struct {
		StartTime string `yaml:"start_time"`
		EndTime   string `yaml:"end_time"`
	}
)

// Generate returns an Alertmanager 0.25 configuration (YAML) that routes
// motcua's alerts (configs/prometheus/rules) to people:
//
//   - an alert labelled agency=X goes to the head of X and, through a
//     route per agency that matches its whole subtree, to the head of
//     every ancestor up to the root (Decree 61/2018/NĐ-CP Art. 37: each
//     level answers for the levels below);
//   - alerts are grouped by alertname and agency;
//   - severity=critical pages at any hour; warnings and infos page only
//     inside the calendar's office hours on working days (make-up
//     Saturdays included) and never on its holidays;
//   - a critical alert inhibits the warning of the same name and agency;
//   - the Watchdog goes to its own receiver, alerts with no or an unknown
//     agency to the default receiver, and, when configured, every alert
//     but the Watchdog also to the wallboard.
//
// It returns an error naming every agency in receivers that the tree does
// not have.
func Generate(cfg *counter.Config, receivers Receivers) ([]byte, error) {
	if cfg == nil || cfg.Root == nil {
		return nil, errors.New("generate alertmanager config: no agency tree")
	}
	if err := receivers.Validate(); err != nil {
		return nil, err
	}
	var unknown []string
	for id := range receivers.Heads {
		if cfg.Agency(id) == nil {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s: heads: unknown agencies %s", ReceiversFile, strings.Join(unknown, ", "))
	}

	t := receivers.Timing
	c := amConfig{Route: &amRoute{
		Receiver:       ReceiverDefault,
		GroupBy:        []string{"alertname", "agency"},
		GroupWait:      or(t.GroupWait, DefaultGroupWait),
		GroupInterval:  or(t.GroupInterval, DefaultGroupInterval),
		RepeatInterval: or(t.RepeatInterval, DefaultRepeatInterval),
	}}
	if s := receivers.SMTP; s != nil {
		c.Global = &amGlobal{SMTPSmarthost: s.Smarthost, SMTPFrom: s.From, SMTPRequireTLS: s.RequireTLS}
	}

	c.Receivers = append(c.Receivers, receiver(ReceiverDefault, receivers.Default))
	watchdog := receivers.Default
	if receivers.Watchdog != nil {
		watchdog = *receivers.Watchdog
	}
	c.Receivers = append(c.Receivers, receiver(ReceiverWatchdog, watchdog))
	if receivers.Wallboard != nil {
		c.Receivers = append(c.Receivers, receiver(ReceiverWallboard, *receivers.Wallboard))
		c.Route.Routes = append(c.Route.Routes, &amRoute{Receiver: ReceiverWallboard,
			Matchers: []string{`alertname!="` + WatchdogAlert + `"`}, Continue: true})
	}
	for _, id := range cfg.Subtree(cfg.Root.ID) {
		ct, ok := receivers.Heads[id]
		if !ok && receivers.HeadWebhook != "" {
			ct = Contact{Webhook: strings.ReplaceAll(receivers.HeadWebhook, "{agency}", id)}
		}
		// A head without any contact gets a receiver that notifies nobody:
		// the alert still shows in Alertmanager and on the wallboard.
		c.Receivers = append(c.Receivers, receiver(HeadReceiver(id), ct))
	}

	// The heartbeat: the Watchdog must reach its receiver regularly, so it
	// repeats often and never waits.
	c.Route.Routes = append(c.Route.Routes, &amRoute{Receiver: ReceiverWatchdog,
		Matchers: []string{`alertname="` + WatchdogAlert + `"`}, GroupWait: "0s", GroupInterval: "1m", RepeatInterval: "5m"})
	c.Route.Routes = append(c.Route.Routes,
		&amRoute{Receiver: ReceiverDefault, Matchers: []string{`severity="critical"`},
			Routes: []*amRoute{agencyRoute(cfg, cfg.Root, nil, nil)}},
		&amRoute{Receiver: ReceiverDefault, Matchers: []string{`severity=~"warning|info"`},
			Routes: []*amRoute{agencyRoute(cfg, cfg.Root, []string{IntervalOffice}, []string{IntervalHolidays})}},
	)

	c.InhibitRules = []amInhibit{{
		SourceMatchers: []string{`severity="critical"`},
		TargetMatchers: []string{`severity=~"warning|info"`},
		Equal:          []string{"alertname", "agency"},
	}}
	c.TimeIntervals = timeIntervals(cfg.Calendar)

	out, err := yaml.MarshalWithOptions(c, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("encode alertmanager config: %w", err)
	}
	header := "# Generated by `motcua alertmanager-config` from the agency tree, the working calendar\n" +
		"# and receivers.yaml. Do not edit: regenerate.\n"
	out = append([]byte(header), out...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func receiver(name string, c Contact) amReceiver {
	r := amReceiver{Name: name}
	if c.Webhook != "" {
		w := amWebhook{URL: c.Webhook, SendResolved: true}
		if c.BearerTokenFile != "" {
			w.HTTPConfig = &amHTTPConfig{Authorization: amAuthorization{Type: "Bearer", CredentialsFile: c.BearerTokenFile}}
		}
		r.WebhookConfigs = []amWebhook{w}
	}
	if c.Email != "" {
		r.EmailConfigs = []amEmail{{To: c.Email, SendResolved: true}}
	}
	return r
}

// agencyRoute returns the route of agency a: it matches a's whole subtree
// and sends to a's head; its first child route, matching all that reaches
// it, with continue, is what delivers to a's head, so that the child routes
// below it deliver to the heads further down as well. A leaf matches a
// alone.
func agencyRoute(cfg *counter.Config, a *counter.Agency, active, mute []string) *amRoute {
	r := &amRoute{Receiver: HeadReceiver(a.ID), ActiveTimeIntervals: active, MuteTimeIntervals: mute}
	if len(a.Children) == 0 {
		r.Matchers = []string{`agency="` + a.ID + `"`}
		return r
	}
	r.Matchers = []string{`agency=~"` + strings.Join(cfg.Subtree(a.ID), "|") + `"`}
	// The self leg needs no matchers: only alerts of the subtree reach it.
	r.Routes = []*amRoute{{Receiver: HeadReceiver(a.ID), Continue: true,
		ActiveTimeIntervals: active, MuteTimeIntervals: mute}}
	for _, ch := range a.Children {
		r.Routes = append(r.Routes, agencyRoute(cfg, ch, active, mute))
	}
	return r
}

// timeIntervals returns the office hours of working days (weekdays that
// are not weekend days, plus each make-up workday) and the holidays, in
// the calendar's zone. Alertmanager has no holiday calendar, so each
// holiday becomes a date interval; consecutive days of one month share one.
func timeIntervals(cal *calendar.Calendar) []amTimeInterval {
	if cal == nil {
		return nil
	}
	loc := ""
	if cal.Location != nil {
		loc = cal.Location.String()
	}
	var times []amTimeRange
	for _, iv := range cal.OfficeHours {
		times = append(times, amTimeRange{StartTime: clock(iv.Start), EndTime: clock(iv.End)})
	}
	office := amTimeInterval{Name: IntervalOffice}
	if days := weekdayRanges(cal.Weekend); len(days) > 0 {
		office.TimeIntervals = append(office.TimeIntervals, amInterval{Weekdays: days, Times: times, Location: loc})
	}
	for _, r := range dateRanges(cal.Workdays) {
		office.TimeIntervals = append(office.TimeIntervals, amInterval{Years: r.years, Months: r.months,
			DaysOfMonth: r.days, Times: times, Location: loc})
	}
	holidays := amTimeInterval{Name: IntervalHolidays}
	for _, r := range dateRanges(cal.Holidays) {
		holidays.TimeIntervals = append(holidays.TimeIntervals, amInterval{Years: r.years, Months: r.months,
			DaysOfMonth: r.days, Location: loc})
	}
	out := []amTimeInterval{}
	if len(office.TimeIntervals) > 0 {
		out = append(out, office)
	}
	if len(holidays.TimeIntervals) == 0 {
		// Routes name the interval: keep it defined, matching nothing (a
		// day of a year long past).
		holidays.TimeIntervals = []amInterval{{Years: []string{"1970"}, Months: []string{"1"}, DaysOfMonth: []string{"1"}, Location: loc}}
	}
	return append(out, holidays)
}

// clock formats an offset from midnight as "15:04" ("24:00" for the end
// of the day).
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// weekdayRanges lists the days not in weekend as Alertmanager weekday
// ranges ("monday:friday").
func weekdayRanges(weekend map[time.Weekday]bool) []string {
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var out []string
	for i := 0; i < len(order); {
		if weekend[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && !weekend[order[j+1]] {
			j++
		}
		name := func(d time.Weekday) string { return strings.ToLower(d.String()) }
		if i == j {
			out = append(out, name(order[i]))
		} else {
			out = append(out, name(order[i])+":"+name(order[j]))
		}
		i = j + 1
	}
	return out
}

type dateRange struct{ years, months, days []string }

// dateRanges groups dates into runs of consecutive days of one month.
func dateRanges(dates map[calendar.Date]string) []dateRange {
	ds := make([]calendar.Date, 0, len(dates))
	for d := range dates {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Year != b.Year {
			return a.Year < b.Year
		}
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		return a.Day < b.Day
	})
	var out []dateRange
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1].Year == ds[i].Year && ds[j+1].Month == ds[i].Month && ds[j+1].Day == ds[j].Day+1 {
			j++
		}
		days := strconv.Itoa(ds[i].Day)
		if j > i {
			days += ":" + strconv.Itoa(ds[j].Day)
		}
		out = append(out, dateRange{years: []string{strconv.Itoa(ds[i].Year)},
			months: []string{strconv.Itoa(int(ds[i].Month))}, days: []string{days}})
		i = j + 1
	}
	return out
}
