package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// errEnoughProblems stops a walk once maxProblems are listed.
var errEnoughProblems = errors.New("enough problems listed")

// checkViews decodes every record of the derived views and the tokens and
// follows every index entry to the record it names, as the server's reads
// do, and returns up to maxProblems problems. The pages may be sound and the
// chain intact while a record is damaged; this is what verify adds so that
// a file it passes is one a server can read. Replay tells which records
// differ from what the log rebuilds.
func checkViews(tx *bolt.Tx) []string {
	var out []string
	bad := func(bucket []byte, k []byte, format string, args ...any) {
		if len(out) < maxProblems {
			out = append(out, fmt.Sprintf("%s %q: ", bucket, k)+fmt.Sprintf(format, args...))
		}
	}
	has := func(bucket, key []byte) bool { return tx.Bucket(bucket).Get(key) != nil }
	each := func(bucket []byte, fn func(k, v []byte)) {
		if b := tx.Bucket(bucket); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				fn(k, v)
				if len(out) >= maxProblems {
					return errEnoughProblems
				}
				return nil
			})
			if err != nil && !errors.Is(err, errEnoughProblems) {
				bad(bucket, nil, "cannot be read: %v", err)
			}
		}
	}
	decode := func(bucket, k, v []byte, into any) {
		if err := json.Unmarshal(v, into); err != nil {
			bad(bucket, k, "does not decode: %v", err)
		}
	}
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil && !bytes.Equal(b, bucketTokens) {
			return []string{fmt.Sprintf("bucket %s is missing", b)}
		}
	}
	each(bucketDossiers, func(k, v []byte) {
		if err := unmarshalDossierRecord(v, &dossierRecord{}); err != nil {
			bad(bucketDossiers, k, "does not decode: %v", err)
		}
	})
	each(bucketViolations, func(k, v []byte) {
		if _, err := decodeViolation(k, v); err != nil {
			bad(bucketViolations, k, "%v", err)
		}
	})
	each(bucketRollup, func(k, v []byte) { decode(bucketRollup, k, v, &tally{}) })
	each(bucketRollupDay, func(k, v []byte) { decode(bucketRollupDay, k, v, &tally{}) })
	each(bucketDesks, func(k, v []byte) { decode(bucketDesks, k, v, &counter.DeskState{}) })
	each(bucketScoreTracks, func(k, v []byte) {
		if _, err := decodeTrack(v, interner{}); err != nil {
			bad(bucketScoreTracks, k, "does not decode: %v", err)
		}
	})
	each(bucketScoreDays, func(k, v []byte) {
		if err := decodeScoreCounts(v, &scoreCounts{}); err != nil {
			bad(bucketScoreDays, k, "does not decode: %v", err)
		}
	})
	each(bucketTokens, func(k, v []byte) {
		switch {
		case bytes.HasPrefix(k, tokenIDKey("")):
			var t Token
			if err := json.Unmarshal(v, &t); err != nil {
				bad(bucketTokens, k, "does not decode: %v", err)
			} else if id := tx.Bucket(bucketTokens).Get(tokenHashKey(t.Hash)); !bytes.Equal(id, []byte(t.ID)) || !bytes.Equal(k, tokenIDKey(t.ID)) {
				bad(bucketTokens, k, "is not indexed by its hash")
			}
		case bytes.HasPrefix(k, tokenHashKey("")):
			b, err := getToken(tx.Bucket(bucketTokens), string(v))
			if err != nil || !bytes.Equal(k, tokenHashKey(b.Hash)) {
				bad(bucketTokens, k, "names token %q, which is not stored under this hash", v)
			}
		}
	})
	// Indexes name records that exist.
	seqOf := func(bucket []byte) func(k, v []byte) {
		return func(k, v []byte) {
			if !has(bucketLog, v) {
				bad(bucket, k, "names event %x, which is not in the log", v)
			}
		}
	}
	each(bucketEventIDs, seqOf(bucketEventIDs))
	each(bucketDeskLog, seqOf(bucketDeskLog))
	each(bucketDossierLog, func(k, _ []byte) {
		if !has(bucketLog, k[len(k)-8:]) {
			bad(bucketDossierLog, k, "names an event not in the log")
		}
	})
	after := func(k []byte, sep byte) []byte {
		if i := bytes.IndexByte(k, sep); i >= 0 {
			return k[i+1:]
		}
		return nil
	}
	each(bucketAgencyIdx, func(k, _ []byte) {
		if rest := after(k, 0); len(rest) <= 8 || !has(bucketDossiers, rest[8:]) {
			bad(bucketAgencyIdx, k, "names a dossier that is not stored")
		}
	})
	each(bucketViolIdx, func(k, _ []byte) {
		if rest := after(k, 0); len(rest) <= 8 || !has(bucketViolations, rest[8:]) {
			bad(bucketViolIdx, k, "names a violation that is not stored")
		}
	})
	for _, ix := range []struct{ index, records []byte }{{bucketAgencyIdx, bucketDossiers}, {bucketViolIdx, bucketViolations}} {
		forRecent(tx, ix.index, func(k []byte, put bool) {
			if rest := after(k, 0); put && (len(rest) <= 8 || !has(ix.records, rest[8:])) {
				bad(bucketRecent, k, "puts a key into %s that names no stored record", ix.index)
			}
		})
	}
	each(bucketDossierViol, func(k, _ []byte) {
		if rest := after(k, 0); rest == nil || !has(bucketViolations, rest) {
			bad(bucketDossierViol, k, "names a violation that is not stored")
		}
	})
	each(bucketDue, func(k, _ []byte) {
		if !bytes.Equal(tx.Bucket(bucketNext).Get(k[8:]), k[:8]) {
			bad(bucketDue, k, "does not match its next_check entry")
		}
	})
	return out
}
