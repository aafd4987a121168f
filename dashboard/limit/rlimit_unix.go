//go:build unix

package limit

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises the soft limit on open descriptors
// (RLIMIT_NOFILE) to the hard limit and returns both. Go's runtime already
// does so at start on most systems; doing it here as well makes the value
// the caps are derived from explicit and logged.
func RaiseFileLimit() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, fmt.Errorf("getrlimit NOFILE: %w", err)
	}
	if r.Cur < r.Max {
		want := r
		want.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return uint64(r.Cur), uint64(r.Max), fmt.Errorf("raise NOFILE soft limit %d to %d: %w", r.Cur, r.Max, err)
		}
		r = want
	}
	return uint64(r.Cur), uint64(r.Max), nil
}
