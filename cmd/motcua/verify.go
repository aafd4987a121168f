package main

import (
	"context"
	"fmt"
	"os"

	"github.com/motcua/motcua/counter/store"
)

// VerifyCommand is `motcua verify --db F`: it walks the hash chain of the
// log and fails (exit 1) naming the first event that does not hold.
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
		return fmt.Errorf("verify %s: %w", c.DBPath, err)
	}
	if !v.OK {
		fmt.Fprintf(c.Main.Stdout, "broken at event %d: %s (%d events verified before it)\n", v.BrokenAt, v.Reason, v.Events)
		return exitError{ExitFail}
	}
	fmt.Fprintf(c.Main.Stdout, "ok: %d events, head %s\n", v.Events, v.Head)
	return nil
}

// Close does nothing.
func (c *VerifyCommand) Close() error { return nil }
