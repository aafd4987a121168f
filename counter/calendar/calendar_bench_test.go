package calendar_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// BenchmarkDue measures deadline computations on the Vietnamese calendar,
// cycling through the three units and typical lead times from receipts
// spread over a year. The target is at least 1,000,000 Due/s on one core.
func BenchmarkDue(b *testing.B) {
	cal := vietnam(b)
	type call struct {
		from  time.Time
		value int
		unit  calendar.Unit
	}
	var calls []call
	start := time.Date(2026, 1, 2, 8, 15, 0, 0, cal.Location)
	units := []calendar.Unit{calendar.WorkingDays, calendar.Days, calendar.WorkingHours}
	values := []int{1, 3, 5, 10, 15, 20, 30}
	for i := range 1024 {
		calls = append(calls, call{
			from:  start.Add(time.Duration(i) * 8 * time.Hour).Add(time.Duration(i*7) * time.Minute),
			value: values[i%len(values)],
			unit:  units[i%len(units)],
		})
	}
	cal.IsWorkingDay(calendar.Date{Year: 2026, Month: 1, Day: 1}) // build the index outside the loop
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := calls[i%len(calls)]
		if _, err := cal.Due(c.from, c.value, c.unit); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkWorkingTime measures the clock colour arithmetic: office time
// from receipt to a due time three weeks later.
func BenchmarkWorkingTime(b *testing.B) {
	cal := vietnam(b)
	from := time.Date(2026, 2, 10, 9, 0, 0, 0, cal.Location)
	to := from.AddDate(0, 0, 21)
	b.ReportAllocs()
	for b.Loop() {
		cal.WorkingTime(from, to)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
