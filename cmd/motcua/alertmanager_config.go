package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/dashboard/alertmanager"
)

// runAlertmanagerConfig is `motcua alertmanager-config [--config DIR]
// [--receivers FILE] [--at YYYY-MM-DD] [--out FILE]` (SPEC.md §8, §10.3):
// it writes the Alertmanager configuration that routes each alert to the
// head of its agency and every supervising head, over the tree in force on
// --at (default: the date of now), with the calendar's office hours and
// holidays as time intervals. Without --receivers it reads receivers.yaml
// from the configuration folder when there is one, and otherwise uses
// alertmanager.DefaultReceivers: any tree works with no other input.
// Without --out it prints to stdout. It returns the exit code: 0, 1 on a
// bad configuration, 2 on bad flags.
func runAlertmanagerConfig(args []string, stdout, stderr io.Writer, now time.Time) int {
	fset := flag.NewFlagSet("alertmanager-config", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var dir, receivers, out, at string
	fset.StringVar(&dir, "config", "", "configuration folder (default: ./configs if present, else the built-in one)")
	fset.StringVar(&receivers, "receivers", "", "receivers file (default: receivers.yaml in the configuration folder)")
	fset.StringVar(&out, "out", "", "write the configuration to this file instead of stdout")
	fset.StringVar(&at, "at", "", "route over the agency tree in force on this day, YYYY-MM-DD (default: today)")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: motcua alertmanager-config [--config DIR] [--receivers FILE] [--at YYYY-MM-DD] [--out FILE]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "alertmanager-config: unexpected argument %q\n", fset.Arg(0))
		fset.Usage()
		return 2
	}

	var fsys fs.FS
	switch {
	case dir != "":
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "%s: not a directory\n", dir)
			return 1
		}
		fsys = os.DirFS(dir)
	default:
		if st, err := os.Stat(filepath.Join("configs", configs.AgenciesFile)); err == nil && !st.IsDir() {
			dir, fsys = "configs", os.DirFS("configs")
		} else {
			dir, fsys = "built-in", configs.Embedded()
		}
	}
	cfg, err := configs.Load(fsys)
	if err != nil {
		var probs *configs.Problems
		if errors.As(err, &probs) {
			for _, p := range probs.List {
				fmt.Fprintf(stderr, "%s: %s\n", dir, p)
			}
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", dir, err)
		}
		return 1
	}

	day := now
	if cfg.Calendar != nil && cfg.Calendar.Location != nil {
		day = now.In(cfg.Calendar.Location)
	}
	if at != "" {
		d, err := calendar.ParseDate(at)
		if err != nil {
			fmt.Fprintf(stderr, "alertmanager-config: --at %q: want YYYY-MM-DD\n", at)
			return 2
		}
		day = d.In(day.Location()).Add(12 * time.Hour)
	}

	var rs alertmanager.Receivers
	if receivers != "" {
		b, err := os.ReadFile(receivers)
		if err == nil {
			rs, err = alertmanager.ParseReceivers(b)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", receivers, err)
			return 1
		}
	} else if rs, _, err = alertmanager.LoadReceiversOptional(fsys); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", dir, err)
		return 1
	}

	b, err := alertmanager.Generate(cfg, rs, day)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if out == "" {
		if _, err := stdout.Write(b); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	// Write beside the target and rename, so that an Alertmanager watching
	// the file never reads half of it.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", out, len(b))
	return 0
}
