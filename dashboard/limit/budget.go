package limit

import "sync/atomic"

// Budget caps the request-body bytes held in memory at once, across all
// requests. It is safe for concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of max bytes; max ≤ 0 means no cap.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// TryAcquire takes n bytes from the budget and reports whether they were
// there; it never waits. A taker must Release what it took.
func (b *Budget) TryAcquire(n int64) bool {
	if b.max <= 0 {
		b.used.Add(n)
		return true
	}
	for {
		u := b.used.Load()
		if u+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// Release gives back n bytes taken with TryAcquire.
func (b *Budget) Release(n int64) { b.used.Add(-n) }

// Used returns the bytes taken now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Max returns the budget's size; 0 means no cap.
func (b *Budget) Max() int64 { return max(b.max, 0) }
