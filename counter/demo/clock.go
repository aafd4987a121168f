package demo

import (
	"sync"
	"time"
)

// Clock is the demo's simulated clock, which the store and the server read
// in place of time.Now while a demo runs. Until the simulator sets it, it
// is the wall clock; afterwards it runs from the instant set at Speed times
// the wall clock's pace, and never goes back.
type Clock struct {
	// Wall is the real clock; time.Now when nil.
	Wall func() time.Time

	mu    sync.Mutex
	base  time.Time // simulated instant at wall
	wall  time.Time
	speed float64
	set   bool
}

func (c *Clock) wallNow() time.Time {
	if c.Wall != nil {
		return c.Wall()
	}
	return time.Now()
}

// Now returns the simulated instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	w := c.wallNow()
	if !c.set {
		return w
	}
	return c.base.Add(time.Duration(float64(w.Sub(c.wall)) * c.speed))
}

// Set moves the clock to t, if t is later than now, and makes it run at
// speed from there (0 stops it).
func (c *Clock) Set(t time.Time, speed float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set {
		if now := c.nowLocked(); now.After(t) {
			t = now
		}
	}
	c.base, c.wall, c.speed, c.set = t, c.wallNow(), speed, true
}
