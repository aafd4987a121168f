//go:build !unix

package limit

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE; it returns
// 0, 0 (unknown).
func RaiseFileLimit() (soft, hard uint64, err error) { return 0, 0, nil }
