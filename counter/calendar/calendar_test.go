package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter/calendar"
)

// TestDueGolden is the golden table of SPEC.md §4 on the real Vietnamese
// calendar. Every want was worked out by hand from the rules and the
// published schedule; the comment on each row is that working. Office
// hours are 07:30–11:30 and 13:30–17:00 (7h30 a day).
func TestDueGolden(t *testing.T) {
	cal := vietnam(t)
	cases := []struct {
		name  string
		from  string
		value int
		unit  calendar.Unit
		want  string
	}{
		// --- Tết Nguyên đán 2026: Mon 16 – Fri 20/02 off, 14–15 and 21–22 weekends.
		{"tet/working_days from the Friday before", "2026-02-13T10:00:00+07:00", 3, calendar.WorkingDays,
			// Fri 13 not counted; 14–22 all off; Mon 23 (1), Tue 24 (2), Wed 25 (3).
			"2026-02-25T23:59:59+07:00"},
		{"tet/working_days 1 just before", "2026-02-12T16:00:00+07:00", 1, calendar.WorkingDays,
			// Thu 12 not counted; Fri 13 is a working day (1).
			"2026-02-13T23:59:59+07:00"},
		{"tet/days ending inside Tết", "2026-02-11T09:00:00+07:00", 5, calendar.Days,
			// Wed 11 not counted; 5 days → Mon 16, a Tết day; next working day Mon 23.
			"2026-02-23T23:59:59+07:00"},
		{"tet/working_hours across Tết", "2026-02-13T16:00:00+07:00", 2, calendar.WorkingHours,
			// Fri 16:00–17:00 = 1h; next opening Mon 23 07:30 + 1h.
			"2026-02-23T08:30:00+07:00"},

		// --- Quốc khánh 2026: Mon 31/8 swapped with Sat 22/8; 1–2/9 off.
		{"national_day/make-up Saturday counts", "2026-08-19T09:00:00+07:00", 5, calendar.WorkingDays,
			// Wed 19 not counted; Thu 20 (1), Fri 21 (2), Sat 22 make-up (3), Sun 23 off, Mon 24 (4), Tue 25 (5).
			"2026-08-25T23:59:59+07:00"},
		{"national_day/working_days over the break", "2026-08-28T10:00:00+07:00", 1, calendar.WorkingDays,
			// Fri 28 not counted; Sat 29, Sun 30 weekend; Mon 31 swapped off; Tue 1/9, Wed 2/9 holidays; Thu 3/9 (1).
			"2026-09-03T23:59:59+07:00"},
		{"national_day/days ending on the swapped Monday", "2026-08-26T10:00:00+07:00", 5, calendar.Days,
			// Wed 26 not counted; 5 days → Mon 31/8, off (swap); 1–2/9 holidays; Thu 3/9.
			"2026-09-03T23:59:59+07:00"},
		{"national_day/received on the make-up Saturday", "2026-08-22T09:00:00+07:00", 1, calendar.WorkingDays,
			// Sat 22 (a working day) not counted; Sun 23 off; Mon 24 (1).
			"2026-08-24T23:59:59+07:00"},
		{"national_day/working_hours into the make-up Saturday", "2026-08-21T16:00:00+07:00", 2, calendar.WorkingHours,
			// Fri 16:00–17:00 = 1h; Sat 22/8 is worked: 07:30 + 1h.
			"2026-08-22T08:30:00+07:00"},

		// --- Make-up Saturdays of other years.
		{"makeup/2026-01-10", "2026-01-09T10:00:00+07:00", 1, calendar.WorkingDays,
			// Fri 9 not counted; Sat 10/1 worked in exchange for Fri 2/1 (1).
			"2026-01-10T23:59:59+07:00"},
		{"makeup/2025-04-26", "2025-04-25T10:00:00+07:00", 1, calendar.WorkingDays,
			// Fri 25 not counted; Sat 26/4/2025 worked in exchange for Fri 2/5 (1).
			"2025-04-26T23:59:59+07:00"},
		{"makeup/2025 30/4 break", "2025-04-29T10:00:00+07:00", 1, calendar.WorkingDays,
			// Tue 29 not counted; Wed 30/4, Thu 1/5 holidays, Fri 2/5 swapped off, 3–4/5 weekend; Mon 5/5 (1).
			"2025-05-05T23:59:59+07:00"},

		// --- Receipt on a weekend or after hours.
		{"weekend/working_days from a Sunday", "2026-03-08T10:00:00+07:00", 2, calendar.WorkingDays,
			// Sun 8 not counted; Mon 9 (1), Tue 10 (2).
			"2026-03-10T23:59:59+07:00"},
		{"weekend/working_hours from a Saturday", "2026-03-07T10:00:00+07:00", 1, calendar.WorkingHours,
			// Sat 7 and Sun 8 are not worked; Mon 9 07:30 + 1h.
			"2026-03-09T08:30:00+07:00"},
		{"after_hours/working_days", "2026-03-10T18:30:00+07:00", 1, calendar.WorkingDays,
			// The hour does not matter: Tue 10 not counted; Wed 11 (1).
			"2026-03-11T23:59:59+07:00"},
		{"after_hours/working_hours", "2026-03-10T18:30:00+07:00", 8, calendar.WorkingHours,
			// Next opening Wed 11 07:30; Wed gives 7h30; 30 min left → Thu 12 07:30 + 30m.
			"2026-03-12T08:00:00+07:00"},
		{"before_opening/working_hours", "2026-03-10T06:00:00+07:00", 1, calendar.WorkingHours,
			// Counting starts at the opening, 07:30 + 1h.
			"2026-03-10T08:30:00+07:00"},
		{"utc_input/local date decides", "2026-03-09T20:00:00Z", 1, calendar.WorkingDays,
			// 20:00Z Mon 9 is 03:00 Tue 10 in Hà Nội: Tue 10 not counted; Wed 11 (1).
			"2026-03-11T23:59:59+07:00"},
		{"utc_input/working_hours", "2026-03-10T01:00:00Z", 1, calendar.WorkingHours,
			// 01:00Z = 08:00+07, inside office hours; + 1h.
			"2026-03-10T09:00:00+07:00"},

		// --- Lunch break 11:30–13:30.
		{"lunch/count skips the break", "2026-03-10T10:00:00+07:00", 2, calendar.WorkingHours,
			// 10:00–11:30 = 1h30; 30 min left from 13:30.
			"2026-03-10T14:00:00+07:00"},
		{"lunch/received at lunch", "2026-03-10T12:00:00+07:00", 1, calendar.WorkingHours,
			// Outside office hours: start at 13:30, + 1h.
			"2026-03-10T14:30:00+07:00"},
		{"lunch/ends exactly at the closing", "2026-03-10T09:30:00+07:00", 2, calendar.WorkingHours,
			// 09:30 + 2h = 11:30, a closing: the closing instant, not 13:30.
			"2026-03-10T11:30:00+07:00"},
		{"lunch/a whole morning", "2026-03-10T07:30:00+07:00", 4, calendar.WorkingHours,
			// 07:30–11:30 is exactly 4h.
			"2026-03-10T11:30:00+07:00"},
		{"close/ends exactly at 17:00", "2026-03-10T16:00:00+07:00", 1, calendar.WorkingHours,
			// 16:00 + 1h = 17:00, the evening closing.
			"2026-03-10T17:00:00+07:00"},
		{"close/one working day of hours", "2026-03-10T13:30:00+07:00", 8, calendar.WorkingHours,
			// Tue 13:30–17:00 = 3h30; Wed 07:30–11:30 = 4h (7h30); 30 min from 13:30.
			"2026-03-11T14:00:00+07:00"},

		// --- Turn of the year: Thu 31/12/2026 → Fri 1/1/2027 holiday, then a weekend.
		{"new_year/working_days", "2026-12-31T10:00:00+07:00", 1, calendar.WorkingDays,
			// Thu 31 not counted; Fri 1/1 holiday; Sat 2, Sun 3 weekend; Mon 4 (1).
			"2027-01-04T23:59:59+07:00"},
		{"new_year/days", "2026-12-31T10:00:00+07:00", 1, calendar.Days,
			// 1 day → Fri 1/1, a holiday; next working day Mon 4/1.
			"2027-01-04T23:59:59+07:00"},
		{"new_year/working_hours", "2026-12-31T16:00:00+07:00", 2, calendar.WorkingHours,
			// 16:00–17:00 = 1h; Mon 4/1 07:30 + 1h.
			"2027-01-04T08:30:00+07:00"},

		// --- `days` ending on a weekend or holiday.
		{"days/ends on a Saturday", "2026-03-02T10:00:00+07:00", 5, calendar.Days,
			// Mon 2 not counted; 5 days → Sat 7; next working day Mon 9.
			"2026-03-09T23:59:59+07:00"},
		{"days/ends on a compensatory Monday", "2026-04-24T10:00:00+07:00", 3, calendar.Days,
			// Fri 24 not counted; 3 days → Mon 27/4, off (Giỗ Tổ Sun 26/4 compensated); Tue 28.
			"2026-04-28T23:59:59+07:00"},
		{"days/ends on 30/4", "2026-04-27T10:00:00+07:00", 3, calendar.Days,
			// Mon 27 not counted; 3 days → Thu 30/4 holiday; Fri 1/5 holiday; 2–3/5 weekend; Mon 4/5.
			"2026-05-04T23:59:59+07:00"},
		{"days/ends on a working day", "2026-03-10T10:00:00+07:00", 15, calendar.Days,
			// Tue 10 not counted; 15 days → Wed 25/3, a working day.
			"2026-03-25T23:59:59+07:00"},

		// --- Zero values.
		{"zero/working_days on a working day", "2026-03-10T10:00:00+07:00", 0, calendar.WorkingDays,
			// End of the day of receipt, a working day.
			"2026-03-10T23:59:59+07:00"},
		{"zero/working_days on a Saturday", "2026-03-14T10:00:00+07:00", 0, calendar.WorkingDays,
			// Sat 14 is not worked; the next working day is Mon 16.
			"2026-03-16T23:59:59+07:00"},
		{"zero/days inside Tết", "2026-02-15T10:00:00+07:00", 0, calendar.Days,
			// Sun 15: not worked; 16–20 Tết, 21–22 weekend; Mon 23.
			"2026-02-23T23:59:59+07:00"},
		{"zero/working_hours inside office hours", "2026-03-10T10:00:00+07:00", 0, calendar.WorkingHours,
			// Nothing to count: the receipt instant itself.
			"2026-03-10T10:00:00+07:00"},
		{"zero/working_hours at lunch", "2026-03-10T12:00:00+07:00", 0, calendar.WorkingHours,
			// Outside office hours: the next opening, 13:30.
			"2026-03-10T13:30:00+07:00"},

		// --- Ngày Văn hóa Việt Nam, Tue 24/11/2026, first observed: without it
		// these deadlines came out one working day short.
		{"culture_day/working_days", "2026-11-23T10:00:00+07:00", 1, calendar.WorkingDays,
			// Mon 23 not counted; Tue 24 off; Wed 25 (1).
			"2026-11-25T23:59:59+07:00"},
		{"culture_day/across it", "2026-11-20T10:00:00+07:00", 3, calendar.WorkingDays,
			// Fri 20 not counted; weekend; Mon 23 (1); Tue 24 off; Wed 25 (2); Thu 26 (3).
			"2026-11-26T23:59:59+07:00"},
		{"culture_day/days ending on it", "2026-11-22T10:00:00+07:00", 2, calendar.Days,
			// Sun 22 not counted; 2 days → Tue 24, a holiday; the next working day Wed 25.
			"2026-11-25T23:59:59+07:00"},
		{"culture_day/working_hours", "2026-11-23T16:00:00+07:00", 2, calendar.WorkingHours,
			// Mon 16:00–17:00 = 1h; Tue 24 off; Wed 25 07:30 + 1h.
			"2026-11-25T08:30:00+07:00"},
		{"culture_day/2025 was a working day", "2025-11-21T10:00:00+07:00", 1, calendar.WorkingDays,
			// Fri 21/11/2025 not counted; weekend; Mon 24/11/2025 (1): not yet a holiday.
			"2025-11-24T23:59:59+07:00"},

		// --- 2027: Tết 4–10/2 and Quốc khánh 2–5/9 as announced (10065/VPCP-KGVX);
		// Giỗ Tổ Fri 16/4 and 24/11 derived from the Labour Code.
		{"2027/national_day", "2027-09-01T10:00:00+07:00", 1, calendar.WorkingDays,
			// Wed 1 not counted; Thu 2, Fri 3 off; 4–5 weekend; Mon 6 (1).
			"2027-09-06T23:59:59+07:00"},
		{"2027/culture_day", "2027-11-23T10:00:00+07:00", 1, calendar.WorkingDays,
			// Tue 23 not counted; Wed 24 off; Thu 25 (1).
			"2027-11-25T23:59:59+07:00"},
		{"2027/tet", "2027-02-03T10:00:00+07:00", 1, calendar.WorkingDays,
			// Wed 3 not counted; Thu 4, Fri 5 off; 6–7 weekend; Mon 8–Wed 10 off; Thu 11 (1).
			"2027-02-11T23:59:59+07:00"},
		{"2027/hung_kings", "2027-04-15T10:00:00+07:00", 1, calendar.WorkingDays,
			// Thu 15 not counted; Fri 16 Giỗ Tổ; 17–18 weekend; Mon 19 (1).
			"2027-04-19T23:59:59+07:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cal.Due(at(t, tc.from), tc.value, tc.unit)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Format(time.RFC3339), "Due(%s, %d, %s)", tc.from, tc.value, tc.unit)
			require.Equal(t, "Asia/Ho_Chi_Minh", got.Location().String())
		})
	}
}

// TestAddWD checks the rules.yaml "wd" unit: working days keeping the
// clock time (SPEC.md §4).
func TestAddWD(t *testing.T) {
	cal := vietnam(t)
	cases := []struct {
		name string
		from string
		n    int
		want string
	}{
		// SPEC example: Tue 10:00 + 1wd = Wed 10:00.
		{"tuesday", "2026-03-10T10:00:00+07:00", 1, "2026-03-11T10:00:00+07:00"},
		// SPEC example: Fri 16:00 + 1wd = Mon 16:00.
		{"friday 16:00", "2026-03-13T16:00:00+07:00", 1, "2026-03-16T16:00:00+07:00"},
		// Fri 13/2/2026 16:00: 14–22/2 all off (Tết, weekends); Mon 23 16:00.
		{"friday before Tết", "2026-02-13T16:00:00+07:00", 1, "2026-02-23T16:00:00+07:00"},
		// Wed 19/8 10:00: Thu 20 (1), Fri 21 (2), Sat 22 make-up (3).
		{"into the make-up Saturday", "2026-08-19T10:00:00+07:00", 3, "2026-08-22T10:00:00+07:00"},
		// After closing: move to the next opening (Wed 07:30), then 1wd → Thu 07:30.
		{"after hours", "2026-03-10T18:00:00+07:00", 1, "2026-03-12T07:30:00+07:00"},
		// At lunch: move to 13:30 the same day, then 1wd → Wed 13:30.
		{"at lunch", "2026-03-10T12:00:00+07:00", 1, "2026-03-11T13:30:00+07:00"},
		// On Sunday: next opening Mon 9 07:30, then 3wd → Thu 12 07:30.
		{"sunday", "2026-03-08T10:00:00+07:00", 3, "2026-03-12T07:30:00+07:00"},
		// 0wd inside office hours is the start itself.
		{"zero", "2026-03-10T10:00:00+07:00", 0, "2026-03-10T10:00:00+07:00"},
		// Mon 23/11/2026 10:00: Tue 24 Ngày Văn hóa Việt Nam; Wed 25 10:00.
		{"culture day", "2026-11-23T10:00:00+07:00", 1, "2026-11-25T10:00:00+07:00"},
		// Thu 31/12/2026 10:00: Fri 1/1 holiday, weekend; Mon 4/1 10:00.
		{"new year", "2026-12-31T10:00:00+07:00", 1, "2027-01-04T10:00:00+07:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := cal.AddWD(at(t, tc.from), tc.n)
			require.Equal(t, tc.want, got.Format(time.RFC3339))
		})
	}
}

func TestDueErrors(t *testing.T) {
	cal := vietnam(t)
	from := at(t, "2026-03-10T10:00:00+07:00")
	_, err := cal.Due(from, -1, calendar.WorkingDays)
	require.ErrorContains(t, err, "negative value -1")
	_, err = cal.Due(from, 3, calendar.Unit("weeks"))
	require.ErrorContains(t, err, `unknown unit "weeks"`)
}

func TestIsWorkingDay(t *testing.T) {
	cal := vietnam(t)
	cases := []struct {
		date string
		want bool
	}{
		{"2026-03-10", true},  // an ordinary Tuesday
		{"2026-03-14", false}, // Saturday
		{"2026-03-15", false}, // Sunday
		{"2026-02-16", false}, // Tết, 29 tháng Chạp
		{"2026-02-20", false}, // Tết, mùng 4
		{"2026-02-23", true},  // first day back after Tết
		{"2026-08-22", true},  // make-up Saturday for Mon 31/8
		{"2026-08-31", false}, // the swapped Monday
		{"2026-09-02", false}, // Quốc khánh
		{"2026-09-03", true},
		{"2026-01-02", false}, // swapped Friday
		{"2026-01-10", true},  // its make-up Saturday
		{"2027-01-01", false}, // Tết Dương lịch
		{"2030-06-04", true},  // a Tuesday beyond the listed years: weekend rule only
		{"2030-06-08", false}, // a Saturday beyond the listed years
		{"2020-06-06", false}, // a Saturday before the listed years
	}
	for _, tc := range cases {
		t.Run(tc.date, func(t *testing.T) {
			d, err := calendar.ParseDate(tc.date)
			require.NoError(t, err)
			require.Equal(t, tc.want, cal.IsWorkingDay(d))
		})
	}

	// A date listed both as a holiday and as a workday is worked: the
	// make-up listing is the more specific statement.
	d := calendar.Date{Year: 2026, Month: time.March, Day: 11}
	both := &calendar.Calendar{
		Location: time.UTC,
		Holidays: map[calendar.Date]string{d: "x"},
		Workdays: map[calendar.Date]string{d: "y"},
	}
	require.True(t, both.IsWorkingDay(d))
}

// TestOfficeHours checks WorkingTime, InOfficeHours and
// NextOfficeBoundary on hand-worked instants.
func TestOfficeHours(t *testing.T) {
	cal := vietnam(t)
	h := func(hours, minutes int) time.Duration {
		return time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
	}

	t.Run("WorkingTime", func(t *testing.T) {
		cases := []struct {
			name     string
			from, to string
			want     time.Duration
		}{
			// 10:00–11:30 (1h30) + 13:30–14:00 (30m).
			{"across lunch", "2026-03-10T10:00:00+07:00", "2026-03-10T14:00:00+07:00", h(2, 0)},
			// Fri 16:00–17:00 (1h) + Mon 07:30–08:00 (30m).
			{"over a weekend", "2026-03-13T16:00:00+07:00", "2026-03-16T08:00:00+07:00", h(1, 30)},
			// Only Fri 13/2 counts (7h30): 16–20/2 Tết, two weekends.
			{"over Tết", "2026-02-13T00:00:00+07:00", "2026-02-23T07:30:00+07:00", h(7, 30)},
			// Tue 10 – Mon 16 midnight to midnight: Tue–Fri 4 days × 7h30.
			{"four days", "2026-03-10T00:00:00+07:00", "2026-03-14T00:00:00+07:00", h(30, 0)},
			// Sat 22/8 is worked: 7h30; Sun 23 is not.
			{"make-up Saturday", "2026-08-22T00:00:00+07:00", "2026-08-24T00:00:00+07:00", h(7, 30)},
			// Lunch to lunch: nothing.
			{"inside lunch", "2026-03-10T11:45:00+07:00", "2026-03-10T13:15:00+07:00", 0},
			{"reversed", "2026-03-10T14:00:00+07:00", "2026-03-10T10:00:00+07:00", 0},
			{"empty", "2026-03-10T10:00:00+07:00", "2026-03-10T10:00:00+07:00", 0},
			// 2030 lies past the listed holidays: 2030-06-03 is a Monday;
			// four weeks of weekdays = 20 × 7h30.
			{"beyond the data", "2030-06-03T00:00:00+07:00", "2030-07-01T00:00:00+07:00", h(150, 0)},
			// March 2026 has 22 weekdays and no holiday: 22 × 7h30.
			{"a month", "2026-03-01T00:00:00+07:00", "2026-04-01T00:00:00+07:00", h(165, 0)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				require.Equal(t, tc.want, cal.WorkingTime(at(t, tc.from), at(t, tc.to)))
			})
		}
	})

	t.Run("InOfficeHours", func(t *testing.T) {
		cases := []struct {
			at   string
			want bool
		}{
			{"2026-03-10T07:29:59+07:00", false},
			{"2026-03-10T07:30:00+07:00", true}, // an opening is inside
			{"2026-03-10T11:29:59+07:00", true},
			{"2026-03-10T11:30:00+07:00", false}, // a closing is outside
			{"2026-03-10T12:00:00+07:00", false},
			{"2026-03-10T13:30:00+07:00", true},
			{"2026-03-10T16:59:59+07:00", true},
			{"2026-03-10T17:00:00+07:00", false},
			{"2026-03-10T03:00:00Z", true},       // 10:00 local
			{"2026-03-14T10:00:00+07:00", false}, // Saturday
			{"2026-08-22T10:00:00+07:00", true},  // make-up Saturday
			{"2026-02-16T10:00:00+07:00", false}, // Tết
		}
		for _, tc := range cases {
			t.Run(tc.at, func(t *testing.T) {
				require.Equal(t, tc.want, cal.InOfficeHours(at(t, tc.at)))
			})
		}
	})

	t.Run("NextOfficeBoundary", func(t *testing.T) {
		cases := []struct{ at, want string }{
			{"2026-03-10T06:00:00+07:00", "2026-03-10T07:30:00+07:00"}, // before opening
			{"2026-03-10T07:30:00+07:00", "2026-03-10T11:30:00+07:00"}, // at opening: strictly after
			{"2026-03-10T11:30:00+07:00", "2026-03-10T13:30:00+07:00"}, // at closing
			{"2026-03-10T12:00:00+07:00", "2026-03-10T13:30:00+07:00"},
			{"2026-03-10T16:00:00+07:00", "2026-03-10T17:00:00+07:00"},
			{"2026-03-10T17:00:00+07:00", "2026-03-11T07:30:00+07:00"},
			{"2026-02-13T17:00:00+07:00", "2026-02-23T07:30:00+07:00"}, // over Tết
			{"2026-08-21T17:00:00+07:00", "2026-08-22T07:30:00+07:00"}, // to the make-up Saturday
		}
		for _, tc := range cases {
			t.Run(tc.at, func(t *testing.T) {
				require.Equal(t, tc.want, cal.NextOfficeBoundary(at(t, tc.at)).Format(time.RFC3339))
			})
		}
	})

	t.Run("EndOfDay", func(t *testing.T) {
		// 20:00Z on the 9th is the 10th in Hà Nội.
		require.Equal(t, "2026-03-10T23:59:59+07:00", cal.EndOfDay(at(t, "2026-03-09T20:00:00Z")).Format(time.RFC3339))
	})
}

// TestWorkingHoursInverse checks that AddWorkingHours undoes WorkingTime:
// from any start, counting the office time up to an instant x inside
// office hours lands on x. Openings are left out: the count reaches an
// opening's working time already at the previous closing, and by design
// returns that closing.
func TestWorkingHoursInverse(t *testing.T) {
	cal := vietnam(t)
	starts := []string{
		"2026-02-12T09:10:00+07:00", // before Tết
		"2026-03-10T12:05:00+07:00", // at lunch
		"2026-08-20T16:40:00+07:00", // before the make-up Saturday
		"2026-12-30T18:00:00+07:00", // after hours, before the new year
	}
	for _, s := range starts {
		from := at(t, s)
		checked := 0
		for x := from; x.Before(from.Add(21 * 24 * time.Hour)); x = x.Add(17 * time.Minute) {
			if !cal.InOfficeHours(x) || !cal.InOfficeHours(x.Add(-time.Nanosecond)) && !x.Equal(from) {
				continue
			}
			w := cal.WorkingTime(from, x)
			got := cal.AddWorkingHours(from, w)
			require.True(t, got.Equal(x), "from %s: AddWorkingHours(%v) = %s, want %s", s, w, got, x)
			checked++
		}
		require.Greater(t, checked, 100, "from %s", s)
	}
}

// TestHorizon checks that a calendar without working days or office hours
// answers with the horizon instead of looping.
func TestHorizon(t *testing.T) {
	all := map[time.Weekday]bool{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		all[d] = true
	}
	never := &calendar.Calendar{Location: time.UTC, Weekend: all,
		OfficeHours: []calendar.Interval{{Start: 8 * time.Hour, End: 16 * time.Hour}}}
	noOffice := &calendar.Calendar{Location: time.UTC}
	from := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	horizon := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC).AddDate(0, 0, calendar.MaxScanDays)

	require.Equal(t, horizon.Add(24*time.Hour-time.Second), never.AddWorkingDays(from, 1))
	require.Equal(t, horizon.Add(24*time.Hour-time.Second), never.AddDays(from, 0))
	require.Equal(t, horizon, never.AddWorkingHours(from, time.Hour))
	require.Equal(t, horizon, never.NextOfficeBoundary(from))
	require.Equal(t, horizon, noOffice.AddWorkingHours(from, time.Hour))
	require.Equal(t, time.Duration(0), noOffice.WorkingTime(from, from.Add(1000*time.Hour)))

	// A huge lead time stops at the horizon too, and does not overflow.
	cal := vietnam(t)
	got, err := cal.Due(from, 1<<40, calendar.WorkingHours)
	require.NoError(t, err)
	require.False(t, got.Before(from.AddDate(5, 0, 0)), "got %s", got)
}

// TestConcurrentFirstUse runs first calls on a fresh calendar from several
// goroutines at once; with -race it checks the lazily built index.
func TestConcurrentFirstUse(t *testing.T) {
	cal := vietnam(t)
	from := at(t, "2026-02-13T10:00:00+07:00")
	want := at(t, "2026-02-25T23:59:59+07:00")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := cal.Due(from, 3, calendar.WorkingDays)
			if err == nil && !got.Equal(want) {
				err = fmt.Errorf("got %s, want %s", got, want)
			}
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
