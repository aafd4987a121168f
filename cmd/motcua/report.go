package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
)

// ReportCommand is `motcua report scorecards|register|violations --db F
// --out X.xlsx [--config DIR --agency A --from D --to D]` (SPEC.md §10.3):
// the spreadsheets of GET /api/v1/reports/…, written from a database no
// server holds. The file is written beside X and renamed into place once
// complete. On a terminal a progress bar counts the rows; otherwise a line
// per thousand rows goes to stderr.
type ReportCommand struct {
	Main   *Main
	Kind   string
	DBPath string
	Out    string
	Dir    string
	Agency string
	From   string
	To     string
	// Now is the clock open dossiers are judged at; time.Now by default.
	Now func() time.Time
}

const reportSynopsis = "scorecards|register|violations --db F --out X.xlsx [--config DIR] [--agency A] [--from YYYY-MM-DD] [--to YYYY-MM-DD]"

// ParseFlags parses the kind and the flags.
func (c *ReportCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("report", reportSynopsis)
	if len(args) == 0 || !slices.Contains(dashboard.ReportKinds, args[0]) {
		fmt.Fprintf(fs.Output(), "want a report: %s\n", strings.Join(dashboard.ReportKinds, ", "))
		fs.Usage()
		return errors.New("report: want a kind")
	}
	c.Kind = args[0]
	fs.StringVar(&c.DBPath, "db", DefaultDB, "database file (no server may hold it)")
	fs.StringVar(&c.Out, "out", "", "the .xlsx file to write")
	fs.StringVar(&c.Agency, "agency", "", "agency id: its subtree (default: the root)")
	fs.StringVar(&c.From, "from", "", "first day (default: the first of --to's month)")
	fs.StringVar(&c.To, "to", "", "last day, inclusive (default: today)")
	configFlag(fs, &c.Dir)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if c.Out == "" {
		fmt.Fprintln(fs.Output(), "--out is required")
		fs.Usage()
		return errors.New("--out is required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Run writes the report.
func (c *ReportCommand) Run(ctx context.Context) error {
	cfg, _, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	agency := c.Agency
	if agency == "" {
		agency = cfg.Root.ID
	}
	if cfg.Agency(agency) == nil {
		return fmt.Errorf("unknown agency %q", agency)
	}
	loc := cfg.Calendar.Location
	now := c.Now().In(loc)
	var from, to calendar.Date
	for _, f := range []struct {
		flag, v string
		dst     *calendar.Date
	}{{"--from", c.From, &from}, {"--to", c.To, &to}} {
		if f.v == "" {
			continue
		}
		if *f.dst, err = calendar.ParseDate(f.v); err != nil {
			return fmt.Errorf("%s: want a day like 2026-03-01", f.flag)
		}
	}
	per, err := dashboard.PeriodOf(from, to, calendar.DateOf(now))
	if err != nil {
		return fmt.Errorf("period: %w", err)
	}
	if _, err := os.Stat(c.DBPath); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	st, err := store.Open(c.DBPath, cfg, store.Options{Now: c.Now})
	if err != nil {
		return fmt.Errorf("open store (is a server holding it? use GET /api/v1/reports/%s.xlsx): %w", c.Kind, err)
	}
	defer st.Close()

	tmp, err := os.CreateTemp(filepath.Dir(c.Out), "."+filepath.Base(c.Out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	progress, done := c.progress()
	err = dashboard.WriteReport(ctx, tmp, st, cfg, dashboard.ReportRequest{Kind: c.Kind, Agency: agency, Period: per,
		Now: now, Personal: true, Progress: progress})
	done()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.Out)
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", c.Kind, err)
	}
	fmt.Fprintf(c.Main.Stderr, "wrote %s (%s of %s, %s – %s)\n", c.Out, c.Kind, agency, per.From, per.To)
	return nil
}

// progress returns the callback that shows rows written, and a function
// to call when done: a progress bar on a terminal, else plain lines.
func (c *ReportCommand) progress() (func(int), func()) {
	if f, ok := c.Main.Stderr.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(c.Kind),
			progressbar.OptionShowCount(), progressbar.OptionSetItsString("rows"), progressbar.OptionShowIts(),
			progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish())
		return func(n int) { _ = bar.Set(n) }, func() { _ = bar.Finish() }
	}
	last := 0
	w := c.Main.Stderr
	return func(n int) {
			if n/1000 > last/1000 {
				fmt.Fprintf(w, "%s: %d rows\n", c.Kind, n)
			}
			last = n
		}, func() {
			if last > 0 {
				fmt.Fprintf(w, "%s: %d rows\n", c.Kind, last)
			}
		}
}

// Close does nothing: Run closes the store.
func (c *ReportCommand) Close() error { return nil }
