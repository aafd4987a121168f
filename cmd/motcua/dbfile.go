package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/motcua/motcua/counter/store"
)

// dbCommand is a command that reads a database file.
type dbCommand interface {
	dbFile() string
}

// runGuarded runs run, turning a panic, or a fault on the memory-mapped
// file, into the error "database file is corrupt: …" for a command that
// reads a database. It is the last line of defence: store.Open and
// store.VerifyFile check every page before bbolt maps the file, so a
// damaged file is refused before bbolt, which trusts the offsets it reads,
// can panic on it. Panics of other commands are not caught.
func runGuarded(cmd command, run func() error) (err error) {
	dc, ok := cmd.(dbCommand)
	if !ok {
		return run()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("database file is corrupt: %s: reading it failed (%v): %w; run motcua verify --db %s",
				dc.dbFile(), r, store.ErrCorrupt, dc.dbFile())
		}
	}()
	return run()
}

// openStoreError explains why store.Open refused path, with what the
// operator can do about it.
func openStoreError(path string, err error) error {
	var missing *store.KeyMissingError
	var mismatch *store.KeyMismatchError
	switch {
	case errors.As(err, &missing):
		return fmt.Errorf("%w.\nRestore it: copy the key file saved with the backup of this database to %s "+
			"(motcua backup does not include it). Only to accept new tracking keys knowingly (slips already printed "+
			"stop opening their status pages, and id number searches miss old dossiers), start once with motcua serve --new-key",
			err, missing.KeyPath)
	case errors.As(err, &mismatch):
		return fmt.Errorf("%w.\nPut the key file saved with the backup of this database at %s", err, mismatch.KeyPath)
	case errors.Is(err, store.ErrCorrupt):
		return fmt.Errorf("%w.\nRun motcua verify --db %s for details and restore the last good backup with its key file", err, path)
	}
	return fmt.Errorf("open store: %w", err)
}

// mayBeDamaged adds to an error reading the database's views at start what
// the operator can do: pages and chain may be sound while a record is not.
func mayBeDamaged(path string, err error) error {
	return fmt.Errorf("%w.\nThe database may be damaged: motcua verify --db %s checks its pages and hash chain, "+
		"motcua replay --db %s compares its derived views with the log; restore the last good backup with its key file", err, path, path)
}

func (c *ServeCommand) dbFile() string  { return c.DBPath }
func (c *VerifyCommand) dbFile() string { return c.DBPath }
func (c *ReplayCommand) dbFile() string { return c.DB }
func (c *TokenCommand) dbFile() string  { return c.DBPath }
func (c *BackupCommand) dbFile() string {
	if c.DBPath != "" {
		return c.DBPath
	}
	return c.Out
}
