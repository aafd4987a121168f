// Package calendar does working-day arithmetic on a configured national
// calendar (SPEC.md §4). It imports only the standard library.
//
// A [Calendar] is data: weekend days, office hours, holidays and make-up
// workdays ("làm bù"), in one time zone. A day is a working day when it is
// a listed make-up workday, or when it is neither a weekend day nor a
// holiday (SPEC.md §1). The shipped Vietnamese calendar lives in
// configs/calendar.yaml; its sources are cited there year by year.
//
// The arithmetic follows SPEC.md §4 and Civil Code 2015 Art. 147–148:
//
//   - [Calendar.AddWorkingDays]: the day of the start is not counted; the
//     period ends at 23:59:59 local of the last working day counted.
//   - [Calendar.AddDays]: calendar days, the day of the start not counted;
//     a period whose last day is not a working day ends at the end of the
//     next working day.
//   - [Calendar.AddWorkingHours]: only time inside office hours of working
//     days counts.
//   - [Calendar.AddWD]: the rules.yaml "wd" unit, working days that keep
//     the clock time.
//
// Every result is in the calendar's Location. The first call on a Calendar
// builds a bitmap of working days covering the listed holidays and
// workdays (outside that span only the weekend matters), so a deadline
// costs a few hundred nanoseconds and no allocation.
//
// # Caveats
//
//   - No computation looks further than [MaxScanDays] days past its start.
//     A calendar with no working days, no office hours, or a lead time
//     longer than about ten years gets the horizon back instead of a hang.
//   - Office hours are wall-clock offsets from local midnight and do not
//     span midnight. Asia/Ho_Chi_Minh has no daylight saving time; in a
//     zone with it, a day of 23 or 25 hours still counts its office hours
//     by the wall clock.
//   - End of day is 23:59:59 local, as SPEC.md §4 writes it; the Civil
//     Code's "24:00" is one second later.
//   - Data beyond the announced years (for Vietnam: years whose schedule
//     the government has not yet published) is only as good as the
//     configuration; keep configs/calendar.yaml current.
package calendar
