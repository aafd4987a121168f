package store

import (
	"time"

	"github.com/motcua/motcua/counter"
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
