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

// demoDeskToken mints a desk token for the first clerk of the first
// counter that has one, so that a newcomer can try the desk signed in as
// that clerk. It returns "" and nil when no counter has a clerk.
func demoDeskToken(st *store.Store, cfg *counter.Config) (string, *counter.Official, error) {
	for _, id := range cfg.Subtree(cfg.Root.ID) {
		a := cfg.Agency(id)
		if a.Level != counter.LevelCounter || len(a.Desks) == 0 {
			continue
		}
		for i := range cfg.Officials {
			o := &cfg.Officials[i]
			if o.Agency != a.ID {
				continue
			}
			token, tid, err := dashboard.NewToken()
			if err != nil {
				return "", nil, fmt.Errorf("demo desk token: %w", err)
			}
			if err := st.CreateToken(store.Token{ID: tid, Hash: dashboard.HashToken(token), Name: o.Name,
				Role: dashboard.RoleDesk, Agency: a.ID, Official: o.ID, CreatedAt: time.Now()}); err != nil {
				return "", nil, fmt.Errorf("demo desk token: %w", err)
			}
			return token, o, nil
		}
	}
	return "", nil, nil
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
	// Only the viewer token goes in a URL: a kiosk may carry it. The
	// supervisor secret never does.
	c.logger.Info("demo: open the wallboard", "url", "http://"+browsable(c.ln.Addr())+"/wallboard?access_token="+c.kioskToken,
		"speed", c.DemoSpeed)
	if c.deskClerk != nil {
		c.logger.Info("demo: open the desk and sign in with the clerk's token", "url", "http://"+browsable(c.ln.Addr())+"/desk",
			"clerk", c.deskClerk.Name, "agency", c.deskClerk.Agency, "desk_token", c.deskToken)
	}
	err := sim.Run(ctx)
	if !errors.Is(err, demo.ErrNotEmpty) {
		return err
	}
	c.logger.Warn("demo skipped: the database already holds dossiers; use --db with a new file", "db", c.DBPath)
	return c.store.Run(ctx)
}
