package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// putViolation stores one change a judgement decided: a new violation is
// indexed under its charged agency's chain; a changed one
// whose agency or occurred_at moved (a late event showed who held the
// dossier at the deadline) is moved in the agency index. Roll-up counts
// come from the judgement's deltas, not from here.
func (w *writeTx) putViolation(c *counter.ViolationChange) error {
	v := &c.New
	if c.Old == nil {
		if err := w.indexViolation(v); err != nil {
			return err
		}
	} else if c.Old.Agency != v.Agency || !c.Old.OccurredAt.Equal(v.OccurredAt) {
		if err := w.unindexViolation(c.Old); err != nil {
			return err
		}
		if err := w.indexViolation(v); err != nil {
			return err
		}
	}
	if err := w.countViolation(c); err != nil {
		return err
	}
	if err := w.scoreViolation(c); err != nil {
		return err
	}
	b, err := encodeViolation(v)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bucketViolations).Put([]byte(v.ID), b); err != nil {
		return fmt.Errorf("put violation %s: %w", v.ID, err)
	}
	w.dirty = true
	return nil
}

// unindexViolation removes v from its charged agency's chain.
func (w *writeTx) unindexViolation(v *counter.Violation) error {
	suffix := append(timeKey(v.OccurredAt), v.ID...)
	for _, a := range w.cfg.Ancestors(v.Agency) {
		if err := w.changeIndex(bucketViolIdx, recentDel, join([]byte(a), suffix)); err != nil {
			return fmt.Errorf("unindex violation %s: %w", v.ID, err)
		}
	}
	return nil
}

// indexViolation lists v under every agency of its charged agency's chain,
// by occurred_at. (A dossier's violations need no index: their ids begin
// with its code.)
func (w *writeTx) indexViolation(v *counter.Violation) error {
	suffix := append(timeKey(v.OccurredAt), v.ID...)
	for _, a := range w.cfg.Ancestors(v.Agency) {
		if err := w.changeIndex(bucketViolIdx, recentPut, join([]byte(a), suffix)); err != nil {
			return fmt.Errorf("index violation %s: %w", v.ID, err)
		}
	}
	return nil
}

func getViolation(tx *bolt.Tx, id []byte) (*counter.Violation, error) {
	b := tx.Bucket(bucketViolations).Get(id)
	if b == nil {
		return nil, fmt.Errorf("violation %s is indexed but not stored", id)
	}
	v, err := decodeViolation(id, b)
	if err != nil {
		return nil, fmt.Errorf("violation %s: %w", id, err)
	}
	return v, nil
}

// dossierViolations reads code's violations: their ids begin with the
// code and a slash, so they lie together in the violations bucket (a
// dossier whose code extends this one's with a slash is skipped by its
// dossier field). Databases written before this kept a dossier_violations
// index as well; it is no longer written or read.
func dossierViolations(tx *bolt.Tx, code string) ([]counter.Violation, error) {
	prefix := append([]byte(code), '/')
	out := []counter.Violation{}
	c := tx.Bucket(bucketViolations).Cursor()
	for k, b := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, b = c.Next() {
		v, err := decodeViolation(k, b)
		if err != nil {
			return nil, fmt.Errorf("violation %s: %w", k, err)
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
		var from []byte
		if !f.From.IsZero() {
			from = timeKey(f.From)
		}
		walk := walkNewest(tx, bucketViolIdx, prefix, f.To, after)
		for k := walk.next(); k != nil; k = walk.next() {
			rest := k[len(prefix):]
			if len(rest) < 8 {
				continue
			}
			if from != nil && bytes.Compare(rest[:8], from) < 0 {
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
	return append(timeKey(v.OccurredAt), v.ID...)
}
