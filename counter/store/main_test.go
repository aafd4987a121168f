package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/countertest"
	"github.com/motcua/motcua/counter/store"
	"github.com/stretchr/testify/require"
)

var hcm = countertest.Zone

func at(s string) time.Time { return countertest.At(s) }

// testConfig is the shared small city (countertest.City).
func testConfig() *counter.Config { return countertest.City() }

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Set(s string)            { c.t = at(s) }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// MustOpenStore opens a store in a temp dir. After the test it verifies the
// hash chain and that replaying the log rebuilds every derived view exactly.
func MustOpenStore(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	dir := tb.TempDir()
	if opts.Secret == nil {
		opts.Secret = []byte("0123456789abcdef0123456789abcdef")
	}
	if opts.RecentSpan == 0 {
		// A short span, so that every test reads the time indexes partly
		// from idx_recent and partly from their own buckets (recent.go).
		opts.RecentSpan = 5
	}
	s, err := store.Open(filepath.Join(dir, "motcua.db"), testConfig(), opts)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		v, err := s.Verify()
		require.NoError(tb, err)
		require.True(tb, v.OK, "hash chain broken: %+v", v)
		rep, err := s.Replay(context.Background(), dir, nil)
		require.NoError(tb, err)
		require.Empty(tb, rep.Differences, "replay differs")
		require.NoError(tb, s.Close())
	})
	return s
}

func received(id, dossier, agency string, t time.Time) counter.Event {
	return counter.Event{ID: id, Type: counter.Received, Dossier: dossier, At: t, Agency: agency,
		Procedure: "1.001", Channel: counter.ChannelDirect}
}
