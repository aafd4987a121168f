package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/stretchr/testify/require"
)

// TestKeyFileRule: a database with events and no key file is refused (no
// key is created), NewKey makes a new one, a database without events gets
// one silently, and another database's key is refused.
func TestKeyFileRule(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "motcua.db")
	s, err := store.Open(path, testConfig(), store.Options{})
	require.NoError(t, err)
	_, err = s.Record(context.Background(), []counter.Event{received("e1", "K-1", "q1-motcua", at("2026-03-10 08:00"))})
	require.NoError(t, err)
	want := s.TrackingKey("K-1")
	require.NoError(t, s.Close())
	key, err := os.ReadFile(path + ".key")
	require.NoError(t, err)

	require.NoError(t, os.Rename(path+".key", path+".key.saved"))
	_, err = store.Open(path, testConfig(), store.Options{})
	var missing *store.KeyMissingError
	require.True(t, errors.As(err, &missing), "%v", err)
	require.Equal(t, path+".key", missing.KeyPath)
	require.EqualValues(t, 1, missing.Events)
	_, err = os.Stat(path + ".key")
	require.ErrorIs(t, err, os.ErrNotExist)

	s, err = store.Open(path, testConfig(), store.Options{NewKey: true})
	require.NoError(t, err)
	require.NotEqual(t, want, s.TrackingKey("K-1"))
	require.NoError(t, s.Close())

	// The old key no longer belongs to the database: refused.
	require.NoError(t, os.WriteFile(path+".key", key, 0o600))
	_, err = store.Open(path, testConfig(), store.Options{})
	var mismatch *store.KeyMismatchError
	require.True(t, errors.As(err, &mismatch), "%v", err)

	// Tokens only, no events: the key is made silently.
	empty := filepath.Join(dir, "tokens-only.db")
	s, err = store.Open(empty, testConfig(), store.Options{})
	require.NoError(t, err)
	require.NoError(t, s.CreateToken(store.Token{ID: "t", Hash: "h", Name: "n", Role: "desk", Agency: "q1-motcua"}))
	require.NoError(t, s.Close())
	require.NoError(t, os.Remove(empty+".key"))
	s, err = store.Open(empty, testConfig(), store.Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
