package store

import "github.com/motcua/motcua/counter"

// SetSweepFault makes every sweep of s fail with f's error while f
// returns one (tests of the sweeper's back-off).
func SetSweepFault(s *Store, f func() error) { s.fault = f }

// EncodeTrack and DecodeTrack are the score_tracks codec (scoretrack.go).
func EncodeTrack(tr counter.ScoreTrack) []byte { return encodeTrack(tr) }

func DecodeTrack(b []byte) (counter.ScoreTrack, error) { return decodeTrack(b, interner{}) }
