package main

import (
	"context"
	"errors"
	"time"

	"github.com/motcua/motcua/counter/demo"
)

// sweep runs the store's deadline sweeper until ctx ends. With --demo on
// an empty database the simulator runs instead: it drives the clock and
// sweeps after each of its steps, so that no sweep judges an instant whose
// events it has not recorded yet. On a database with data the demo is
// skipped with a warning and the ordinary sweeper runs.
func (c *ServeCommand) sweep(ctx context.Context) error {
	if !c.Demo {
		return c.store.Run(ctx)
	}
	sim := demo.New(c.store, c.cfg, c.clock, c.DemoSpeed, uint64(time.Now().UnixNano()))
	sim.Sweep = c.store.SweepUntil
	sim.Logger = c.logger
	c.logger.Info("demo: open the wallboard", "url", "http://"+c.ln.Addr().String()+"/wallboard?access_token=$MOTCUA_BOOTSTRAP_TOKEN",
		"speed", c.DemoSpeed)
	err := sim.Run(ctx)
	if !errors.Is(err, demo.ErrNotEmpty) {
		return err
	}
	c.logger.Warn("demo skipped: the database already holds dossiers; use --db with a new file", "db", c.DBPath)
	return c.store.Run(ctx)
}
