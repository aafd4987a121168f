package calendar

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Unit is the unit of a procedure lead time.
type Unit string

// Lead-time units (SPEC.md §2.2).
const (
	WorkingDays  Unit = "working_days"
	WorkingHours Unit = "working_hours"
	Days         Unit = "days"
)

// Date is a civil date without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// String formats d as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In returns midnight starting d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Interval is a span of the day, as offsets from local midnight: office
// hours 07:30–11:30 are {7h30m, 11h30m}.
type Interval struct {
	Start, End time.Duration
}

// Calendar is a working calendar: weekend days, office hours, holidays and
// make-up workdays in one time zone. Build it as a literal; it is
// read-only afterwards and safe for concurrent use. Use it through a
// pointer: the first method call builds a per-day bitmap of the fields and
// keeps it, so changing the fields after that call has no effect.
type Calendar struct {
	Location    *time.Location
	Weekend     map[time.Weekday]bool
	OfficeHours []Interval // sorted, non-overlapping
	Holidays    map[Date]string
	Workdays    map[Date]string

	idx atomic.Value // *index, built on first use
}
