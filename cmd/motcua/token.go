package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
)

// TokenCommand is `motcua token create --db F --role R --agency A --name
// N`: it mints a token on a database no server holds and prints it once on
// stdout. While serving, use POST /api/v1/tokens instead. With --nats-url
// it mints it in a cluster's key-value bucket, where every node finds it;
// it refuses a cluster node's view as --db (the token would be on that
// copy alone), not a roll-up's (whose tokens are its own).
type TokenCommand struct {
	Main   *Main
	DBPath string
	Dir    string
	Role   string
	Agency string
	Name   string
	// Official makes a per-official desk token (--official): the clerk
	// every event recorded with it is charged to.
	Official string
	// Now is the clock stamped as created_at; time.Now by default.
	Now         func() time.Time
	clusterTool // --nats-url, --cluster-stream
}

const tokenSynopsis = "create (--db F | --nats-url URL [--cluster-stream NAME]) --role desk|integration|head|viewer|supervisor --agency A --name N [--official ID] [--config DIR]"

// ParseFlags parses `create` and its flags.
func (c *TokenCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("token", tokenSynopsis)
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(fs.Output(), `the only token subcommand is "create"`)
		fs.Usage()
		return fmt.Errorf("token: want create")
	}
	fs.StringVar(&c.DBPath, "db", DefaultDB, "database file (no server may hold it)")
	fs.StringVar(&c.Role, "role", "", "role: "+strings.Join(dashboard.Roles, ", "))
	fs.StringVar(&c.Agency, "agency", "", "agency id: the token sees and writes its subtree")
	fs.StringVar(&c.Name, "name", "", "who or what holds the token")
	fs.StringVar(&c.Official, "official", "", "with --role desk: the clerk this token signs in (a per-official desk token)")
	configFlag(fs, &c.Dir)
	c.addToolFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	dbSet := false
	fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
	var bad string
	switch {
	case dbSet && c.clustered():
		bad = "--db and --nats-url: a token goes into a database or into a cluster, not both"
	case c.Stream != "" && !c.clustered():
		bad = "--cluster-stream goes with --nats-url"
	case !slices.Contains(dashboard.Roles, c.Role):
		bad = "--role must be one of " + strings.Join(dashboard.Roles, ", ")
	case c.Agency == "":
		bad = "--agency is required"
	case strings.TrimSpace(c.Name) == "":
		bad = "--name is required"
	case c.Official != "" && c.Role != dashboard.RoleDesk:
		bad = "--official goes only with --role desk"
	}
	if bad != "" {
		fmt.Fprintln(fs.Output(), bad)
		fs.Usage()
		return fmt.Errorf("%s", bad)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Run opens the database, stores the new token's hash and prints the token.
func (c *TokenCommand) Run(ctx context.Context) error {
	cfg, _, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	if cfg.Agency(c.Agency) == nil {
		return fmt.Errorf("unknown agency %q", c.Agency)
	}
	if o := cfg.Official(c.Official); c.Official != "" && (o == nil || !cfg.Within(o.Agency, c.Agency)) {
		return fmt.Errorf("official %q does not work at %s", c.Official, c.Agency)
	}
	var tokens interface{ CreateToken(store.Token) error }
	if c.clustered() {
		node, err := c.join(ctx, c.Main, "token")
		if err != nil {
			return err
		}
		defer node.Close()
		tokens = node.Tokens()
	} else {
		st, err := store.Open(c.DBPath, cfg, store.Options{})
		if err != nil {
			if errors.Is(err, store.ErrLocked) {
				return fmt.Errorf("open store (is a server holding it? use POST /api/v1/tokens): %w", err)
			}
			return openStoreError(c.DBPath, err)
		}
		defer st.Close()
		if v, err := st.View(); err != nil || !v.Rollup {
			if err := refuseView(st, "token", tokenInstead()); err != nil {
				return err
			}
		}
		tokens = st
	}
	token, id, err := dashboard.NewToken()
	if err != nil {
		return err
	}
	if err := tokens.CreateToken(store.Token{ID: id, Hash: dashboard.HashToken(token), Name: strings.TrimSpace(c.Name),
		Role: c.Role, Agency: c.Agency, Official: c.Official, CreatedAt: c.Now()}); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(c.Main.Stdout, token)
	fmt.Fprintf(c.Main.Stderr, "created token %s (%s of %s); it is shown only this once\n", id, c.Role, c.Agency)
	return nil
}

// Close does nothing: Run closes the store.
func (c *TokenCommand) Close() error { return nil }

// BootstrapTokenID is the id of the token MOTCUA_BOOTSTRAP_TOKEN gives.
const BootstrapTokenID = "bootstrap"

// storeBootstrapToken stores $MOTCUA_BOOTSTRAP_TOKEN. A cluster node that
// has just joined may find the token store between leaders (no responders
// for a moment after a quorum formed): it retries an unavailable store for
// up to bootstrapTokenWait before giving up.
func (c *ServeCommand) storeBootstrapToken(ctx context.Context, tokens tokenStore) error {
	ctx, cancel := context.WithTimeout(ctx, bootstrapTokenWait)
	defer cancel()
	wait := 100 * time.Millisecond
	for {
		err := bootstrapToken(tokens, c.cfg, c.Main.Getenv("MOTCUA_BOOTSTRAP_TOKEN"), c.logger)
		if err == nil || counter.ErrorCode(err) != counter.CodeUnavailable {
			return err
		}
		c.logger.Warn("the token store is not ready; retrying", "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// bootstrapTokenWait is how long serve retries an unavailable token store.
const bootstrapTokenWait = 30 * time.Second

// bootstrapToken makes secret, when set, the stored supervisor token of
// the root agency (SPEC.md §6.2). It is idempotent across restarts; a new
// secret replaces the old one, and a revoked one stays revoked.
func bootstrapToken(st tokenStore, cfg *counter.Config, secret string, log *slog.Logger) error {
	if secret == "" {
		return nil
	}
	if _, err := dashboard.ParseToken(secret); err != nil {
		return fmt.Errorf("MOTCUA_BOOTSTRAP_TOKEN: %w", err)
	}
	if len(secret) < 16 {
		log.Warn("MOTCUA_BOOTSTRAP_TOKEN is short and easy to guess; prefer one from `motcua token create` or 32 random bytes")
	}
	hash := dashboard.HashToken(secret)
	wrote, err := st.EnsureToken(store.Token{ID: BootstrapTokenID, Hash: hash, Name: "bootstrap",
		Role: dashboard.RoleSupervisor, Agency: cfg.Root.ID, CreatedAt: time.Now()})
	if err != nil {
		return fmt.Errorf("bootstrap token: %w", err)
	}
	if t, err := st.Token(BootstrapTokenID); err == nil && t.Hash == hash && t.Revoked() {
		log.Warn("MOTCUA_BOOTSTRAP_TOKEN was revoked and stays revoked; set a new one to replace it")
	}
	if wrote {
		log.Info("bootstrap token stored", "id", BootstrapTokenID, "agency", cfg.Root.ID)
	}
	return nil
}
