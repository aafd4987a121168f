package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// mergeViolations upserts the violations an evaluation returned. A new one
// is stored and counted; a known one whose status, severity or details
// changed is rewritten, keeping its first detection time. Violations the
// evaluation no longer returns stay as they are: nothing raised is lost.
// It returns the new and changed ones.
func (w *writeTx) mergeViolations(dossier string, vs []counter.Violation) ([]counter.Violation, error) {
	vb := w.tx.Bucket(bucketViolations)
	var out []counter.Violation
	for i := range vs {
		v := vs[i]
		var old *counter.Violation
		fp, err := fingerprint(&v)
		if err != nil {
			return nil, err
		}
		if b := vb.Get([]byte(v.ID)); b != nil {
			if len(b) >= 8 && bytes.Equal(b[:8], fp) {
				continue // unchanged: most re-evaluations end here, without decoding
			}
			if old, err = decodeViolation(b); err != nil {
				return nil, fmt.Errorf("violation %s: %w", v.ID, err)
			}
			v.DetectedAt = old.DetectedAt
			v.Agency, v.OccurredAt, v.Code = old.Agency, old.OccurredAt, old.Code // identity is fixed at first detection
			if v.Status == old.Status && v.Severity == old.Severity && reflect.DeepEqual(jsonish(v.Details), jsonish(old.Details)) {
				continue
			}
		} else {
			v.DetectedAt = w.now
			if err := w.indexViolation(dossier, &v); err != nil {
				return nil, err
			}
		}
		if err := w.recount(old, &v); err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode violation %s: %w", v.ID, err)
		}
		if err := vb.Put([]byte(v.ID), append(fp, b...)); err != nil {
			return nil, fmt.Errorf("put violation %s: %w", v.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// jsonish normalises details through JSON so that stored and fresh maps
// compare equal (numbers decode as float64).
func jsonish(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// recount moves v's weight in the roll-up from old (nil if new) to v.
func (w *writeTx) recount(old, v *counter.Violation) error {
	if old != nil && old.Counts() {
		if err := w.countViolation(old, -1); err != nil {
			return err
		}
	}
	if v.Counts() {
		if err := w.countViolation(v, +1); err != nil {
			return err
		}
	}
	if openOverdue(old) {
		if err := w.countOverdueOpen(old, -1); err != nil {
			return err
		}
	}
	if openOverdue(v) {
		if err := w.countOverdueOpen(v, +1); err != nil {
			return err
		}
	}
	return nil
}

// indexViolation lists v under every agency of its charged agency's chain,
// newest first, and under its dossier.
func (w *writeTx) indexViolation(dossier string, v *counter.Violation) error {
	ib := w.tx.Bucket(bucketViolIdx)
	suffix := append(invTimeKey(v.OccurredAt), v.ID...)
	for _, a := range w.cfg.Ancestors(v.Agency) {
		if err := ib.Put(join([]byte(a), suffix), nil); err != nil {
			return fmt.Errorf("index violation %s: %w", v.ID, err)
		}
	}
	if dossier != "" {
		if err := w.tx.Bucket(bucketDossierViol).Put(join([]byte(dossier), []byte(v.ID)), nil); err != nil {
			return fmt.Errorf("index violation %s: %w", v.ID, err)
		}
	}
	return nil
}

// Stored violations are an 8-byte fingerprint of what re-evaluation may
// change (status, severity, details) followed by the violation's JSON.
func fingerprint(v *counter.Violation) ([]byte, error) {
	b, err := json.Marshal([]any{v.Status, v.Severity, v.Details})
	if err != nil {
		return nil, fmt.Errorf("fingerprint violation %s: %w", v.ID, err)
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum(nil), nil
}

func decodeViolation(b []byte) (*counter.Violation, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("stored violation too short")
	}
	var v counter.Violation
	if err := json.Unmarshal(b[8:], &v); err != nil {
		return nil, fmt.Errorf("decode violation: %w", err)
	}
	return &v, nil
}

func getViolation(tx *bolt.Tx, id []byte) (*counter.Violation, error) {
	b := tx.Bucket(bucketViolations).Get(id)
	if b == nil {
		return nil, fmt.Errorf("violation %s is indexed but not stored", id)
	}
	v, err := decodeViolation(b)
	if err != nil {
		return nil, fmt.Errorf("violation %s: %w", id, err)
	}
	return v, nil
}

func dossierViolations(tx *bolt.Tx, code string) ([]counter.Violation, error) {
	prefix := append([]byte(code), 0)
	out := []counter.Violation{}
	c := tx.Bucket(bucketDossierViol).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		v, err := getViolation(tx, k[len(prefix):])
		if err != nil {
			return nil, err
		}
		if v.Dossier != code {
			continue
		}
		out = append(out, *v)
	}
	return out, nil
}

// Default and maximum page sizes of the list reads.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func pageLimit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	if n > MaxLimit {
		return MaxLimit
	}
	return n
}

func badCursor() error {
	return counter.Errorf(counter.CodeInvalidParam, "cursor", "invalid cursor", "con trỏ phân trang không hợp lệ")
}

func decodeCursor(c string) ([]byte, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 8 {
		return nil, badCursor()
	}
	return b, nil
}

// FindViolations implements counter.Ledger.
func (s *Store) FindViolations(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error) {
	if s.cfg.Agency(f.Agency) == nil {
		return nil, "", counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", f.Agency)
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	out := []counter.Violation{}
	var next string
	err = s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(f.Agency), 0)
		c := tx.Bucket(bucketViolIdx).Cursor()
		start := prefix
		if !f.To.IsZero() {
			start = append(cp(prefix), invTimeKey(f.To)...)
		}
		if after != nil {
			if a := append(cp(prefix), after...); bytes.Compare(a, start) > 0 {
				start = a
			}
		}
		k, _ := c.Seek(start)
		if after != nil && k != nil && bytes.Equal(k[len(prefix):], after) {
			k, _ = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			rest := k[len(prefix):]
			if len(rest) < 8 {
				continue
			}
			if !f.From.IsZero() && bytes.Compare(rest[:8], invTimeKey(f.From)) > 0 {
				break
			}
			v, err := getViolation(tx, rest[8:])
			if err != nil {
				return err
			}
			if (f.Code != "" && v.Code != f.Code) || (f.Severity != "" && v.Severity != f.Severity) ||
				(f.Status != "" && v.Status != f.Status) || (f.Dossier != "" && v.Dossier != f.Dossier) {
				continue
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(lastKey(out, prefix))
				break
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, next, err
}

func lastKey(vs []counter.Violation, _ []byte) []byte {
	v := vs[len(vs)-1]
	return append(invTimeKey(v.OccurredAt), v.ID...)
}
