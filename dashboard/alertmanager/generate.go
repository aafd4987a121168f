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
// motcua's alerts (configs/prometheus/rules) to people, over the agency
// tree in force on the civil date of day (SPEC.md §10.2):
//
//   - an alert labelled agency=X goes to the head of X and, through a
//     route per agency that matches its whole subtree, to the head of
//     every ancestor up to the root (each level answers for the levels
//     below);
//   - an alert about an agency no longer in force (an old dossier still
//     open at an abolished district's counter, say) goes where its files
//     went: to the heads of its heirs (counter.Config.ReadableFrom) and
//     their ancestors;
//   - alerts are grouped by alertname and agency;
//   - severity=critical pages at any hour; warnings and infos page only
//     inside the calendar's office hours on working days (make-up
//     Saturdays included) and never on its holidays;
//   - a critical alert inhibits the warning of the same name and agency;
//   - the Watchdog goes to its own receiver, alerts with no or an unknown
//     agency to the default receiver, and, when configured, every alert
//     but the Watchdog also to the wallboard;
//   - a head without an entry in receivers.Heads gets the templated
//     webhook (receivers.HeadWebhook, else DefaultHeadWebhook).
//
// It returns the error of CheckTree when receivers name agencies the tree
// does not have, or that are not in force that day.
func Generate(cfg *counter.Config, receivers Receivers, day time.Time) ([]byte, error) {
	if cfg == nil || cfg.Root == nil {
		return nil, errors.New("generate alertmanager config: no agency tree")
	}
	if err := receivers.Validate(); err != nil {
		return nil, err
	}
	if err := CheckTree(cfg, receivers, day); err != nil {
		return nil, err
	}
	tree := cfg.TreeAt(day)
	if tree == nil {
		return nil, fmt.Errorf("generate alertmanager config: the root agency %s is not in force on %s",
			cfg.Root.ID, day.Format(time.DateOnly))
	}
	inherited := heirs(cfg, day)

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
	template := or(receivers.HeadWebhook, DefaultHeadWebhook)
	var ids []string
	var collect func(a *counter.Agency)
	collect = func(a *counter.Agency) {
		ids = append(ids, a.ID)
		for _, ch := range a.Children {
			collect(ch)
		}
	}
	collect(tree)
	for _, id := range ids {
		ct, ok := receivers.Heads[id]
		if !ok {
			ct = Contact{Webhook: strings.ReplaceAll(template, "{agency}", id)}
		}
		c.Receivers = append(c.Receivers, receiver(HeadReceiver(id), ct))
	}

	// The heartbeat: the Watchdog must reach its receiver regularly, so it
	// repeats often and never waits.
	c.Route.Routes = append(c.Route.Routes, &amRoute{Receiver: ReceiverWatchdog,
		Matchers: []string{`alertname="` + WatchdogAlert + `"`}, GroupWait: "0s", GroupInterval: "1m", RepeatInterval: "5m"})
	c.Route.Routes = append(c.Route.Routes,
		&amRoute{Receiver: ReceiverDefault, Matchers: []string{`severity="critical"`},
			Routes: []*amRoute{agencyRoute(tree, inherited, nil, nil)}},
		&amRoute{Receiver: ReceiverDefault, Matchers: []string{`severity=~"warning|info"`},
			Routes: []*amRoute{agencyRoute(tree, inherited, []string{IntervalOffice}, []string{IntervalHolidays})}},
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

// agencyRoute returns the route of agency a (a node of the tree of the
// day): it matches a's whole subtree, and the ended agencies inherited by
// it, and sends to a's head; its first child route, matching all that
// reaches it, with continue, is what delivers to a's head, so that the
// child routes below it deliver to the heads further down as well. A
// leaf without inherited agencies matches a alone.
func agencyRoute(a *counter.Agency, inherited map[string][]string, active, mute []string) *amRoute {
	r := &amRoute{Receiver: HeadReceiver(a.ID), ActiveTimeIntervals: active, MuteTimeIntervals: mute}
	matched := subtreeIDs(a, inherited)
	// An ended agency may be inherited by several agencies (a district by
	// every ward it went to): routes matching one go on to their siblings,
	// which Alertmanager otherwise skips after the first match.
	r.Continue = len(matched) > subtreeSize(a)
	if len(a.Children) == 0 && len(matched) == 1 {
		r.Matchers = []string{`agency="` + a.ID + `"`}
		return r
	}
	r.Matchers = []string{`agency=~"` + strings.Join(matched, "|") + `"`}
	if len(a.Children) == 0 {
		return r
	}
	// The self leg needs no matchers: only alerts of the subtree reach it.
	r.Routes = []*amRoute{{Receiver: HeadReceiver(a.ID), Continue: true,
		ActiveTimeIntervals: active, MuteTimeIntervals: mute}}
	for _, ch := range a.Children {
		r.Routes = append(r.Routes, agencyRoute(ch, inherited, active, mute))
	}
	return r
}

// subtreeIDs lists a and its descendants, depth first, each followed by
// the ended agencies it inherits.
func subtreeIDs(a *counter.Agency, inherited map[string][]string) []string {
	out := append([]string{a.ID}, inherited[a.ID]...)
	for _, ch := range a.Children {
		out = append(out, subtreeIDs(ch, inherited)...)
	}
	return out
}

func subtreeSize(a *counter.Agency) int {
	n := 1
	for _, ch := range a.Children {
		n += subtreeSize(ch)
	}
	return n
}

// heirs maps each agency in force on day to the agencies not in force
// that day whose files it inherits most directly: an ended agency is
// listed under each nearest agency in force that ReadableFrom says reads
// it, so that its alerts reach that agency's head and those above.
func heirs(cfg *counter.Config, day time.Time) map[string][]string {
	out := map[string][]string{}
	all := cfg.Subtree(cfg.Root.ID)
	for _, old := range all {
		if cfg.InForce(old, day) {
			continue
		}
		for _, id := range all {
			if !cfg.InForce(id, day) || !cfg.ReadableFrom(old, id) {
				continue
			}
			// Keep only the deepest readers: skip id when one of its
			// children in force also reads old.
			deeper := false
			for _, ch := range cfg.Agency(id).Children {
				if cfg.InForce(ch.ID, day) && cfg.ReadableFrom(old, ch.ID) {
					deeper = true
					break
				}
			}
			if !deeper {
				out[id] = append(out[id], old)
			}
		}
	}
	return out
}

// CheckTree reports the heads of receivers that name an agency the tree
// does not have, or one not in force on the civil date of day; nil when
// there are none.
func CheckTree(cfg *counter.Config, receivers Receivers, day time.Time) error {
	var unknown, ended []string
	for id := range receivers.Heads {
		switch {
		case cfg.Agency(id) == nil:
			unknown = append(unknown, id)
		case !cfg.InForce(id, day):
			ended = append(ended, id)
		}
	}
	sort.Strings(unknown)
	sort.Strings(ended)
	var probs []string
	if len(unknown) > 0 {
		probs = append(probs, fmt.Sprintf("%s: heads: unknown agencies %s", ReceiversFile, strings.Join(unknown, ", ")))
	}
	if len(ended) > 0 {
		loc := time.Local
		if cfg.Calendar != nil && cfg.Calendar.Location != nil {
			loc = cfg.Calendar.Location
		}
		probs = append(probs, fmt.Sprintf("%s: heads: agencies not in force on %s: %s", ReceiversFile,
			day.In(loc).Format(time.DateOnly), strings.Join(ended, ", ")))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "\n"))
	}
	return nil
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
