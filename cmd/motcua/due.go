package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

var dueUnits = []string{string(calendar.WorkingDays), string(calendar.WorkingHours), string(calendar.Days)}

// DueCommand is `motcua due`: the deadline arithmetic of SPEC.md §4 on the
// configured calendar, as GET /api/v1/calendar/due answers it.
type DueCommand struct {
	Main  *Main
	Dir   string
	From  string
	Value int
	Unit  string
}

// ParseFlags parses --from TIME --value N --unit U [--config DIR]; all but
// --config are required.
func (c *DueCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("due", "--from TIME --value N --unit working_days|working_hours|days [--config DIR]")
	fs.StringVar(&c.From, "from", "", "start: RFC 3339 (2026-03-10T08:15:00+07:00), or local \"2026-03-10 08:15\" in the calendar's zone")
	c.Value = -1
	fs.Func("value", "how many units, an integer ≥ 0", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want an integer ≥ 0")
		}
		c.Value = n
		return nil
	})
	fs.StringVar(&c.Unit, "unit", "", "working_days, working_hours or days")
	configFlag(fs, &c.Dir)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var problem string
	switch {
	case c.From == "":
		problem = "--from is required"
	case !validTime(c.From):
		problem = "--from must be RFC 3339 (2026-03-10T08:15:00+07:00) or \"2026-03-10 08:15\""
	case c.Value < 0:
		problem = "--value is required and must not be negative"
	case !slices.Contains(dueUnits, c.Unit):
		problem = "--unit must be one of " + strings.Join(dueUnits, ", ")
	}
	if problem != "" {
		fmt.Fprintln(fs.Output(), problem)
		fs.Usage()
		return errors.New(problem)
	}
	return nil
}

// Run prints the due time, RFC 3339 in the calendar's zone.
func (c *DueCommand) Run(ctx context.Context) error {
	cfg, _, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	loc := cfg.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	from, err := parseTime(c.From, loc)
	if err != nil {
		return err
	}
	due, err := cfg.Calendar.Due(from, c.Value, calendar.Unit(c.Unit))
	if err != nil {
		return fmt.Errorf("due: %w", err)
	}
	fmt.Fprintln(c.Main.Stdout, due.In(loc).Format(time.RFC3339))
	return nil
}

// Close does nothing.
func (c *DueCommand) Close() error { return nil }

func validTime(s string) bool {
	_, err := parseTime(s, time.UTC)
	return err == nil
}

// parseTime reads RFC 3339, or a local time or date without offset in loc.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--from %q: want RFC 3339 (2026-03-10T08:15:00+07:00) or \"2026-03-10 08:15\"", s)
}
