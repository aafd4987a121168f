package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The national-sync feed (counter/dvcqg) folds each dossier's records in
// the order they arrived, so it keeps them: one JSON document per group of
// records, newline-separated, under the dossier's code in bucket
// sync_groups. They are input, like the log, and not rebuilt by replay.

// SyncGroups returns the stored groups of each of codes, oldest first.
func (s *Store) SyncGroups(codes []string) (map[string][][]byte, error) {
	out := make(map[string][][]byte, len(codes))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSync)
		for _, code := range codes {
			v := b.Get([]byte(code))
			if v == nil {
				continue
			}
			for _, line := range bytes.Split(v, []byte{'\n'}) {
				if len(line) > 0 {
					out[code] = append(out[code], bytes.Clone(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sync groups: %w", err)
	}
	return out, nil
}

// AppendSyncGroups appends one group (a JSON document without newlines)
// to each dossier's stored groups, in one durable transaction.
func (s *Store) AppendSyncGroups(groups map[string][]byte) error {
	if len(groups) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSync)
		for code, g := range groups {
			if bytes.IndexByte(g, '\n') >= 0 {
				return fmt.Errorf("sync group of %s spans lines", code)
			}
			v := append(bytes.Clone(b.Get([]byte(code))), g...)
			if err := b.Put([]byte(code), append(v, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append sync groups: %w", err)
	}
	return nil
}

// Seq returns the sequence number of the last event recorded (0 for an
// empty log). An offline import, the only writer, counts what it added by it.
func (s *Store) Seq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySeq); len(v) == 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return seq, err
}
