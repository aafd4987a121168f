package mock

import (
	"sync"

	"github.com/motcua/motcua/counter"
)

var _ counter.Publisher = (*Publisher)(nil)

// Publisher is a counter.Publisher that records every change it receives,
// then calls PublishFn when it is set. It is safe for concurrent use.
type Publisher struct {
	PublishFn func(counter.Change)

	mu      sync.Mutex
	changes []counter.Change
}

// Publish records c and calls PublishFn if set.
func (p *Publisher) Publish(c counter.Change) {
	p.mu.Lock()
	p.changes = append(p.changes, c)
	p.mu.Unlock()
	if p.PublishFn != nil {
		p.PublishFn(c)
	}
}

// Changes returns a copy of the changes published so far, oldest first.
func (p *Publisher) Changes() []counter.Change {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]counter.Change(nil), p.changes...)
}
