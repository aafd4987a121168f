package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// keyCheckSize is the length of the key fingerprint kept in meta.
const keyCheckSize = 16

// keyCheck fingerprints secret: it tells whether a key file belongs to a
// database without revealing the key.
func keyCheck(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("motcua key check"))
	return m.Sum(nil)[:keyCheckSize]
}

// KeyMissingError is returned by Open when the database already holds
// events but its key file is absent: a new key would silently change every
// tracking key printed on slips and every applicant id hash. Restore the
// key file backed up with the database, or open with Options.NewKey.
type KeyMissingError struct {
	KeyPath string
	DBPath  string
	Events  uint64
}

func (e *KeyMissingError) Error() string {
	return fmt.Sprintf("key file %s is missing, but %s already holds %d events: a new key would change every tracking key and applicant id hash",
		e.KeyPath, e.DBPath, e.Events)
}

// KeyMismatchError is returned by Open when the key file is not the one
// the database was written with.
type KeyMismatchError struct {
	KeyPath string
	DBPath  string
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("key file %s does not belong to %s (its fingerprint differs from the one the database records)",
		e.KeyPath, e.DBPath)
}

// openSecret returns the secret of the key file at opts.KeyPath for the
// database db, checking it against the fingerprint db records (and
// recording it the first time). A missing key file is created, silently
// for a database without events, only with opts.NewKey for one with events.
func openSecret(db *bolt.DB, opts Options) ([]byte, error) {
	secret, err := readKeyFile(opts.KeyPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	missing := err != nil
	var events uint64
	var stored []byte
	if err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		stored = cp(meta.Get(keyKeyCheck))
		events = beUint(meta.Get(keySeq))
		if k, _ := tx.Bucket(bucketLog).Cursor().First(); k != nil && events == 0 {
			events = 1 // the log has events even if seq was lost
		}
		return nil
	}); err != nil {
		return nil, err
	}
	switch {
	case missing && events > 0 && !opts.NewKey:
		return nil, &KeyMissingError{KeyPath: opts.KeyPath, DBPath: db.Path(), Events: events}
	case missing:
		if secret, err = createKeyFile(opts.KeyPath); err != nil {
			return nil, err
		}
		if events > 0 {
			opts.Logger.Warn("created a new key file for a database with events: tracking keys on slips printed before now no longer open their status pages, and stored applicant id hashes no longer match",
				"key_file", opts.KeyPath, "db", db.Path(), "events", events)
		}
	case stored != nil && events > 0 && !bytes.Equal(stored, keyCheck(secret)):
		return nil, &KeyMismatchError{KeyPath: opts.KeyPath, DBPath: db.Path()}
	}
	if bytes.Equal(stored, keyCheck(secret)) {
		return secret, nil
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyKeyCheck, keyCheck(secret))
	}); err != nil {
		return nil, fmt.Errorf("record key fingerprint: %w", err)
	}
	return secret, nil
}

// readKeyFile reads the key file; an absent one is an error wrapping
// os.ErrNotExist.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if len(b) < 16 {
		return nil, fmt.Errorf("key file %s is too short", path)
	}
	return b, nil
}

// createKeyFile writes 32 random bytes to a new file at path.
func createKeyFile(path string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync key file: %w", err)
	}
	return b, f.Close()
}
