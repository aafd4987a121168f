package calendar_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter/calendar"
)

// vietnam builds, as a literal, the civil servants' calendar of
// configs/calendar.yaml for 2025–2027 (the years the tests touch) and its
// make-up Saturdays. Keep the two in step; the YAML cites the sources.
// This package does not parse YAML: the loader belongs to the config code.
func vietnam(tb testing.TB) *calendar.Calendar {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(tb, err)
	hol := map[calendar.Date]string{}
	add := func(from, to, name string) {
		a, err := calendar.ParseDate(from)
		require.NoError(tb, err)
		b := a
		if to != "" {
			b, err = calendar.ParseDate(to)
			require.NoError(tb, err)
		}
		for t := a.In(time.UTC); !t.After(b.In(time.UTC)); t = t.AddDate(0, 0, 1) {
			hol[calendar.DateOf(t)] = name
		}
	}
	// 2025
	add("2025-01-01", "", "Tết Dương lịch")
	add("2025-01-25", "2025-02-02", "Tết Nguyên đán")
	add("2025-04-07", "", "Giỗ Tổ Hùng Vương")
	add("2025-04-30", "", "Ngày Chiến thắng")
	add("2025-05-01", "", "Ngày Quốc tế Lao động")
	add("2025-05-02", "", "Nghỉ hoán đổi (làm bù thứ Bảy 26/4)")
	add("2025-08-30", "2025-09-02", "Quốc khánh")
	// 2026
	add("2026-01-01", "", "Tết Dương lịch")
	add("2026-01-02", "", "Nghỉ hoán đổi (làm bù thứ Bảy 10/01)")
	add("2026-02-16", "2026-02-20", "Tết Nguyên đán")
	add("2026-04-26", "", "Giỗ Tổ Hùng Vương")
	add("2026-04-27", "", "Nghỉ bù Giỗ Tổ Hùng Vương")
	add("2026-04-30", "", "Ngày Chiến thắng")
	add("2026-05-01", "", "Ngày Quốc tế Lao động")
	add("2026-08-31", "", "Nghỉ hoán đổi (làm bù thứ Bảy 22/8)")
	add("2026-09-01", "2026-09-02", "Quốc khánh")
	add("2026-11-24", "", "Ngày Văn hóa Việt Nam")
	// 2027: Tết and Quốc khánh announced (10065/VPCP-KGVX), the rest derived (see the YAML)
	add("2027-01-01", "", "Tết Dương lịch")
	add("2027-02-04", "2027-02-10", "Tết Nguyên đán")
	add("2027-04-16", "", "Giỗ Tổ Hùng Vương")
	add("2027-04-30", "", "Ngày Chiến thắng")
	add("2027-05-01", "", "Ngày Quốc tế Lao động")
	add("2027-05-03", "", "Nghỉ bù Ngày Quốc tế Lao động")
	add("2027-09-02", "2027-09-05", "Quốc khánh")
	add("2027-11-24", "", "Ngày Văn hóa Việt Nam")

	return &calendar.Calendar{
		Location: loc,
		Weekend:  map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{
			{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute},
			{Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour},
		},
		Holidays: hol,
		Workdays: map[calendar.Date]string{
			{Year: 2024, Month: time.May, Day: 4}:      "Làm bù cho thứ Hai 29/4",
			{Year: 2025, Month: time.April, Day: 26}:   "Làm bù cho thứ Sáu 2/5",
			{Year: 2026, Month: time.January, Day: 10}: "Làm bù cho thứ Sáu 2/1",
			{Year: 2026, Month: time.August, Day: 22}:  "Làm bù cho thứ Hai 31/8",
		},
	}
}

// at parses an RFC 3339 instant or fails the test.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	require.NoError(tb, err)
	return t
}
