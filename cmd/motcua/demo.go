package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/demo"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
)

// demoKioskToken mints a viewer token for the root agency, for the demo's
// kiosk link. Like every token it is stored only as a hash.
func demoKioskToken(st *store.Store, cfg *counter.Config) (string, error) {
	token, id, err := dashboard.NewToken()
	if err != nil {
		return "", fmt.Errorf("demo kiosk token: %w", err)
	}
	if err := st.CreateToken(store.Token{ID: id, Hash: dashboard.HashToken(token), Name: "demo kiosk",
		Role: dashboard.RoleViewer, Agency: cfg.Root.ID, CreatedAt: time.Now()}); err != nil {
		return "", fmt.Errorf("demo kiosk token: %w", err)
	}
	return token, nil
}

// browsable turns a listen address into one a browser can open: an
// unspecified host (":8080", "[::]:8080") becomes localhost.
func browsable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

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
	token := c.kioskToken
	if token == "" {
		token = "$MOTCUA_BOOTSTRAP_TOKEN"
	}
	c.logger.Info("demo: open the wallboard", "url", "http://"+browsable(c.ln.Addr())+"/wallboard?access_token="+token,
		"speed", c.DemoSpeed)
	err := sim.Run(ctx)
	if !errors.Is(err, demo.ErrNotEmpty) {
		return err
	}
	c.logger.Warn("demo skipped: the database already holds dossiers; use --db with a new file", "db", c.DBPath)
	return c.store.Run(ctx)
}
