package limit

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of the Listener's tunables.
const (
	// DefaultLingerTimeout is how long a connection closed with
	// LingerOnClose keeps reading what its client still sends.
	DefaultLingerTimeout = 2 * time.Second
	// DefaultLingerBytes bounds what a lingering connection reads.
	DefaultLingerBytes = 4 << 20
	// MaxAcceptDelay is the longest back-off after a failed accept.
	MaxAcceptDelay = time.Second
	// maxFreedInARow bounds the accepts retried at once after freeing a
	// descriptor, should the descriptor go elsewhere.
	maxFreedInARow = 8
	// warnEvery spaces the warnings about a limit being hit.
	warnEvery = 10 * time.Second
)

// State is what a connection is doing, as far as limits care.
type State int

// States of a connection; see the package comment.
const (
	StateWaiting State = iota
	StateReading
	StateHandling
	StateWriting
	StateHijacked
	stateLingering
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case StateWaiting:
		return "waiting"
	case StateReading:
		return "reading"
	case StateHandling:
		return "handling"
	case StateWriting:
		return "writing"
	case StateHijacked:
		return "hijacked"
	case stateLingering:
		return "lingering"
	}
	return "unknown"
}

// Stats counts what a Listener did.
type Stats struct {
	// Conns is the number of connections open now (lingering ones included).
	Conns int
	// Accepted, Evicted and Refused count connections since the start:
	// handed to the server, closed to make room, closed at once because
	// nothing could make room.
	Accepted, Evicted, Refused uint64
	// AcceptErrors counts failed accepts that were retried.
	AcceptErrors uint64
}

// Listener wraps a net.Listener with connection caps. Set the exported
// fields before the first Accept.
type Listener struct {
	// MaxConns caps the open connections; 0 means no cap.
	MaxConns int
	// MaxConnsPerAddr caps the open connections of one client address (an
	// IPv4 address or an IPv6 /64); 0 means no cap.
	MaxConnsPerAddr int
	// LingerTimeout and LingerBytes bound the lingering close; zero means
	// the Default constants.
	LingerTimeout time.Duration
	LingerBytes   int64
	// Logger receives a warning, at most every 10 s per kind, when a cap is
	// hit or accept fails; slog.Default() when nil.
	Logger *slog.Logger

	ln   net.Listener
	done chan struct{}
	once sync.Once

	mu    sync.Mutex
	n     int
	addrs map[string]*addrConns
	// byWaiting[k] holds the addresses with k connections waiting on
	// their client (k ≥ 1); maxWaiting is the highest such k.
	byWaiting  map[int]map[*addrConns]struct{}
	maxWaiting int
	lastWarn   map[string]time.Time

	accepted, evicted, refused, acceptErrors atomic.Uint64
}

type addrConns struct {
	n     int
	queue queue // its connections waiting on their client, oldest first
	len   int   // of queue
}

// NewListener wraps ln; maxConns and maxPerAddr are the caps (0: none).
func NewListener(ln net.Listener, maxConns, maxPerAddr int) *Listener {
	return &Listener{MaxConns: maxConns, MaxConnsPerAddr: maxPerAddr, ln: ln, done: make(chan struct{}),
		addrs: map[string]*addrConns{}, byWaiting: map[int]map[*addrConns]struct{}{}, lastWarn: map[string]time.Time{}}
}

// Addr returns the address of the wrapped listener.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close closes the wrapped listener; open connections stay open.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.ln.Close()
}

// Stats returns the listener's counts.
func (l *Listener) Stats() Stats {
	l.mu.Lock()
	n := l.n
	l.mu.Unlock()
	return Stats{Conns: n, Accepted: l.accepted.Load(), Evicted: l.evicted.Load(),
		Refused: l.refused.Load(), AcceptErrors: l.acceptErrors.Load()}
}

// Accept returns the next connection that fits the caps, making room by
// evicting the oldest connection that waits on its client. A failed
// accept that may succeed later (out of descriptors or buffers, an aborted
// handshake) is retried with back-off from 5 ms to 1 s; out of descriptors,
// it first evicts a waiting connection and retries at once. Accept returns an error only once the
// listener is closed or for an error no retry can cure.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	freedInARow := 0
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !temporary(err) {
				return nil, err
			}
			l.acceptErrors.Add(1)
			freed := false
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				freed = l.evictOldest()
			}
			if freed && freedInARow < maxFreedInARow {
				// The descriptor just freed lets the next accept succeed:
				// retrying at once keeps the backlog moving (an honest
				// client's connection may be queued behind a flood).
				freedInARow++
				l.warn("accept", "accept failed; closed a waiting connection to free a descriptor",
					"err", err.Error(), "conns", l.Stats().Conns)
				continue
			}
			freedInARow = 0
			delay = min(max(2*delay, 5*time.Millisecond), MaxAcceptDelay)
			l.warn("accept", "accept failed; retrying", "err", err.Error(), "retry_in", delay,
				"evicted_one", freed, "conns", l.Stats().Conns)
			t := time.NewTimer(delay)
			select {
			case <-l.done:
				t.Stop()
				return nil, net.ErrClosed
			case <-t.C:
			}
			continue
		}
		delay, freedInARow = 0, 0
		if c := l.admit(nc); c != nil {
			l.accepted.Add(1)
			return c, nil
		}
	}
}

// temporary reports whether a failed accept may succeed if retried.
func temporary(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// admit registers nc, evicting a waiting connection if a cap requires it;
// it returns nil after refusing nc.
func (l *Listener) admit(nc net.Conn) *Conn {
	c := &Conn{Conn: nc, l: l, key: addrKey(nc.RemoteAddr())}
	l.mu.Lock()
	a := l.addrs[c.key]
	if a == nil {
		a = &addrConns{}
		l.addrs[c.key] = a
	}
	var victim *Conn
	kind := ""
	switch {
	case l.MaxConnsPerAddr > 0 && a.n >= l.MaxConnsPerAddr:
		// Room for an address comes only from that address.
		victim, kind = a.queue.front, "per_addr"
	case l.MaxConns > 0 && l.n >= l.MaxConns:
		victim, kind = l.victim(), "total"
	}
	if kind != "" && victim == nil {
		if a.n == 0 {
			delete(l.addrs, c.key)
		}
		l.mu.Unlock()
		l.refused.Add(1)
		l.warn("refuse_"+kind, "connection refused: cap reached and every connection busy",
			"cap", kind, "addr", c.key, "max_conns", l.MaxConns, "max_conns_per_addr", l.MaxConnsPerAddr)
		refuse(nc)
		return nil
	}
	if victim != nil {
		l.detach(victim)
	}
	l.n++
	a.n++
	c.setStateLocked(StateWaiting)
	l.mu.Unlock()
	if victim != nil {
		l.evicted.Add(1)
		l.warn("evict_"+kind, "connection cap reached: closing the oldest connection waiting on its client",
			"cap", kind, "addr", c.key, "max_conns", l.MaxConns, "max_conns_per_addr", l.MaxConnsPerAddr)
		victim.Conn.Close()
	}
	return c
}

// evictOldest closes the oldest waiting connection, to free a descriptor.
func (l *Listener) evictOldest() bool {
	l.mu.Lock()
	v := l.victim()
	if v != nil {
		l.detach(v)
	}
	l.mu.Unlock()
	if v == nil {
		return false
	}
	l.evicted.Add(1)
	v.Conn.Close()
	return true
}

// refusal is what a refused connection gets, written without waiting: a
// client whose request has not been sent yet may still read it.
var refusal = func() []byte {
	body := `{"error":{"code":"too_many_requests","message":"too many connections; retry later",` +
		`"message_vi":"quá nhiều kết nối; vui lòng thử lại sau"}}`
	return fmt.Appendf(nil, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"+
		"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

func refuse(nc net.Conn) {
	nc.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
	nc.Write(refusal)
	nc.Close()
}

// detach removes c from the counts and queues; l.mu must be held.
func (l *Listener) detach(c *Conn) {
	if c.detached {
		return
	}
	c.detached = true
	l.dequeue(c)
	l.n--
	if a := l.addrs[c.key]; a != nil {
		a.n--
		if a.n == 0 {
			delete(l.addrs, c.key)
		}
	}
}

// victim returns the connection to evict for room: the oldest waiting
// one of the address with the most connections waiting, so that a flood
// from a few addresses evicts its own and a client that sends its request
// at once is not evicted before the server reads it. l.mu must be held.
func (l *Listener) victim() *Conn {
	for a := range l.byWaiting[l.maxWaiting] {
		return a.queue.front
	}
	return nil
}

func (l *Listener) enqueue(c *Conn, front bool) {
	a := l.addrs[c.key]
	if front {
		a.queue.pushFront(c)
	} else {
		a.queue.pushBack(c)
	}
	c.queued = true
	l.rank(a, a.len+1)
}

func (l *Listener) dequeue(c *Conn) {
	if !c.queued {
		return
	}
	a := l.addrs[c.key]
	a.queue.remove(c)
	c.queued = false
	l.rank(a, a.len-1)
}

// rank moves a to the byWaiting set of k waiting connections. Counts
// change by one at a time, so maxWaiting moves by at most one.
func (l *Listener) rank(a *addrConns, k int) {
	if set := l.byWaiting[a.len]; set != nil {
		delete(set, a)
		if len(set) == 0 {
			delete(l.byWaiting, a.len)
		}
	}
	a.len = k
	if k > 0 {
		set := l.byWaiting[k]
		if set == nil {
			set = map[*addrConns]struct{}{}
			l.byWaiting[k] = set
		}
		set[a] = struct{}{}
	}
	l.maxWaiting = max(l.maxWaiting, k)
	for l.maxWaiting > 0 && len(l.byWaiting[l.maxWaiting]) == 0 {
		l.maxWaiting--
	}
}

func (l *Listener) warn(kind, msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.lastWarn[kind]) < warnEvery {
		l.mu.Unlock()
		return
	}
	l.lastWarn[kind] = now
	l.mu.Unlock()
	st := l.Stats()
	args = append(args, "evicted_total", st.Evicted, "refused_total", st.Refused, "accept_errors_total", st.AcceptErrors)
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn(msg, args...)
}

// addrKey is the address a per-address cap counts: the IP, or the /64 of
// an IPv6 address.
func addrKey(a net.Addr) string {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	default:
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			return a.String()
		}
		ip = net.ParseIP(host)
		if ip == nil {
			return host
		}
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// Conn is a connection a Listener accepted. Close releases its place.
type Conn struct {
	net.Conn
	l   *Listener
	key string

	// Guarded by l.mu.
	state    State
	queued   bool
	detached bool
	prev     *Conn // in the address's queue
	next     *Conn

	linger atomic.Bool
	once   sync.Once
}

// State returns what the connection is doing.
func (c *Conn) State() State {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	return c.state
}

// SetState records what the connection is doing. Entering Waiting,
// Reading or Writing puts it at the back of its address's eviction queue; Waiting also drops a
// LingerOnClose request (the request was answered and its body consumed).
func (c *Conn) SetState(s State) {
	if s == StateWaiting {
		c.linger.Store(false)
	}
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if c.detached || c.state == stateLingering {
		return
	}
	c.setStateLocked(s)
}

func (c *Conn) setStateLocked(s State) {
	l := c.l
	c.state = s
	l.dequeue(c)
	switch s {
	case StateWaiting, StateReading, StateWriting:
		l.enqueue(c, false)
	case stateLingering:
		// Closing anyway: the first of its address to go when room is needed.
		l.enqueue(c, true)
	}
}

// LingerOnClose asks Close to let the client finish sending (for at most
// LingerTimeout and LingerBytes) after the last answer, so that it can
// read that answer rather than a reset.
func (c *Conn) LingerOnClose() { c.linger.Store(true) }

// Close closes the connection and gives up its place, at once or, after
// LingerOnClose, once the client stops sending or the linger ends. A
// lingering connection keeps its place until then, but is the first to be
// evicted.
func (c *Conn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		if c.linger.Load() {
			if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
				c.l.mu.Lock()
				if !c.detached {
					c.setStateLocked(stateLingering)
				}
				c.l.mu.Unlock()
				go c.drain()
				err = nil
				return
			}
		}
		err = c.Conn.Close()
		c.release()
	})
	return err
}

// drain reads what the client still sends, then closes.
func (c *Conn) drain() {
	d, n := c.l.LingerTimeout, c.l.LingerBytes
	if d <= 0 {
		d = DefaultLingerTimeout
	}
	if n <= 0 {
		n = DefaultLingerBytes
	}
	if c.Conn.SetReadDeadline(time.Now().Add(d)) == nil {
		io.CopyN(io.Discard, c.Conn, n)
	}
	c.Conn.Close()
	c.release()
}

func (c *Conn) release() {
	c.l.mu.Lock()
	c.l.detach(c)
	c.l.mu.Unlock()
}

// queue is an intrusive doubly linked list of connections.
type queue struct{ front, back *Conn }

func (q *queue) pushBack(c *Conn) {
	c.prev, c.next = q.back, nil
	if q.back != nil {
		q.back.next = c
	} else {
		q.front = c
	}
	q.back = c
}

func (q *queue) pushFront(c *Conn) {
	c.prev, c.next = nil, q.front
	if q.front != nil {
		q.front.prev = c
	} else {
		q.back = c
	}
	q.front = c
}

func (q *queue) remove(c *Conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		q.front = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		q.back = c.prev
	}
	c.prev, c.next = nil, nil
}
