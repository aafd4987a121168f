package limit_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/dashboard/limit"
)

// serveConns accepts on l and hands each connection to conns.
func serveConns(t *testing.T, l *limit.Listener) chan *limit.Conn {
	t.Helper()
	conns := make(chan *limit.Conn, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c.(*limit.Conn)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return conns
}

func listen(t *testing.T, maxConns, maxPerAddr int) (*limit.Listener, chan *limit.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := limit.NewListener(ln, maxConns, maxPerAddr)
	l.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return l, serveConns(t, l)
}

// dialFrom connects from a loopback source address (Linux routes all of
// 127/8 to lo), so that one test plays several clients.
func dialFrom(t *testing.T, l *limit.Listener, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// closed reports whether the server closed c (EOF or reset), waiting at
// most d; what it sent before closing is returned.
func closed(c net.Conn, d time.Duration) (bool, string) {
	c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, string(b)
	}
	return true, string(b)
}

func TestListenerEvictsOldestWaiting(t *testing.T) {
	tests := []struct {
		name         string
		max, perAddr int
		srcs         []string // the clients, in order; the last one makes room
		evicted      int      // index of the client closed to make room
	}{
		{"total cap, oldest of the address with most waiting", 3, 0, []string{"127.0.0.3", "127.0.0.2", "127.0.0.2", "127.0.0.4"}, 1},
		{"per address, oldest of that address", 0, 2, []string{"127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.2"}, 0},
		{"per address spares other addresses", 0, 2, []string{"127.0.0.3", "127.0.0.2", "127.0.0.2", "127.0.0.2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, conns := listen(t, tt.max, tt.perAddr)
			var clients []net.Conn
			for _, src := range tt.srcs {
				clients = append(clients, dialFrom(t, l, src))
				<-conns
			}
			for i, c := range clients {
				gone, _ := closed(c, 100*time.Millisecond)
				require.Equal(t, i == tt.evicted, gone, "client %d closed=%v", i, gone)
			}
			require.Equal(t, uint64(1), l.Stats().Evicted)
			require.Equal(t, len(tt.srcs)-1, l.Stats().Conns)
		})
	}
}

func TestListenerOrderFollowsProgress(t *testing.T) {
	l, conns := listen(t, 0, 2)
	a := dialFrom(t, l, "127.0.0.2")
	ca := <-conns
	b := dialFrom(t, l, "127.0.0.2")
	<-conns
	// a answered a request and went idle again after b arrived: b is now
	// the one that has waited longest.
	ca.SetState(limit.StateHandling)
	ca.SetState(limit.StateWaiting)
	dialFrom(t, l, "127.0.0.2")
	<-conns
	gone, _ := closed(b, 200*time.Millisecond)
	require.True(t, gone, "b waited longest")
	gone, _ = closed(a, 50*time.Millisecond)
	require.False(t, gone)
}

// TestListenerFloodSparesOthers: under a flood from a few addresses that
// reconnect as fast as they can, a client of another address that sends
// its request at once is never the one evicted.
func TestListenerFloodSparesOthers(t *testing.T) {
	l, conns := listen(t, 20, 0)
	var honest *limit.Conn
	for i := range 200 {
		src := fmt.Sprintf("127.0.0.%d", 2+i%4)
		if i == 50 {
			src = "127.0.0.1"
		}
		dialFrom(t, l, src)
		c := <-conns
		if i == 50 {
			honest = c
		}
	}
	require.Equal(t, limit.StateWaiting, honest.State())
	require.Equal(t, 20, l.Stats().Conns)
	require.Equal(t, uint64(180), l.Stats().Evicted)
	honest.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	_, err := honest.Read(make([]byte, 1))
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the honest connection is open: %v", err)
}

func TestListenerRefusesWhenAllBusy(t *testing.T) {
	l, conns := listen(t, 2, 0)
	for _, src := range []string{"127.0.0.2", "127.0.0.3"} {
		dialFrom(t, l, src)
		c := <-conns
		c.SetState(limit.StateHandling)
	}
	c := dialFrom(t, l, "127.0.0.4")
	gone, got := closed(c, 2*time.Second)
	require.True(t, gone)
	require.Contains(t, got, "HTTP/1.1 429 Too Many Requests")
	require.Contains(t, got, `"code":"too_many_requests"`)
	st := l.Stats()
	require.Equal(t, uint64(1), st.Refused)
	require.Equal(t, uint64(0), st.Evicted)
	require.Equal(t, 2, st.Conns)
}

func TestConnCloseReleasesPlace(t *testing.T) {
	l, conns := listen(t, 1, 0)
	dialFrom(t, l, "127.0.0.2")
	c := <-conns
	c.SetState(limit.StateHijacked)
	require.NoError(t, c.Close())
	require.Error(t, c.Close(), "a second Close reports the connection closed")
	require.Equal(t, 0, l.Stats().Conns)
	dialFrom(t, l, "127.0.0.3")
	<-conns
	require.Equal(t, uint64(0), l.Stats().Refused)
}

// TestConnLinger: a connection closed with LingerOnClose lets a client
// that is still sending read the answer; it keeps its place until then.
func TestConnLinger(t *testing.T) {
	l, conns := listen(t, 0, 0)
	client := dialFrom(t, l, "127.0.0.2")
	c := <-conns
	// The client sends 8 MiB it announced; the server reads the first
	// bytes, answers and closes.
	go client.Write(make([]byte, 8<<20))
	_, err := io.ReadFull(c, make([]byte, 1024))
	require.NoError(t, err)
	_, err = c.Write([]byte("answer"))
	require.NoError(t, err)
	c.LingerOnClose()
	require.NoError(t, c.Close())
	require.Equal(t, 1, l.Stats().Conns, "lingering keeps its place")
	client.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(client)
	require.NoError(t, err, "EOF, not a reset")
	require.Equal(t, "answer", string(b))
	require.Eventually(t, func() bool { return l.Stats().Conns == 0 }, 5*time.Second, 10*time.Millisecond)
}

// fakeListener fails Accept with errs, in turn, then accepts real
// connections from ln.
type fakeListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (f *fakeListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		f.mu.Unlock()
		return nil, err
	}
	f.mu.Unlock()
	return f.Listener.Accept()
}

// TestAcceptErrorsAreRetried: "too many open files" and its kin make
// Accept wait and retry, not return (issue 10, case 1: serve exited with
// status 1 at the descriptor limit); an error no retry can cure ends it.
func TestAcceptErrorsAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{syscall.EMFILE}}
	f := &fakeListener{Listener: ln, errs: []error{emfile, emfile, &net.OpError{Op: "accept", Err: syscall.ENFILE},
		&net.OpError{Op: "accept", Err: syscall.ECONNABORTED}}}
	l := limit.NewListener(f, 0, 0)
	l.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	conns := serveConns(t, l)
	start := time.Now()
	dialFrom(t, l, "127.0.0.2")
	select {
	case <-conns:
	case <-time.After(5 * time.Second):
		t.Fatal("no connection after the errors")
	}
	require.Equal(t, uint64(4), l.Stats().AcceptErrors)
	require.GreaterOrEqual(t, time.Since(start), (5+10+20+40)*time.Millisecond, "backs off")

	f2 := &fakeListener{Listener: ln, errs: []error{errors.New("permanent")}}
	_, err = limit.NewListener(f2, 0, 0).Accept()
	require.EqualError(t, err, "permanent")
}

type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return "accept4: " + e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

func TestBudget(t *testing.T) {
	b := limit.NewBudget(100)
	require.True(t, b.TryAcquire(60))
	require.False(t, b.TryAcquire(41))
	require.True(t, b.TryAcquire(40))
	b.Release(60)
	require.Equal(t, int64(40), b.Used())
	require.True(t, b.TryAcquire(60))
}

func TestMaxConnsFor(t *testing.T) {
	tests := []struct {
		fds  uint64
		want int
	}{
		{0, limit.DefaultMaxConnsCeiling},
		{20, 1},
		{256, 224},
		{1024, 896},
		{1 << 20, limit.DefaultMaxConnsCeiling},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, limit.MaxConnsFor(tt.fds), "fds=%d", tt.fds)
	}
}
