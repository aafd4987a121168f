package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// Verification is the result of walking the hash chain.
type Verification struct {
	OK     bool   `json:"ok"`
	Events uint64 `json:"events"`
	Head   string `json:"head"`
	// BrokenAt is the seq of the first event whose link does not hold.
	BrokenAt uint64 `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Warnings are what the page check found odd but readable (VerifyFile).
	Warnings []string `json:"-"`
	// Views are damaged records of the derived views and tokens: records
	// that do not decode, index entries naming nothing (VerifyFile).
	Views []string `json:"-"`
}

// Verify walks the whole log and checks that each event carries the hash
// of the one before it and that the last hash is the recorded head.
func (s *Store) Verify() (*Verification, error) {
	var v *Verification
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = verifyTx(tx)
		return err
	})
	return v, err
}

// VerifyFile verifies the database at path without opening a Store: first
// its pages (CheckFile, then bbolt's own Tx.Check), then the hash chain. A
// damaged file is an error wrapping ErrCorrupt; a broken chain is a
// Verification that is not OK; damaged derived records are listed in
// Views. Warnings carries what CheckFile found odd
// but readable, such as a damaged meta page.
func VerifyFile(path string) (*Verification, error) {
	fc, err := CheckFile(path)
	if err != nil {
		return nil, err
	}
	if fc.Pages == 0 {
		return nil, fmt.Errorf("%s is empty: not a motcua database", path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2e9})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var v *Verification
	err = db.View(func(tx *bolt.Tx) error {
		var problems []string
		for err := range tx.Check() { // drain: Check's goroutine sends every error
			if len(problems) < maxProblems {
				problems = append(problems, "bbolt check: "+err.Error())
			}
		}
		if len(problems) > 0 {
			return &CorruptError{Path: path, Problems: problems}
		}
		var err error
		if v, err = verifyTx(tx); err != nil {
			return err
		}
		v.Views = checkViews(tx)
		return nil
	})
	if v != nil {
		v.Warnings = fc.Warnings
	}
	return v, err
}

func verifyTx(tx *bolt.Tx) (*Verification, error) {
	v := &Verification{OK: true}
	lb, meta := tx.Bucket(bucketLog), tx.Bucket(bucketMeta)
	if lb == nil || meta == nil {
		return nil, fmt.Errorf("not a motcua database: no log")
	}
	var prev, before []byte // the hashes of the last two events checked
	var want uint64 = 1
	c := lb.Cursor()
	for k, b := c.First(); k != nil; k, b = c.Next() {
		if len(k) != 8 {
			return nil, fmt.Errorf("log key %x is not a sequence number: %w", k, ErrCorrupt)
		}
		seq := binary.BigEndian.Uint64(k)
		fail := func(reason string) (*Verification, error) {
			v.OK, v.BrokenAt, v.Reason, v.Head = false, seq, reason, hex.EncodeToString(prev)
			return v, nil
		}
		if seq != want {
			return fail(fmt.Sprintf("event %d is missing", want))
		}
		want++
		var e counter.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return fail("event does not decode: " + err.Error())
		}
		if e.Seq != seq {
			return fail(fmt.Sprintf("event carries seq %d", e.Seq))
		}
		if e.PrevHash != hex.EncodeToString(prev) {
			// Either the event before was altered or this one's prev_hash
			// was. If this event still hashes to what its successor (or the
			// head) records, it is intact: blame the one before.
			if seq > 1 && intact(tx, seq, e) {
				v.OK, v.BrokenAt, v.Head = false, seq-1, hex.EncodeToString(before)
				v.Events--
				v.Reason = fmt.Sprintf("event %d was altered: it no longer hashes to the prev_hash event %d carries", seq-1, seq)
				return v, nil
			}
			return fail("prev_hash does not match the hash of the event before it")
		}
		sum, err := eventHash(prev, e)
		if err != nil {
			return nil, err
		}
		before, prev = prev, sum
		v.Events++
	}
	v.Head = hex.EncodeToString(prev)
	if head := meta.Get(keyHead); !bytes.Equal(head, prev) && !(len(head) == 0 && len(prev) == 0) {
		v.OK, v.BrokenAt, v.Reason = false, v.Events, "the last event's hash is not the recorded head"
	}
	return v, nil
}

// intact reports whether e, the event at seq, hashes (from the prev_hash it
// carries) to the prev_hash of the event after it, or to the head when it
// is the last.
func intact(tx *bolt.Tx, seq uint64, e counter.Event) bool {
	claimed, err := hex.DecodeString(e.PrevHash)
	if err != nil {
		return false
	}
	sum, err := eventHash(claimed, e)
	if err != nil {
		return false
	}
	next := tx.Bucket(bucketLog).Get(u64(seq + 1))
	if next == nil {
		return bytes.Equal(tx.Bucket(bucketMeta).Get(keyHead), sum)
	}
	var n counter.Event
	if err := json.Unmarshal(next, &n); err != nil {
		return false
	}
	return n.PrevHash == hex.EncodeToString(sum)
}
