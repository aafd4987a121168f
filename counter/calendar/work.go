package calendar

import (
	"fmt"
	"math/bits"
	"sort"
	"time"
)

// MaxScanDays bounds every search for a working day or an office opening:
// no result lies further than this many days (about ten years) past the
// day it starts from. A calendar without working days or office hours,
// or an absurd lead time, gets the horizon instead of an endless loop.
const MaxScanDays = 3660

const day = 24 * time.Hour

// index is the precomputed form of a Calendar: one bit per day over the
// span of its listed holidays and workdays, the weekend as an array, and
// the office hours merged.
type index struct {
	loc     *time.Location
	weekend [7]bool
	lo, hi  int64    // day numbers covered by bits: [lo, hi)
	bits    []uint64 // bit set = working day
	office  []Interval
	perDay  time.Duration // office time of one working day
	perWeek int64         // days of a week that are not weekend days
}

// index returns c's index, building it on first use. Concurrent first
// calls may each build one; they are equal and the last stored wins.
func (c *Calendar) index() *index {
	if x, ok := c.idx.Load().(*index); ok {
		return x
	}
	x := buildIndex(c)
	c.idx.Store(x)
	return x
}

func buildIndex(c *Calendar) *index {
	x := &index{loc: c.Location}
	if x.loc == nil {
		x.loc = time.UTC
	}
	for wd, off := range c.Weekend {
		if off && wd >= time.Sunday && wd <= time.Saturday {
			x.weekend[wd] = true
		}
	}
	for _, off := range x.weekend {
		if !off {
			x.perWeek++
		}
	}
	first := true
	span := func(d Date) {
		n := dayNumber(d.Year, d.Month, d.Day)
		if first || n < x.lo {
			x.lo = n
		}
		if first || n+1 > x.hi {
			x.hi = n + 1
		}
		first = false
	}
	for d := range c.Holidays {
		span(d)
	}
	for d := range c.Workdays {
		span(d)
	}
	if !first {
		x.bits = make([]uint64, (x.hi-x.lo+63)/64)
		for n := x.lo; n < x.hi; n++ {
			if !x.weekend[weekdayOf(n)] {
				x.set(n, true)
			}
		}
		for d := range c.Holidays {
			x.set(dayNumber(d.Year, d.Month, d.Day), false)
		}
		for d := range c.Workdays { // a listed workday wins over a holiday
			x.set(dayNumber(d.Year, d.Month, d.Day), true)
		}
	}
	x.office = mergeIntervals(c.OfficeHours)
	for _, iv := range x.office {
		x.perDay += iv.End - iv.Start
	}
	return x
}

// mergeIntervals clips office hours to one day, sorts them and joins
// overlapping or touching ones, so that each End is a real closing.
func mergeIntervals(in []Interval) []Interval {
	out := make([]Interval, 0, len(in))
	for _, iv := range in {
		iv.Start = max(iv.Start, 0)
		iv.End = min(iv.End, day)
		if iv.End > iv.Start {
			out = append(out, iv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	merged := out[:0]
	for _, iv := range out {
		if k := len(merged) - 1; k >= 0 && iv.Start <= merged[k].End {
			merged[k].End = max(merged[k].End, iv.End)
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

func (x *index) set(n int64, working bool) {
	i := n - x.lo
	if working {
		x.bits[i/64] |= 1 << (i % 64)
	} else {
		x.bits[i/64] &^= 1 << (i % 64)
	}
}

// working reports whether day number n is a working day.
func (x *index) working(n int64) bool {
	if n >= x.lo && n < x.hi {
		i := n - x.lo
		return x.bits[i/64]&(1<<(i%64)) != 0
	}
	return !x.weekend[weekdayOf(n)]
}

// countWorking returns the number of working days in [a, b).
func (x *index) countWorking(a, b int64) int64 {
	if a >= b {
		return 0
	}
	n := x.countWeekdays(a, min(b, x.lo)) + x.countWeekdays(max(a, x.hi), b)
	for d, e := max(a, x.lo), min(b, x.hi); d < e; {
		i := d - x.lo
		if i%64 == 0 && d+64 <= e {
			n += int64(bits.OnesCount64(x.bits[i/64]))
			d += 64
			continue
		}
		if x.bits[i/64]&(1<<(i%64)) != 0 {
			n++
		}
		d++
	}
	return n
}

// countWeekdays returns the number of days in [a, b) that are not weekend
// days; outside the bitmap that is the number of working days.
func (x *index) countWeekdays(a, b int64) int64 {
	if a >= b {
		return 0
	}
	weeks := (b - a) / 7
	n := weeks * x.perWeek
	for d := a + weeks*7; d < b; d++ {
		if !x.weekend[weekdayOf(d)] {
			n++
		}
	}
	return n
}

// split returns the local day number of t and its wall-clock offset from
// local midnight.
func (x *index) split(t time.Time) (int64, time.Duration) {
	t = t.In(x.loc)
	_, zoff := t.Zone()
	sec := t.Unix() + int64(zoff)
	n := floorDiv(sec, 86400)
	return n, time.Duration(sec-n*86400)*time.Second + time.Duration(t.Nanosecond())
}

// at returns the instant at wall-clock offset off of day n.
func (x *index) at(n int64, off time.Duration) time.Time {
	y, m, d := civil(n)
	h, mi, s := int(off/time.Hour), int(off/time.Minute%60), int(off/time.Second%60)
	return time.Date(y, m, d, h, mi, s, int(off%time.Second), x.loc)
}

// endOf returns 23:59:59 local of day n.
func (x *index) endOf(n int64) time.Time {
	y, m, d := civil(n)
	return time.Date(y, m, d, 23, 59, 59, 0, x.loc)
}

// nextWorking returns the first working day on or after n, or n+limit.
func (x *index) nextWorking(n int64, limit int64) int64 {
	end := n + limit
	for ; n < end; n++ {
		if x.working(n) {
			return n
		}
	}
	return end
}

// overlap returns the office time of day n inside [a, b) offsets.
func (x *index) overlap(n int64, a, b time.Duration) time.Duration {
	if !x.working(n) {
		return 0
	}
	var sum time.Duration
	for _, iv := range x.office {
		if s, e := max(iv.Start, a), min(iv.End, b); e > s {
			sum += e - s
		}
	}
	return sum
}

// IsWorkingDay reports whether d is a working day: a listed make-up
// workday, or neither a weekend day nor a holiday (SPEC.md §1).
func (c *Calendar) IsWorkingDay(d Date) bool {
	return c.index().working(dayNumber(d.Year, d.Month, d.Day))
}

// Due returns from plus value units on the calendar (SPEC.md §4): unit is
// WorkingDays, Days or WorkingHours. It fails on a negative value or an
// unknown unit.
func (c *Calendar) Due(from time.Time, value int, unit Unit) (time.Time, error) {
	if value < 0 {
		return time.Time{}, fmt.Errorf("calendar due: negative value %d", value)
	}
	switch unit {
	case WorkingDays:
		return c.AddWorkingDays(from, value), nil
	case Days:
		return c.AddDays(from, value), nil
	case WorkingHours:
		// Past the horizon the answer is the horizon anyway; clamping
		// keeps value*time.Hour from overflowing.
		value = min(value, MaxScanDays*24)
		return c.AddWorkingHours(from, time.Duration(value)*time.Hour), nil
	}
	return time.Time{}, fmt.Errorf("calendar due: unknown unit %q", unit)
}

// AddWorkingDays returns the end (23:59:59 local) of the n-th working day
// after the day of from, which is not counted (SPEC.md §4 working_days;
// Civil Code Art. 147–148). For n = 0 it is the end of from's day if that
// is a working day, else the end of the next working day. A negative n
// counts as 0.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	x := c.index()
	d0, _ := x.split(from)
	if n <= 0 {
		return x.endOf(x.nextWorking(d0, MaxScanDays))
	}
	d, end := d0, d0+MaxScanDays
	for d < end {
		d++
		if x.working(d) {
			if n--; n == 0 {
				break
			}
		}
	}
	return x.endOf(d)
}

// AddDays returns the end (23:59:59 local) of the n-th calendar day after
// the day of from, which is not counted; if that day is not a working day,
// the end of the next working day (SPEC.md §4 days; Civil Code Art.
// 148(5)). A negative n counts as 0.
func (c *Calendar) AddDays(from time.Time, n int) time.Time {
	x := c.index()
	d0, _ := x.split(from)
	n = max(0, min(n, MaxScanDays))
	last := d0 + int64(n)
	return x.endOf(x.nextWorking(last, MaxScanDays-int64(n)))
}

// AddWorkingHours returns the instant at which d of office time of working
// days has passed, counting from from, or from the next opening if from is
// outside office hours (SPEC.md §4 working_hours). A count that ends
// exactly at a closing time returns that closing instant, not the next
// opening; d = 0 inside office hours returns from. A negative d counts as
// 0.
func (c *Calendar) AddWorkingHours(from time.Time, d time.Duration) time.Time {
	x := c.index()
	n0, off := x.split(from)
	d = max(d, 0)
	if d == 0 && x.inOffice(n0, off) {
		return from.In(x.loc)
	}
	for n := n0; n < n0+MaxScanDays; n, off = n+1, 0 {
		if !x.working(n) {
			continue
		}
		if off == 0 && d > x.perDay { // a whole working day, skipped cheaply
			d -= x.perDay
			continue
		}
		for _, iv := range x.office {
			if off >= iv.End {
				continue
			}
			start := max(iv.Start, off)
			avail := iv.End - start
			if d <= avail {
				return x.at(n, start+d)
			}
			d -= avail
		}
	}
	return x.at(n0+MaxScanDays, 0)
}

// AddWD returns from plus n working days of the rules.yaml "wd" unit
// (SPEC.md §2.4, §4): the day counting of AddWorkingDays, keeping the
// clock time. 1wd from Tuesday 10:00 is Wednesday 10:00; from Friday
// 16:00 it is Monday 16:00 when those are working days. A start outside
// office hours (before opening, at lunch, after closing, on a day off)
// first moves to the next opening and keeps that clock time: 1wd from
// Tuesday 18:00 is Thursday 07:30. This never shortens the period, and
// the result always lies inside office hours. n <= 0 returns the
// (possibly moved) start.
func (c *Calendar) AddWD(from time.Time, n int) time.Time {
	x := c.index()
	d, off := x.split(from)
	start := from.In(x.loc)
	if !x.inOffice(d, off) {
		start = x.nextBoundary(d, off)
		d, off = x.split(start)
	}
	if n <= 0 {
		return start
	}
	end := d + MaxScanDays
	for d < end {
		d++
		if x.working(d) {
			if n--; n == 0 {
				break
			}
		}
	}
	return x.at(d, off)
}

// WorkingTime returns the office time of working days inside [from, to);
// 0 if to is not after from.
func (c *Calendar) WorkingTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	x := c.index()
	fd, foff := x.split(from)
	td, toff := x.split(to)
	if fd == td {
		return x.overlap(fd, foff, toff)
	}
	sum := x.overlap(fd, foff, day) + x.overlap(td, 0, toff)
	return sum + time.Duration(x.countWorking(fd+1, td))*x.perDay
}

// InOfficeHours reports whether t lies inside office hours of a working
// day. Opening instants are inside, closing instants are not.
func (c *Calendar) InOfficeHours(t time.Time) bool {
	x := c.index()
	return x.inOffice(x.split(t))
}

func (x *index) inOffice(n int64, off time.Duration) bool {
	if !x.working(n) {
		return false
	}
	for _, iv := range x.office {
		if off >= iv.Start && off < iv.End {
			return true
		}
	}
	return false
}

// NextOfficeBoundary returns the first instant strictly after t at which
// InOfficeHours changes value: the closing of the office period t is in,
// or else the next opening. Past MaxScanDays without one it returns the
// horizon.
func (c *Calendar) NextOfficeBoundary(t time.Time) time.Time {
	x := c.index()
	return x.nextBoundary(x.split(t))
}

func (x *index) nextBoundary(n0 int64, off time.Duration) time.Time {
	for n := n0; n < n0+MaxScanDays; n, off = n+1, -1 {
		if !x.working(n) {
			continue
		}
		for _, iv := range x.office {
			if off < iv.Start {
				return x.at(n, iv.Start)
			}
			if off < iv.End {
				return x.at(n, iv.End)
			}
		}
	}
	return x.at(n0+MaxScanDays, 0)
}

// EndOfDay returns 23:59:59 local of t's day, the end of a day-based
// period (SPEC.md §4).
func (c *Calendar) EndOfDay(t time.Time) time.Time {
	x := c.index()
	n, _ := x.split(t)
	return x.endOf(n)
}

// dayNumber returns the days from 1970-01-01 to the civil date y-m-d
// (Howard Hinnant's days_from_civil), without time.Date's zone lookup.
func dayNumber(y int, m time.Month, d int) int64 {
	yy, mm := int64(y), int64(m)
	if mm <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := (mm + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil is the inverse of dayNumber.
func civil(n int64) (int, time.Month, int) {
	z := n + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

// weekdayOf returns the weekday of day number n (1970-01-01 was a
// Thursday).
func weekdayOf(n int64) time.Weekday {
	return time.Weekday((n%7 + 7 + 4) % 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
