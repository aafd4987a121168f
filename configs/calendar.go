package configs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// maxHolidayRange bounds one holiday range; Tết, the longest, is under ten
// days, so anything longer is a typo in a year.
const maxHolidayRange = 31

var clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-4]):([0-5][0-9])$`)

// parseClock parses "HH:MM" into an offset from midnight; "24:00" is
// allowed only when allowMidnight is set (the end of office hours).
func parseClock(s string, allowMidnight bool) (time.Duration, bool) {
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if h == 24 && (mi != 0 || !allowMidnight) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, true
}

func formatClock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// decodeCalendar reads calendar.yaml (SPEC.md §2.3). Every date of a
// holiday range becomes its own entry in Holidays.
func decodeCalendar(d *decoder, n *node) *calendar.Calendar {
	if n == nil {
		return nil
	}
	cal := &calendar.Calendar{
		Weekend:  map[time.Weekday]bool{},
		Holidays: map[calendar.Date]string{},
		Workdays: map[calendar.Date]string{},
	}
	top, ok := d.object(n, topLevel, "timezone", "weekend", "office_hours", "holidays", "workdays")
	if !ok {
		return cal
	}

	if tz := d.str(top.get("timezone"), "timezone"); tz == "" {
		d.addf(top.line, "missing timezone (Asia/Ho_Chi_Minh)")
	} else if loc, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		d.addf(top.lines["timezone"], "unknown timezone %q", tz)
	} else {
		cal.Location = loc
	}

	if !top.has("weekend") {
		d.addf(top.line, "missing weekend (write weekend: [] for none)")
	}
	for _, it := range d.list(top.get("weekend"), "weekend") {
		name := strings.ToLower(d.str(it, "weekend day"))
		day, ok := weekdays[name]
		switch {
		case !ok:
			d.addf(max(it.line, top.lines["weekend"]), "unknown weekend day %q (want monday … sunday)", name)
		case cal.Weekend[day]:
			d.addf(max(it.line, top.lines["weekend"]), "duplicate weekend day %q", name)
		default:
			cal.Weekend[day] = true
		}
	}

	hours := d.list(top.get("office_hours"), "office_hours")
	if len(hours) == 0 {
		d.addf(max(top.lines["office_hours"], top.line), "missing office_hours (want at least one {start, end})")
	}
	for _, it := range hours {
		o, ok := d.object(it, "office hours", "start", "end")
		if !ok {
			continue
		}
		line := o.line
		s, e := d.str(o.get("start"), "start"), d.str(o.get("end"), "end")
		start, ok1 := parseClock(s, false)
		end, ok2 := parseClock(e, true)
		if !ok1 {
			d.addf(line, "office hours start %q: want HH:MM", s)
		}
		if !ok2 {
			d.addf(line, "office hours end %q: want HH:MM", e)
		}
		if !ok1 || !ok2 {
			continue
		}
		iv := calendar.Interval{Start: start, End: end}
		if start >= end {
			d.addf(line, "office hours %s–%s: start is not before end", s, e)
			continue
		}
		if k := len(cal.OfficeHours); k > 0 {
			prev := cal.OfficeHours[k-1]
			if start < prev.End {
				d.addf(line, "office hours %s–%s overlap or come before %s–%s (want them sorted, not overlapping)",
					s, e, formatClock(prev.Start), formatClock(prev.End))
				continue
			}
		}
		cal.OfficeHours = append(cal.OfficeHours, iv)
	}

	holidayLine := map[calendar.Date]int{}
	for _, it := range d.list(top.get("holidays"), "holidays") {
		o, ok := d.object(it, "holiday", "date", "from", "to", "name")
		if !ok {
			continue
		}
		line := o.line
		name := d.str(o.get("name"), "name")
		var days []calendar.Date
		switch {
		case o.has("date") && (o.has("from") || o.has("to")):
			d.addf(line, "holiday: give either date or from/to, not both")
		case o.has("date"):
			if day, ok := d.date(o.fields["date"], "holiday date"); ok {
				days = append(days, day)
			}
		case o.has("from") && o.has("to"):
			from, ok1 := d.date(o.fields["from"], "holiday from")
			to, ok2 := d.date(o.fields["to"], "holiday to")
			if !ok1 || !ok2 {
				break
			}
			loc := time.UTC
			t0, t1 := from.In(loc), to.In(loc)
			switch {
			case t0.After(t1):
				d.addf(line, "holiday from %s is after to %s", from, to)
			case t1.Sub(t0) >= maxHolidayRange*24*time.Hour:
				d.addf(line, "holiday %s to %s spans more than %d days", from, to, maxHolidayRange)
			default:
				for t := t0; !t.After(t1); t = t.AddDate(0, 0, 1) {
					days = append(days, calendar.DateOf(t))
				}
			}
		case o.has("from") || o.has("to"):
			d.addf(line, "holiday: from and to go together")
		default:
			d.addf(line, "holiday: missing date (or from and to)")
		}
		if name == "" {
			d.addf(line, "holiday: missing name")
		}
		for _, day := range days {
			if prev, dup := holidayLine[day]; dup {
				d.addf(line, "holiday %s is listed twice (also line %d)", day, prev)
				continue
			}
			holidayLine[day] = line
			cal.Holidays[day] = name
		}
	}

	workdayLine := map[calendar.Date]int{}
	for _, it := range d.list(top.get("workdays"), "workdays") {
		o, ok := d.object(it, "workday", "date", "name")
		if !ok {
			continue
		}
		line := o.line
		name := d.str(o.get("name"), "name")
		if name == "" {
			d.addf(line, "workday: missing name")
		}
		if !o.has("date") {
			d.addf(line, "workday: missing date")
			continue
		}
		day, ok := d.date(o.fields["date"], "workday date")
		if !ok {
			continue
		}
		if prev, dup := workdayLine[day]; dup {
			d.addf(line, "workday %s is listed twice (also line %d)", day, prev)
			continue
		}
		workdayLine[day] = line
		if hl, clash := holidayLine[day]; clash {
			d.addf(line, "workday %s is also a holiday (line %d)", day, hl)
		}
		if len(cal.Weekend) > 0 && !cal.Weekend[day.In(time.UTC).Weekday()] {
			d.addf(line, "workday %s is a %s, not a weekend day", day, strings.ToLower(day.In(time.UTC).Weekday().String()))
		}
		cal.Workdays[day] = name
	}
	return cal
}

// date reads "YYYY-MM-DD".
func (d *decoder) date(n *node, what string) (calendar.Date, bool) {
	if n == nil {
		return calendar.Date{}, false
	}
	s := d.str(n, what)
	day, err := calendar.ParseDate(s)
	if err != nil {
		d.addf(n.line, "%s %q: want YYYY-MM-DD", what, s)
		return calendar.Date{}, false
	}
	return day, true
}
