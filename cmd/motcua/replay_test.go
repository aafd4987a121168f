package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestReplayCommand(t *testing.T) {
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	db := filepath.Join(t.TempDir(), "m.db")
	now := local("2026-03-20 10:00")
	st, err := store.Open(db, cfg, store.Options{Now: func() time.Time { return now }, Evaluator: violations.New()})
	require.NoError(t, err)
	// Received long ago and never finished: overdue at once.
	_, err = st.Record(context.Background(), []counter.Event{{ID: "e1", Type: counter.Received, Dossier: "D1",
		At: local("2026-03-02 09:00"), Agency: counterHC, Procedure: hkd, Channel: counter.ChannelDirect}})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	code, _, stderr := run(t, context.Background(), nil, "replay", "--db", db, "--config", shippedConfig, "--scratch", t.TempDir())
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, "1 events")
	require.Contains(t, stderr, "0 differences")

	// Damage a derived view behind the store's back: replay must find it.
	bdb, err := bolt.Open(db, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("dossiers")).Put([]byte("D1"), []byte(`{"c":"D1","s":"returned"}`))
	}))
	require.NoError(t, bdb.Close())
	code, stdout, stderr := run(t, context.Background(), nil, "replay", "--db", db, "--config", shippedConfig, "--scratch", t.TempDir())
	require.Equal(t, ExitFail, code, stderr)
	require.Contains(t, stdout, `dossiers "D1"`)
	require.Contains(t, stdout, `"s":"returned"`)
}
