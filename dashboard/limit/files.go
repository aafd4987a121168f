package limit

// Descriptor headroom kept out of the connection cap: the database, its
// lock and key files, logs, lingering closes, accept's own descriptor.
const (
	MinFileHeadroom = 32
	// DefaultMaxConnsCeiling bounds the derived cap: past it, memory for
	// the connections' buffers, not descriptors, is what runs out.
	DefaultMaxConnsCeiling = 10000
)

// MaxConnsFor returns the default connection cap under a descriptor limit
// of fds: fds less an eighth (at least MinFileHeadroom), at most
// DefaultMaxConnsCeiling, at least 1. fds 0 (unknown) gives the ceiling.
func MaxConnsFor(fds uint64) int {
	if fds == 0 {
		return DefaultMaxConnsCeiling
	}
	room := max(fds/8, MinFileHeadroom)
	if fds <= room {
		return 1
	}
	return int(min(fds-room, DefaultMaxConnsCeiling))
}
