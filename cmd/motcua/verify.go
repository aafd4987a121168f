package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/motcua/motcua/counter/store"
)

// VerifyCommand is `motcua verify --db F`: it checks every page of the
// file (store.CheckFile, then bbolt's consistency check), then walks the
// hash chain of the log, then decodes every derived record and follows
// every index entry. It fails (exit 1) on a damaged file, listing the
// problems, on a broken chain, naming the first event that does not hold,
// and on damaged records. A damaged meta page that bbolt works around also
// fails it. A file it passes is one serve can open and read.
type VerifyCommand struct {
	Main   *Main
	DBPath string
}

// ParseFlags parses --db.
func (c *VerifyCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("verify", "--db F")
	fs.StringVar(&c.DBPath, "db", DefaultDB, "database file")
	return parseFlags(fs, args)
}

// Run verifies the database, read-only; a server may not hold it.
func (c *VerifyCommand) Run(ctx context.Context) error {
	if _, err := os.Stat(c.DBPath); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	v, err := store.VerifyFile(c.DBPath)
	var corrupt *store.CorruptError
	if errors.As(err, &corrupt) {
		for _, p := range corrupt.Problems {
			fmt.Fprintf(c.Main.Stdout, "damaged: %s\n", p)
		}
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, w := range v.Warnings {
		fmt.Fprintf(c.Main.Stdout, "damaged: %s\n", w)
	}
	if !v.OK {
		fmt.Fprintf(c.Main.Stdout, "broken at event %d: %s (%d events verified before it)\n", v.BrokenAt, v.Reason, v.Events)
		return exitError{ExitFail}
	}
	for _, p := range v.Views {
		fmt.Fprintf(c.Main.Stdout, "damaged record: %s\n", p)
	}
	if len(v.Views) > 0 {
		fmt.Fprintf(c.Main.Stdout, "chain ok: %d events, head %s; derived records are damaged: motcua replay --db %s lists what the log rebuilds differently; restore the last good backup\n", v.Events, v.Head, c.DBPath)
		return exitError{ExitFail}
	}
	if len(v.Warnings) > 0 {
		fmt.Fprintf(c.Main.Stdout, "chain ok as read: %d events, head %s; restore the last good backup\n", v.Events, v.Head)
		return exitError{ExitFail}
	}
	fmt.Fprintf(c.Main.Stdout, "ok: %d events, head %s\n", v.Events, v.Head)
	return nil
}

// Close does nothing.
func (c *VerifyCommand) Close() error { return nil }
