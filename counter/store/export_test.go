package store

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// SetSweepFault makes every sweep of s fail with f's error while f
// returns one (tests of the sweeper's back-off).
func SetSweepFault(s *Store, f func() error) { s.fault = f }

// SweepAsBefore sweeps what is due by now as the store did before shifts
// ended at closing time: no closing is recorded (a log written then).
func SweepAsBefore(s *Store, now time.Time) error {
	_, err := s.sweepChunkLoop(now)
	return err
}

// EncodeTrack and DecodeTrack are the score_tracks codec (scoretrack.go).
func EncodeTrack(tr counter.ScoreTrack) []byte { return encodeTrack(tr) }

func DecodeTrack(b []byte) (counter.ScoreTrack, error) { return decodeTrack(b, interner{}) }

// WriteAsBefore rewrites db's dossier states and violations as JSON, as
// builds before the compact forms stored them (each violation's details
// kept as encoded), lists each dossier's violations in
// dossier_violations, and removes the record_form mark.
func WriteAsBefore(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		if _, err := rewriteValues(tx.Bucket(bucketDossiers), func(k, v []byte) ([]byte, error) {
			var r dossierRecord
			if err := unmarshalDossierRecord(v, &r); err != nil {
				return nil, err
			}
			return json.Marshal(&r)
		}); err != nil {
			return err
		}
		if _, err := rewriteValues(tx.Bucket(bucketViolations), func(k, v []byte) ([]byte, error) {
			c, err := readCompactViolation(v, len(k))
			if err != nil {
				return nil, err
			}
			d, err := decodeViolation(k, v)
			if err != nil {
				return nil, err
			}
			d.Details = nil
			b, err := json.Marshal(struct {
				*counter.Violation
				Details json.RawMessage `json:"details,omitempty"`
			}{d, c.details})
			if err != nil {
				return nil, err
			}
			if d.Dossier != "" {
				if err := tx.Bucket(bucketDossierViol).Put(join([]byte(d.Dossier), k), nil); err != nil {
					return nil, err
				}
			}
			return append(append([]byte(nil), v[:8]...), b...), nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyRecordForm)
	})
}

// RecordRolledBack records events in a write transaction, reads their
// dossiers' histories as a later call in it would, and rolls it back: the
// seqs it used are written again by the next commit.
func RecordRolledBack(s *Store, events []counter.Event) error {
	errRollback := errors.New("rolled back")
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWriteTx(s, tx, s.opts.Now())
		if _, _, err := w.record(events, nil); err != nil {
			return err
		}
		for _, e := range events {
			if _, err := w.history(e.Dossier); err != nil {
				return err
			}
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}
