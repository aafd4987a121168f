package main

import (
	"context"
	"fmt"
	"os"

	"github.com/motcua/motcua/counter/store"
)

// VerifyCommand is `motcua verify --db F`: it checks every page of the
// file (store.CheckFile, then bbolt's consistency check), then walks the
// hash chain of the log, and fails (exit 1) on a damaged file, naming the
// first problem, or on a broken chain, naming the first event that does not
// hold. A damaged meta page that bbolt works around also fails it.
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
	if len(v.Warnings) > 0 {
		fmt.Fprintf(c.Main.Stdout, "chain ok as read: %d events, head %s; restore the last good backup\n", v.Events, v.Head)
		return exitError{ExitFail}
	}
	fmt.Fprintf(c.Main.Stdout, "ok: %d events, head %s\n", v.Events, v.Head)
	return nil
}

// Close does nothing.
func (c *VerifyCommand) Close() error { return nil }
