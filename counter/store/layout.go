package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// keyIndexOrder in meta says how the time indexes (idx_agency,
// idx_violations) order instants: "asc" since they hold them ascending.
// Earlier builds held them inverted (newest first), which split their
// pages a tenth full: each range grew at its front, and bbolt leaves the
// piece after the split point untouched forever.
var (
	keyIndexOrder  = []byte("index_order")
	ascendingOrder = []byte("asc")
)

// timeIndexes are the indexes keyed agency 0 instant ‖ name.
var timeIndexes = [][]byte{bucketAgencyIdx, bucketViolIdx}

// upgradeIndexOrder brings a database's time indexes to ascending
// instants, in tx: a new database is marked, an older one has every key
// of both indexes rewritten (the same entries, the instant's bits
// inverted back). It returns the number of keys rewritten.
func upgradeIndexOrder(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if bytes.Equal(meta.Get(keyIndexOrder), ascendingOrder) {
		return 0, nil
	}
	n := 0
	for _, name := range timeIndexes {
		if k, _ := tx.Bucket(name).Cursor().First(); k == nil {
			continue // a new database: nothing to rewrite
		}
		m, err := reverseTimes(tx, name)
		if err != nil {
			return 0, fmt.Errorf("upgrade %s: %w", name, err)
		}
		n += m
	}
	if err := meta.Put(keyIndexOrder, ascendingOrder); err != nil {
		return 0, fmt.Errorf("upgrade index order: %w", err)
	}
	return n, nil
}

// reverseTimes rewrites bucket name's keys agency 0 ^instant ‖ rest as
// agency 0 instant ‖ rest. Each agency's range is read backwards, so the
// new keys are written in ascending order into full pages.
func reverseTimes(tx *bolt.Tx, name []byte) (int, error) {
	tmpName := append(cp(name), '~') // lives only inside tx
	tmp, err := tx.CreateBucket(tmpName)
	if err != nil {
		return 0, err
	}
	tmp.FillPercent = 1
	c := tx.Bucket(name).Cursor()
	n := 0
	for k, _ := c.First(); k != nil; {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return 0, fmt.Errorf("key %q has no agency", k)
		}
		prefix := cp(k[:i+1])
		for e := newestFirst(c, prefix, time.Time{}, nil); e != nil && bytes.HasPrefix(e, prefix); e, _ = c.Prev() {
			rest := e[len(prefix):]
			if len(rest) < 8 {
				return 0, fmt.Errorf("key %q is too short", e)
			}
			nk := append(append(cp(prefix), u64(math.MaxUint64-beUint(rest[:8]))...), rest[8:]...)
			if err := tmp.Put(nk, nil); err != nil {
				return 0, err
			}
			n++
		}
		k, _ = c.Seek(append(cp(k[:i]), 1)) // the next agency's range
	}
	if err := tx.DeleteBucket(name); err != nil {
		return 0, err
	}
	nb, err := tx.CreateBucket(name)
	if err != nil {
		return 0, err
	}
	nb.FillPercent = 1
	if err := tmp.ForEach(func(k, _ []byte) error { return nb.Put(k, nil) }); err != nil {
		return 0, err
	}
	return n, tx.DeleteBucket(tmpName)
}

// keyRecordForm in meta is "compact" once the dossier states and the
// violations are all in the compact forms (dossier_codec.go,
// violation_codec.go) and dossier_violations is no longer kept, as replay
// builds them: a database of an earlier build has them rewritten once, so
// that `motcua replay` still finds its views equal byte for byte.
var (
	keyRecordForm = []byte("record_form")
	compactForm   = []byte("compact")
)

// upgradeRecordForm rewrites, in tx, the JSON records of an earlier build
// in the compact forms, keeping each violation's details as they were
// encoded, and empties dossier_violations. It returns the records
// rewritten.
func upgradeRecordForm(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if bytes.Equal(meta.Get(keyRecordForm), compactForm) {
		return 0, nil
	}
	n, err := rewriteValues(tx.Bucket(bucketDossiers), func(k, v []byte) ([]byte, error) {
		if len(v) == 0 || v[0] != '{' {
			return nil, nil
		}
		var r dossierRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("dossier %s: %w", k, err)
		}
		return writeDossierRecord(&r), nil
	})
	if err != nil {
		return 0, fmt.Errorf("upgrade dossiers: %w", err)
	}
	m, err := rewriteValues(tx.Bucket(bucketViolations), func(k, v []byte) ([]byte, error) {
		if len(v) < 9 || v[8] != '{' {
			return nil, nil
		}
		var old struct {
			counter.Violation
			Details json.RawMessage `json:"details"`
		}
		if err := json.Unmarshal(v[8:], &old); err != nil {
			return nil, fmt.Errorf("violation %s: %w", k, err)
		}
		details := []byte(old.Details)
		if len(details) == 0 || string(details) == "null" {
			details = nil
		}
		return encodeViolationDetails(&old.Violation, details), nil
	})
	if err != nil {
		return 0, fmt.Errorf("upgrade violations: %w", err)
	}
	n += m
	if k, _ := tx.Bucket(bucketDossierViol).Cursor().First(); k != nil {
		if err := tx.DeleteBucket(bucketDossierViol); err != nil {
			return 0, fmt.Errorf("upgrade: %w", err)
		}
		if _, err := tx.CreateBucket(bucketDossierViol); err != nil {
			return 0, fmt.Errorf("upgrade: %w", err)
		}
	}
	if err := meta.Put(keyRecordForm, compactForm); err != nil {
		return 0, fmt.Errorf("upgrade record form: %w", err)
	}
	return n, nil
}

// rewriteValues replaces the value of each key of b for which f returns
// one (nil: keep it), after reading them all, since bbolt's cursor must
// not see its bucket change under it. It returns the values replaced.
func rewriteValues(b *bolt.Bucket, f func(k, v []byte) ([]byte, error)) (int, error) {
	type record struct{ k, v []byte }
	var out []record
	if err := b.ForEach(func(k, v []byte) error {
		nv, err := f(k, v)
		if nv != nil {
			out = append(out, record{cp(k), nv})
		}
		return err
	}); err != nil {
		return 0, err
	}
	for _, r := range out {
		if err := b.Put(r.k, r.v); err != nil {
			return 0, fmt.Errorf("rewrite %s: %w", r.k, err)
		}
	}
	return len(out), nil
}
