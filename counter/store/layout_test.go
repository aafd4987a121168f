package store_test

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// lists is what the time indexes answer: every page of the dossier and
// violation lists of a few agencies, with and without a period.
func lists(t *testing.T, s *store.Store, now time.Time) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for _, a := range []string{"tp", "q1", "q1-motcua", "q2-motcua"} {
		cursor := ""
		for {
			ds, next, err := s.FindDossiers(ctx, counter.DossierFilter{Agency: a, Limit: 7, Cursor: cursor})
			require.NoError(t, err)
			for _, d := range ds {
				out["d "+a] = append(out["d "+a], d.Code)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		for _, f := range []counter.ViolationFilter{{Agency: a, Limit: 5}, {Agency: a, Limit: 5, From: now.AddDate(0, 0, -20), To: now.AddDate(0, 0, -3)}} {
			key := "v " + a + " " + f.From.Format(time.DateOnly)
			for {
				vs, next, err := s.FindViolations(ctx, f)
				require.NoError(t, err)
				for i, v := range vs {
					if i > 0 {
						require.False(t, v.OccurredAt.After(vs[i-1].OccurredAt), "newest first")
					}
					out[key] = append(out[key], v.ID)
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
		}
	}
	return out
}

// TestIndexOrderUpgrade: a database an earlier build wrote (time indexes
// newest first, inverted instants; dossier states and violations as JSON,
// with a dossier_violations index) opens with every list as it was, and
// its indexes and records rewritten as this build writes them: key for
// key, and byte for byte as replaying its log builds them.
func TestIndexOrderUpgrade(t *testing.T) {
	path, now := buildSmallDB(t, 600)
	open := func() *store.Store {
		s, err := store.Open(path, testConfig(), store.Options{Now: func() time.Time { return now }, Evaluator: violations.New(), NoSync: true})
		require.NoError(t, err)
		return s
	}
	s := open()
	want := lists(t, s, now)
	require.NotEmpty(t, want["d tp"])
	require.NotEmpty(t, want["v tp 0001-01-01"])
	require.NotEmpty(t, want["v tp "+now.AddDate(0, 0, -20).Format(time.DateOnly)], "the period holds some violations")
	keys := indexKeys(t, s.DB())
	require.NoError(t, s.Close())

	// The earlier build's layout.
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"idx_agency", "idx_violations"} {
			var old [][]byte
			require.NoError(t, tx.Bucket([]byte(name)).ForEach(func(k, _ []byte) error {
				old = append(old, append([]byte(nil), k...))
				return nil
			}))
			require.NoError(t, tx.DeleteBucket([]byte(name)))
			b, err := tx.CreateBucket([]byte(name))
			require.NoError(t, err)
			for _, k := range old {
				i := indexByte0(k)
				inv := make([]byte, 8)
				binary.BigEndian.PutUint64(inv, math.MaxUint64-binary.BigEndian.Uint64(k[i+1:i+9]))
				require.NoError(t, b.Put(append(append(append([]byte(nil), k[:i+1]...), inv...), k[i+9:]...), nil))
			}
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("index_order"))
	}))
	require.NoError(t, store.WriteAsBefore(db))
	require.NoError(t, db.Close())

	s = open()
	require.Equal(t, keys, indexKeys(t, s.DB()), "rewritten key for key")
	require.Equal(t, want, lists(t, s, now))
	rep, err := s.Replay(context.Background(), t.TempDir(), nil)
	require.NoError(t, err)
	require.Empty(t, rep.Differences, "the upgraded indexes are what replay builds")
	require.NoError(t, s.Close())
}

func indexByte0(k []byte) int {
	for i, c := range k {
		if c == 0 {
			return i
		}
	}
	return -1
}

func indexKeys(t *testing.T, db *bolt.DB) map[string][]string {
	out := map[string][]string{}
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"idx_agency", "idx_violations"} {
			require.NoError(t, tx.Bucket([]byte(name)).ForEach(func(k, _ []byte) error {
				out[name] = append(out[name], string(k))
				return nil
			}))
		}
		return nil
	}))
	return out
}
