package store

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. The layout is described in doc.go.
var (
	bucketMeta        = []byte("meta")
	bucketLog         = []byte("log")
	bucketEventIDs    = []byte("event_ids")
	bucketDossiers    = []byte("dossiers")
	bucketDossierLog  = []byte("dossier_events")
	bucketAgencyIdx   = []byte("idx_agency")
	bucketDue         = []byte("idx_due")
	bucketNext        = []byte("next_check")
	bucketViolations  = []byte("violations")
	bucketViolIdx     = []byte("idx_violations")
	bucketDossierViol = []byte("dossier_violations")
	bucketRollup      = []byte("rollup")
	bucketRollupDay   = []byte("rollup_day")
	bucketClocks      = []byte("clock_counts")
	bucketDesks       = []byte("desks")
	bucketDeskLog     = []byte("desk_events")
	bucketBatches     = []byte("batch_ends")
	bucketSweeps      = []byte("sweeps")
	bucketStats       = []byte("stats")        // counters for the metrics (stats.go)
	bucketTokens      = []byte("tokens")       // API tokens by hash; not derived from the log
	bucketSync        = []byte("sync_groups")  // national-sync records by dossier (sync.go); input, not derived
	bucketScoreTracks = []byte("score_tracks") // scorecards: each dossier's states over time (scoretrack.go)
	bucketScoreDays   = []byte("score_days")   // scorecards: counts by agency and day (scoretrack.go)

	derivedBuckets = [][]byte{bucketDossiers, bucketDossierLog, bucketAgencyIdx, bucketDue, bucketNext,
		bucketViolations, bucketViolIdx, bucketDossierViol, bucketRollup, bucketRollupDay, bucketClocks,
		bucketDesks, bucketDeskLog, bucketStats, bucketScoreTracks, bucketScoreDays, bucketRecent}
	allBuckets = append([][]byte{bucketMeta, bucketLog, bucketEventIDs, bucketBatches, bucketSweeps, bucketTokens, bucketSync, bucketCodes}, derivedBuckets...)

	keySeq   = []byte("seq")
	keyHead  = []byte("head")
	keySwept = []byte("swept")
	// keyKeyCheck holds a fingerprint of the key file's secret (secret.go).
	keyKeyCheck = []byte("key_check")
)

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// timeKey encodes t as 8 big-endian bytes of Unix nanoseconds, which sort
// as times do for t after 1970 (bbolt README, "Range scans").
func timeKey(t time.Time) []byte {
	n := t.UnixNano()
	if n < 0 {
		n = 0
	}
	return u64(uint64(n))
}

// newestFirst positions c on the newest key of one agency's range of a
// time index (prefix is "agency 0"; keys are prefix ‖ instant ‖ name, in
// ascending time so that each range grows at its end and its pages split
// nearly full) that lies before after (a key's rest, exclusive) and at or
// before to (zero: no bound). Walk on with c.Prev while the key has the
// prefix; it returns nil when the range has no such key.
func newestFirst(c *bolt.Cursor, prefix []byte, to time.Time, after []byte) []byte {
	k, _ := c.Seek(newestBound(prefix, to, after))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil
	}
	return k
}

// newestBound is the smallest key past those newestFirst walks.
func newestBound(prefix []byte, to time.Time, after []byte) []byte {
	bound := append(cp(prefix[:len(prefix)-1]), prefix[len(prefix)-1]+1) // just past the range
	if !to.IsZero() {
		bound = append(cp(prefix), timeKey(to.Add(time.Nanosecond))...)
	}
	if after != nil {
		if a := append(cp(prefix), after...); bytes.Compare(a, bound) < 0 {
			bound = a
		}
	}
	return bound
}

func keyTime(b []byte) time.Time { return time.Unix(0, int64(binary.BigEndian.Uint64(b))) }

func join(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0)
		}
		out = append(out, p...)
	}
	return out
}

func cp(b []byte) []byte { return append([]byte(nil), b...) }

func beUint(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}
