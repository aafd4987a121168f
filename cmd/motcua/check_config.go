package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/alertmanager"
)

// CheckConfigCommand is `motcua check-config`: it validates a configuration
// folder and prints a summary, or every problem and fails.
type CheckConfigCommand struct {
	Main *Main
	Dir  string
}

// ParseFlags parses [--config DIR].
func (c *CheckConfigCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("check-config", "[--config DIR]")
	configFlag(fs, &c.Dir)
	return parseFlags(fs, args)
}

// Run loads the configuration and prints "ok: ..." on Stdout, or the
// problems on Stderr. A receivers.yaml in the folder (optional, read by
// alertmanager-config) is checked too: its shape, and that the heads it
// names are agencies of the tree in force today.
func (c *CheckConfigCommand) Run(ctx context.Context) error {
	cfg, name, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	fsys, _ := configSource(c.Dir)
	rs, found, err := alertmanager.LoadReceiversOptional(fsys)
	if err == nil && found {
		err = alertmanager.CheckTree(cfg, rs, c.Main.now())
	}
	if err != nil {
		prefix := ""
		if name != "built-in" {
			prefix = name + string(filepath.Separator)
		}
		lines := strings.Split(err.Error(), "\n")
		for _, l := range lines {
			fmt.Fprintf(c.Main.Stderr, "%s%s\n", prefix, l)
		}
		return reportedError{fmt.Errorf("config %s: %d problems", name, len(lines))}
	}
	fmt.Fprintf(c.Main.Stdout, "ok: %s\n", summary(cfg, name))
	return nil
}

// Close does nothing.
func (c *CheckConfigCommand) Close() error { return nil }

// summary describes cfg in one line: "N agencies, M officials, ...".
func summary(cfg *counter.Config, name string) string {
	agencies := 0
	if cfg.Root != nil {
		agencies = len(cfg.Subtree(cfg.Root.ID))
	}
	s := fmt.Sprintf("%d agencies, %d officials, %d procedures", agencies, len(cfg.Officials), len(cfg.Procedures))
	if cal := cfg.Calendar; cal != nil {
		lo, hi := 0, 0
		for d := range cal.Holidays {
			if lo == 0 || d.Year < lo {
				lo = d.Year
			}
			if d.Year > hi {
				hi = d.Year
			}
		}
		s += fmt.Sprintf(", %d holidays", len(cal.Holidays))
		if lo != 0 {
			s += fmt.Sprintf(" (%d–%d)", lo, hi)
		}
		s += fmt.Sprintf(", %d make-up workdays", len(cal.Workdays))
		if cal.Location != nil {
			s += ", zone " + cal.Location.String()
		}
	}
	return s + " (" + name + ")"
}
