package store

// SetSweepFault makes every sweep of s fail with f's error while f
// returns one (tests of the sweeper's back-off).
func SetSweepFault(s *Store, f func() error) { s.fault = f }
