package calendar_test

import (
	"fmt"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// exampleCalendar is a small Vietnamese calendar for the examples:
// Monday–Friday, 07:30–11:30 and 13:30–17:00, Tết 2026 and the National
// Day swap of 2026 (Thông báo 9441/TB-BNV).
func exampleCalendar() *calendar.Calendar {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	hol := map[calendar.Date]string{
		{Year: 2026, Month: time.August, Day: 31}:   "Nghỉ hoán đổi",
		{Year: 2026, Month: time.September, Day: 1}: "Quốc khánh",
		{Year: 2026, Month: time.September, Day: 2}: "Quốc khánh",
	}
	for d := 16; d <= 20; d++ {
		hol[calendar.Date{Year: 2026, Month: time.February, Day: d}] = "Tết Nguyên đán"
	}
	return &calendar.Calendar{
		Location: loc,
		Weekend:  map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{
			{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute},
			{Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour},
		},
		Holidays: hol,
		Workdays: map[calendar.Date]string{{Year: 2026, Month: time.August, Day: 22}: "Làm bù cho thứ Hai 31/8"},
	}
}

// A dossier received on the Friday before Tết, 10:00. Three working days:
// the day of receipt is not counted, Tết and both weekends are skipped,
// and the period ends at the end of the third working day (Wed 25). Three
// calendar days end on Monday 16, a Tết day, so the period runs to the end
// of the next working day (Mon 23). Three working hours: 10:00–11:30, then
// 13:30–15:00.
func ExampleCalendar_Due() {
	cal := exampleCalendar()
	received := time.Date(2026, time.February, 13, 10, 0, 0, 0, cal.Location)
	for _, unit := range []calendar.Unit{calendar.WorkingDays, calendar.Days, calendar.WorkingHours} {
		due, err := cal.Due(received, 3, unit)
		if err != nil {
			panic(err)
		}
		fmt.Printf("3 %s: %s\n", unit, due.Format("Mon 2006-01-02 15:04:05"))
	}
	// Output:
	// 3 working_days: Wed 2026-02-25 23:59:59
	// 3 days: Mon 2026-02-23 23:59:59
	// 3 working_hours: Fri 2026-02-13 15:00:00
}

// Office hours have a lunch break; a count that ends at a closing time
// stops there. From Tuesday 10:00: 1h30 ends at the 11:30 closing; 2h
// resumes at 13:30; 8h uses Tuesday's 5h and 3h of Wednesday from 07:30.
func ExampleCalendar_AddWorkingHours() {
	cal := exampleCalendar()
	start := time.Date(2026, time.March, 10, 10, 0, 0, 0, cal.Location)
	for _, d := range []time.Duration{90 * time.Minute, 2 * time.Hour, 8 * time.Hour} {
		fmt.Printf("%v: %s\n", d, cal.AddWorkingHours(start, d).Format("Mon 15:04"))
	}
	// Output:
	// 1h30m0s: Tue 11:30
	// 2h0m0s: Tue 14:00
	// 8h0m0s: Wed 10:30
}

// The rules.yaml "wd" unit keeps the clock time: 1wd from Friday 16:00 is
// Monday 16:00, and a make-up Saturday counts as a working day.
func ExampleCalendar_AddWD() {
	cal := exampleCalendar()
	fri := time.Date(2026, time.March, 13, 16, 0, 0, 0, cal.Location)
	fmt.Println(cal.AddWD(fri, 1).Format("Mon 2006-01-02 15:04"))
	fri = time.Date(2026, time.August, 21, 16, 0, 0, 0, cal.Location)
	fmt.Println(cal.AddWD(fri, 1).Format("Mon 2006-01-02 15:04"))
	// Output:
	// Mon 2026-03-16 16:00
	// Sat 2026-08-22 16:00
}

// The 2026 National Day swap: Monday 31 August is off, Saturday 22 August
// is worked.
func ExampleCalendar_IsWorkingDay() {
	cal := exampleCalendar()
	for _, s := range []string{"2026-08-22", "2026-08-29", "2026-08-31", "2026-09-02", "2026-09-03"} {
		d, err := calendar.ParseDate(s)
		if err != nil {
			panic(err)
		}
		fmt.Println(s, d.In(cal.Location).Weekday(), cal.IsWorkingDay(d))
	}
	// Output:
	// 2026-08-22 Saturday true
	// 2026-08-29 Saturday false
	// 2026-08-31 Monday false
	// 2026-09-02 Wednesday false
	// 2026-09-03 Thursday true
}

// WorkingTime measures the office time between two instants, as the clock
// colours of SPEC.md §4 need it.
func ExampleCalendar_WorkingTime() {
	cal := exampleCalendar()
	from := time.Date(2026, time.February, 12, 16, 0, 0, 0, cal.Location)
	to := time.Date(2026, time.February, 23, 8, 0, 0, 0, cal.Location)
	fmt.Println(cal.WorkingTime(from, to))
	// Output:
	// 9h0m0s
}
