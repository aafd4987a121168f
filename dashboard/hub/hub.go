package hub

import (
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua/counter"
)

// Defaults of the Hub's tunables.
const (
	// DefaultSendBuffer is how many messages may wait for one client's
	// writer before the client counts as slow and is dropped.
	DefaultSendBuffer = 256
	// DefaultPingInterval is how often each client gets a ping (a control
	// frame and a {"type":"ping"} message).
	DefaultPingInterval = 20 * time.Second
	// DefaultPongWait is how long a client may stay silent (no pong, no
	// message) before it counts as dead.
	DefaultPongWait = 45 * time.Second
	// DefaultWriteWait bounds one write to a client.
	DefaultWriteWait = 10 * time.Second
	// DefaultMaxAlerts is how many firing alerts the hub keeps to show a
	// client that connects later.
	DefaultMaxAlerts = 100
)

// Hub fans committed changes out to websocket clients, each scoped to an
// agency subtree (SPEC.md §7). It implements counter.Publisher: Publish
// never blocks on a client, a client whose buffer is full is dropped.
// Set the exported fields before the first Serve.
type Hub struct {
	// SendBuffer, PingInterval, PongWait, WriteWait and MaxAlerts default
	// to the Default constants when zero.
	SendBuffer   int
	PingInterval time.Duration
	PongWait     time.Duration
	WriteWait    time.Duration
	MaxAlerts    int
	// OnClients, when set, is told the number of connected clients after
	// each change (motcua_wallboard_clients). It must not block.
	OnClients func(n int)
	// Logger receives connection logs; slog.Default() when nil.
	Logger *slog.Logger

	cfg *counter.Config

	mu      sync.RWMutex
	clients map[*client]struct{}
	alerts  []Alert // firing, oldest first
	closed  bool
	wg      sync.WaitGroup
}

// New returns a Hub that scopes clients by cfg's agency tree.
func New(cfg *counter.Config) *Hub {
	return &Hub{cfg: cfg, clients: map[*client]struct{}{}}
}

// client is one websocket connection. Only its writer goroutine writes to
// conn; the publisher hands it encoded messages through send.
type client struct {
	conn  *websocket.Conn
	scope string
	token string // id of the token it signed in with; "" when unknown
	root  bool   // scope is the root agency: it also gets alerts without agency
	// redact: the client must not receive personal data (ServeRedacted).
	redact bool
	send   chan []byte
	quit   chan struct{}
	once   sync.Once
	bye    []byte // the close frame's payload; written before quit closes
}

// byeGoingAway is the close frame of a hub that shuts down.
var byeGoingAway = websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye")

func (c *client) stop() { c.stopWith(byeGoingAway) }

// stopWith ends the client; the first call's bye is its close frame.
func (c *client) stopWith(bye []byte) {
	c.once.Do(func() {
		c.bye = bye
		close(c.quit)
	})
}

// ErrClosed is returned by Serve after Close.
var ErrClosed = counter.Errorf(counter.CodeUnavailable, "", "the wallboard hub is shut down", "máy chủ bảng theo dõi đã dừng")

// Serve takes over conn for a client of the subtree of scope: it starts the
// connection's writer and reader and returns at once. The hub closes conn
// when the peer goes away, falls behind or the hub closes. The caller must
// have checked that scope is within the client's rights.
func (h *Hub) Serve(conn *websocket.Conn, scope string) error {
	return h.ServeClient(conn, scope, "", false)
}

// ServeToken is Serve for a client that signed in with the token whose id
// is token, so that Revoke(token) disconnects it.
func (h *Hub) ServeToken(conn *websocket.Conn, scope, token string) error {
	return h.ServeClient(conn, scope, token, false)
}

// ServeClient is Serve for a client that signed in with the token whose id
// is token (Revoke(token) disconnects it); with redact it never receives
// personal data.
func (h *Hub) ServeClient(conn *websocket.Conn, scope, token string, redact bool) error {
	c := &client{conn: conn, scope: scope, token: token, redact: redact, send: make(chan []byte, h.sendBuffer()),
		quit: make(chan struct{})}
	if h.cfg != nil && h.cfg.Root != nil {
		c.root = scope == h.cfg.Root.ID
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.Close()
		return ErrClosed
	}
	h.clients[c] = struct{}{}
	n := len(h.clients)
	// Firing alerts go first, under the lock, so that a concurrent alert
	// cannot overtake them.
	for _, a := range h.alerts {
		if h.alertFor(c, &a) {
			if b, err := json.Marshal(alertMsg{Type: "alert", Alert: a}); err == nil {
				select {
				case c.send <- b:
				default:
				}
			}
		}
	}
	h.wg.Add(2)
	h.mu.Unlock()
	h.notify(n)
	go h.write(c)
	go h.read(c)
	return nil
}

// Clients returns the number of connected clients.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// Close disconnects every client with a close frame and waits for their
// goroutines to end. Serve refuses new clients afterwards. fiber's Shutdown
// does not close hijacked connections, so serve calls Close first.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		c.stop()
	}
	h.wg.Wait()
}

// byeRevoked is the close frame of a client whose token was revoked
// (1008, policy violation).
var byeRevoked = websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "token revoked")

// Revoke disconnects every client that signed in with the token whose id
// is token, with a close frame saying so, and returns how many there were.
// It does not wait for them to be gone: each writer sends its close frame
// (bounded by one second) and closes the connection.
func (h *Hub) Revoke(token string) int {
	if token == "" {
		return 0
	}
	h.mu.RLock()
	var cs []*client
	for c := range h.clients {
		if c.token == token {
			cs = append(cs, c)
		}
	}
	h.mu.RUnlock()
	for _, c := range cs {
		c.stopWith(byeRevoked)
	}
	return len(cs)
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	_, ok := h.clients[c]
	delete(h.clients, c)
	n := len(h.clients)
	h.mu.Unlock()
	c.stop()
	if ok {
		h.notify(n)
	}
}

func (h *Hub) notify(n int) {
	if h.OnClients != nil {
		h.OnClients(n)
	}
}

// write is the connection's only writer.
func (h *Hub) write(c *client) {
	defer h.wg.Done()
	ping := time.NewTicker(h.pingInterval())
	defer ping.Stop()
	wait := h.writeWait()
	defer func() {
		h.remove(c)
		c.conn.Close()
	}()
	for {
		select {
		case b := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(wait))
			if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		case <-ping.C:
			c.conn.SetWriteDeadline(time.Now().Add(wait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
			if err := c.conn.WriteMessage(websocket.TextMessage, pingMsg); err != nil {
				return
			}
		case <-c.quit:
			c.conn.SetWriteDeadline(time.Now().Add(time.Second))
			c.conn.WriteMessage(websocket.CloseMessage, c.bye)
			return
		}
	}
}

// read consumes what the client sends (pongs, and anything else, which is
// ignored) so that control frames are handled and a dead peer is noticed.
func (h *Hub) read(c *client) {
	defer h.wg.Done()
	defer h.remove(c)
	wait := h.pongWait()
	c.conn.SetReadLimit(4096)
	c.conn.SetReadDeadline(time.Now().Add(wait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(wait))
	})
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(wait))
	}
}

var pingMsg = []byte(`{"type":"ping"}`)

func (h *Hub) sendBuffer() int {
	if h.SendBuffer > 0 {
		return h.SendBuffer
	}
	return DefaultSendBuffer
}

func (h *Hub) pingInterval() time.Duration {
	if h.PingInterval > 0 {
		return h.PingInterval
	}
	return DefaultPingInterval
}

func (h *Hub) pongWait() time.Duration {
	if h.PongWait > 0 {
		return h.PongWait
	}
	return DefaultPongWait
}

func (h *Hub) writeWait() time.Duration {
	if h.WriteWait > 0 {
		return h.WriteWait
	}
	return DefaultWriteWait
}

func (h *Hub) maxAlerts() int {
	if h.MaxAlerts > 0 {
		return h.MaxAlerts
	}
	return DefaultMaxAlerts
}

func (h *Hub) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
