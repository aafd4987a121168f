package store

import (
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Snapshot returns a consistent copy of the whole database as a stream
// (bbolt Tx.WriteTo in a read transaction, so writers go on meanwhile) and
// its size in bytes. The read transaction stays open until the stream is
// read to its end or closed: the caller must Close it.
//
// The snapshot holds the tokens (as hashes) but not the secret of
// Options.KeyPath, which keys the applicant id hashes and tracking keys:
// back that file up separately, and keep it apart from the database.
func (s *Store) Snapshot() (io.ReadCloser, int64, error) {
	return snapshot(s.db)
}

func snapshot(db *bolt.DB) (io.ReadCloser, int64, error) {
	tx, err := db.Begin(false)
	if err != nil {
		return nil, 0, fmt.Errorf("begin snapshot: %w", err)
	}
	size := tx.Size()
	pr, pw := io.Pipe()
	go func() {
		_, err := tx.WriteTo(pw)
		tx.Rollback()
		pw.CloseWithError(err)
	}()
	return pr, size, nil
}

// BackupFile writes a consistent copy of the database at path, which no
// server may hold open, to w and returns the bytes written. A damaged file
// (CheckFile) is refused before bbolt reads it.
func BackupFile(path string, w io.Writer) (int64, error) {
	if _, err := CheckFile(path); err != nil {
		return 0, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var n int64
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", path, err)
	}
	return n, nil
}
