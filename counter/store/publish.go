package store

import (
	"sync"

	"github.com/motcua/motcua/counter"
)

// publisher hands commits' changes to counter.Publisher in commit order,
// on a goroutine of its own, so that the writer can begin the next commit
// while the boards and metrics take the last one (encoding the messages of
// a commit for every board took as long as a tenth of the writer's time).
// A commit's callers are answered after its change is published, as
// before: a client that got its 2xx finds its change on the boards.
type publisher struct {
	pub  counter.Publisher
	q    chan publication
	done chan struct{}

	mu     sync.Mutex // guards closed and sends on q
	closed bool
}

// publication is one commit's change, and what to do once it is published.
type publication struct {
	change counter.Change
	then   func()
}

func newPublisher(pub counter.Publisher) *publisher {
	p := &publisher{pub: pub, q: make(chan publication, 16), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *publisher) run() {
	defer close(p.done)
	for x := range p.q {
		p.deliver(x)
	}
}

func (p *publisher) deliver(x publication) {
	c := x.change
	if p.pub != nil && (len(c.Dossiers) > 0 || len(c.Violations) > 0 || len(c.Rollup) > 0) {
		p.pub.Publish(c)
	}
	if x.then != nil {
		x.then()
	}
}

// send queues a publication. Callers hold commitMu, so the queue is in
// commit order. After close, it is delivered at once.
func (p *publisher) send(x publication) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.deliver(x)
		return
	}
	p.q <- x
}

// publish delivers c after every earlier publication and returns once it
// is delivered.
func (p *publisher) publish(c counter.Change) {
	done := make(chan struct{})
	p.send(publication{change: c, then: func() { close(done) }})
	<-done
}

// close delivers what is queued and stops the goroutine.
func (p *publisher) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.q)
	}
	p.mu.Unlock()
	<-p.done
}
