package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motcua/motcua/counter/store"
)

// BackupCommand is `motcua backup --out G` with `--db F` (a database no
// server holds) or `--server URL` (through GET /api/v1/backup, with the
// token of MOTCUA_TOKEN, a supervisor of the root). The copy is written
// to a temporary file beside G, synced, checked (its hash chain must
// verify) and only then renamed to G.
//
// The backup holds the database only. The secret key file (the database
// path + ".key") keys the applicant id hashes and the tracking keys; it is
// kept apart on purpose and must be backed up separately: a restore needs
// both, with the key beside the restored database.
type BackupCommand struct {
	Main   *Main
	Out    string
	DBPath string
	Server string
	// Client fetches from --server; http.DefaultClient by default.
	Client *http.Client
}

// ParseFlags parses --out and exactly one of --db and --server.
func (c *BackupCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("backup", "--out G (--db F | --server URL)")
	fs.StringVar(&c.Out, "out", "", "file to write the copy to")
	fs.StringVar(&c.DBPath, "db", "", "database file no server holds")
	fs.StringVar(&c.Server, "server", "", "base URL of a serving motcua (token in MOTCUA_TOKEN)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var bad string
	switch {
	case c.Out == "":
		bad = "--out is required"
	case (c.DBPath == "") == (c.Server == ""):
		bad = "give exactly one of --db and --server"
	}
	if bad != "" {
		fmt.Fprintln(fs.Output(), bad)
		fs.Usage()
		return errors.New(bad)
	}
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	return nil
}

// Run writes the copy.
func (c *BackupCommand) Run(ctx context.Context) error {
	tmp, err := os.CreateTemp(filepath.Dir(c.Out), "."+filepath.Base(c.Out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	var n int64
	if c.DBPath != "" {
		if _, err = os.Stat(c.DBPath); err == nil {
			n, err = store.BackupFile(c.DBPath, tmp)
		}
	} else {
		n, err = c.fetch(ctx, tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	v, err := store.VerifyFile(tmp.Name())
	if err != nil {
		return fmt.Errorf("backup: the copy does not open: %w", err)
	}
	if !v.OK {
		return fmt.Errorf("backup: the copy's hash chain is broken at event %d: %s", v.BrokenAt, v.Reason)
	}
	for _, w := range append(v.Warnings, v.Views...) {
		fmt.Fprintf(c.Main.Stderr, "warning: the copy is as damaged as its source: %s\n", w)
	}
	if err := os.Rename(tmp.Name(), c.Out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(c.Main.Stdout, "wrote %s: %d bytes, %d events, head %s\n", c.Out, n, v.Events, v.Head)
	fmt.Fprintln(c.Main.Stderr, "note: the key file (<db>.key) is not in the backup; back it up separately and restore it beside the database")
	return nil
}

// fetch streams GET /api/v1/backup into w.
func (c *BackupCommand) fetch(ctx context.Context, w io.Writer) (int64, error) {
	token := c.Main.Getenv("MOTCUA_TOKEN")
	if token == "" {
		return 0, errors.New("set MOTCUA_TOKEN to a supervisor token of the root agency")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.Server, "/")+"/api/v1/backup", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return 0, fmt.Errorf("GET /api/v1/backup: %s: %s", res.Status, strings.TrimSpace(string(b)))
	}
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("download: %w", err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("download: got %d of %d bytes", n, res.ContentLength)
	}
	return n, nil
}

// Close does nothing.
func (c *BackupCommand) Close() error { return nil }
