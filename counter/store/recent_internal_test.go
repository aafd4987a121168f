package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestIndexWalk holds the readers of the time indexes to a plain set of
// keys: whatever part of the changes idx_recent still holds, a walk
// newest or oldest first, from any bound, gives the keys the changes
// leave, in order, each once.
func TestIndexWalk(t *testing.T) {
	for _, span := range []int{1, 3, 8, 50, 1000} {
		t.Run(fmt.Sprint("span ", span), func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(span)))
			db, err := bolt.Open(filepath.Join(t.TempDir(), "walk.db"), 0o600, nil)
			require.NoError(t, err)
			defer db.Close()
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				for _, b := range [][]byte{bucketMeta, bucketAgencyIdx, bucketViolIdx, bucketRecent} {
					if _, err := tx.CreateBucket(b); err != nil {
						return err
					}
				}
				return nil
			}))
			s := &Store{opts: Options{RecentSpan: span}}
			agencies := []string{"a", "ab", "b"}
			model := map[string]bool{} // idx_violations as the changes leave it
			var seq uint64
			key := func() []byte {
				at := time.Unix(0, int64(rng.Intn(40))*int64(time.Hour))
				return join([]byte(agencies[rng.Intn(len(agencies))]), append(timeKey(at), fmt.Sprintf("V%02d", rng.Intn(30))...))
			}
			for round := 0; round < 60; round++ {
				require.NoError(t, db.Update(func(tx *bolt.Tx) error {
					w := &writeTx{s: s, tx: tx, seq: seq}
					for i := rng.Intn(6); i >= 0; i-- {
						w.seq += uint64(rng.Intn(3)) // several changes may share a seq
						k := key()
						op := recentPut
						if rng.Intn(3) == 0 {
							op = recentDel
							for m := range model { // mostly a key that is there
								if rng.Intn(2) == 0 {
									k = []byte(m)
									break
								}
							}
						}
						model[string(k)] = op == recentPut
						if op == recentDel {
							delete(model, string(k))
						}
						// A change to the other index never shows in this one.
						if err := w.changeIndex(bucketAgencyIdx, recentPut, join([]byte("a"), append(timeKey(time.Unix(0, 0)), "D"...))); err != nil {
							return err
						}
						if err := w.changeIndex(bucketViolIdx, op, k); err != nil {
							return err
						}
					}
					seq = w.seq
					return w.finishRecent()
				}))
				require.NoError(t, db.View(func(tx *bolt.Tx) error {
					// idx_recent holds no change that is due.
					c := tx.Bucket(bucketRecent).Cursor()
					for k, v := c.First(); k != nil; k, v = c.Next() {
						require.Greater(t, recentDue(binary.BigEndian.Uint64(k[1:]), v[2:], uint64(span)), seq)
					}
					for _, a := range agencies {
						prefix := append([]byte(a), 0)
						want := []string{}
						for k := range model {
							if bytes.HasPrefix([]byte(k), prefix) {
								want = append(want, k)
							}
						}
						slices.Sort(want)
						require.Equal(t, want, walkAll(walkOldest(tx, bucketViolIdx, prefix, nil)), "oldest first, %s", a)
						slices.Reverse(want)
						require.Equal(t, want, walkAll(walkNewest(tx, bucketViolIdx, prefix, time.Time{}, nil)), "newest first, %s", a)
						for try := 0; try < 5 && len(want) > 0; try++ {
							// From just past a key, and to an instant.
							i := rng.Intn(len(want))
							rest := []byte(want[i][len(prefix):])
							require.Equal(t, want[i+1:], walkAll(walkNewest(tx, bucketViolIdx, prefix, time.Time{}, rest)))
							asc := slices.Clone(want)
							slices.Reverse(asc)
							j := len(want) - 1 - i
							require.Equal(t, asc[j+1:], walkAll(walkOldest(tx, bucketViolIdx, prefix, []byte(want[i]))))
							to := keyTime(rest[:8])
							upTo := []string{}
							for _, k := range want {
								if !keyTime([]byte(k[len(prefix):])).After(to) {
									upTo = append(upTo, k)
								}
							}
							require.Equal(t, upTo, walkAll(walkNewest(tx, bucketViolIdx, prefix, to, nil)))
						}
					}
					return nil
				}))
			}
		})
	}
}

// walkAll lists a walk's keys; an empty walk lists as an empty slice.
func walkAll(w *indexWalk) []string {
	out := []string{}
	for k := w.next(); k != nil; k = w.next() {
		out = append(out, string(k))
	}
	return out
}

// TestRecentGrouping holds the split index to replay's promise: the same
// changes committed in different groups leave the same bytes in
// idx_recent, the indexes and meta.
func TestRecentGrouping(t *testing.T) {
	type call struct {
		changes [][]byte // op ‖ key
		seqs    uint64   // events the call adds to the log
	}
	rng := rand.New(rand.NewSource(7))
	var calls []call
	for i := 0; i < 400; i++ {
		c := call{seqs: uint64(rng.Intn(4))}
		for j := rng.Intn(5); j > 0; j-- {
			op := recentPut
			if rng.Intn(4) == 0 {
				op = recentDel
			}
			at := time.Unix(0, int64(rng.Intn(50))*int64(time.Hour))
			key := join([]byte(fmt.Sprintf("a%d", rng.Intn(12))), append(timeKey(at), fmt.Sprintf("V%02d", rng.Intn(20))...))
			c.changes = append(c.changes, append([]byte{op}, key...))
		}
		calls = append(calls, c)
	}
	dump := func(group func() int) string {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketMeta, bucketAgencyIdx, bucketViolIdx, bucketRecent} {
				if _, err := tx.CreateBucket(b); err != nil {
					return err
				}
			}
			return nil
		}))
		s := &Store{opts: Options{RecentSpan: 16}}
		var seq uint64
		for i := 0; i < len(calls); {
			n := group()
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				w := &writeTx{s: s, tx: tx, seq: seq, committed: seq}
				for ; n > 0 && i < len(calls); n, i = n-1, i+1 {
					for _, ch := range calls[i].changes {
						if err := w.changeIndex(bucketViolIdx, ch[0], ch[1:]); err != nil {
							return err
						}
					}
					w.seq += calls[i].seqs
				}
				seq = w.seq
				return w.finishRecent()
			}))
		}
		var out strings.Builder
		require.NoError(t, db.View(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketMeta, bucketViolIdx, bucketRecent} {
				fmt.Fprintf(&out, "%s:\n", b)
				if err := tx.Bucket(b).ForEach(func(k, v []byte) error {
					fmt.Fprintf(&out, "  %x %x\n", k, v)
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		}))
		return out.String()
	}
	one := dump(func() int { return 1 })
	require.Contains(t, one, "idx_violations:\n  ", "some changes were moved")
	require.Contains(t, one, "idx_recent:\n  ", "some changes wait")
	for try := 0; try < 5; try++ {
		require.Equal(t, one, dump(func() int { return 1 + rng.Intn(40) }))
	}
}
