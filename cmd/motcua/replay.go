package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// ReplayCommand is `motcua replay`: it rebuilds every derived view from the
// event log into a scratch database and reports each difference from the
// stored views (SPEC.md §8). A difference means a derived view was damaged
// or the rules changed since the events were judged.
type ReplayCommand struct {
	Main    *Main
	DB      string
	Dir     string
	Scratch string
}

// ParseFlags parses --db F [--config DIR] [--scratch DIR].
func (c *ReplayCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("replay", "--db FILE [--config DIR] [--scratch DIR]")
	fs.StringVar(&c.DB, "db", "motcua.db", "database file (not held by a running server)")
	fs.StringVar(&c.Scratch, "scratch", os.TempDir(), "folder for the scratch rebuild")
	configFlag(fs, &c.Dir)
	return parseFlags(fs, args)
}

// Run replays and prints the differences; it fails when there are any.
func (c *ReplayCommand) Run(ctx context.Context) error {
	cfg, _, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.DB); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	st, err := store.Open(c.DB, cfg, store.Options{Evaluator: violations.New()})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("replay: %w (is a server holding the database?)", err)
		}
		return fmt.Errorf("replay: %w", openStoreError(c.DB, err))
	}
	defer st.Close()
	start := time.Now()
	last := time.Now()
	rep, err := st.Replay(ctx, c.Scratch, func(done, total uint64) {
		if time.Since(last) > time.Second || done == total {
			fmt.Fprintf(c.Main.Stderr, "replay: %d/%d events\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	for _, d := range rep.Differences {
		fmt.Fprintf(c.Main.Stdout, "%s %s\n  stored:  %s\n  rebuilt: %s\n", d.Bucket, d.Key, d.Stored, d.Rebuilt)
	}
	fmt.Fprintf(c.Main.Stderr, "replay: %d events, %d sweeps, %d differences in %s\n",
		rep.Events, rep.Sweeps, len(rep.Differences), time.Since(start).Round(time.Millisecond))
	if len(rep.Differences) > 0 {
		return exitError{ExitFail}
	}
	return nil
}

// Close does nothing: Run closes the store.
func (c *ReplayCommand) Close() error { return nil }
