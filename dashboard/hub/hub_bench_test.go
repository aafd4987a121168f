package hub_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/hub"
)

// BenchmarkPublish1000: 1,000 wallboards connected over loopback (real
// websocket clients), plus 10 that never read; each iteration publishes
// one violation and waits until the last reading client has it. It
// reports the p99 of that publish-to-last-client latency (target ≤ 50 ms)
// and the longest Publish call.
func BenchmarkPublish1000(b *testing.B) {
	const clients, stalled = 1000, 10
	h := hub.New(testConfig())
	defer h.Close()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		h.Serve(conn, r.URL.Query().Get("agency"))
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	var received atomic.Int64
	var mu sync.Mutex
	var done chan struct{}
	var want atomic.Int64
	var conns []*websocket.Conn
	for i := 0; i < clients+stalled; i++ {
		scope := []string{"city", "qa", "qa-motcua"}[i%3]
		conn, _, err := websocket.DefaultDialer.Dial(url+"?agency="+scope, nil)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, conn)
		if i >= clients {
			continue // stalled: never reads
		}
		go func() {
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					return
				}
				if strings.Contains(string(msg), `"violation"`) && received.Add(1) == want.Load() {
					mu.Lock()
					close(done)
					mu.Unlock()
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for h.Clients() < clients+stalled {
		time.Sleep(time.Millisecond)
	}

	big := strings.Repeat("x", 512)
	var lat []time.Duration
	var maxPublish time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		n++
		mu.Lock()
		received.Store(0)
		want.Store(clients)
		done = make(chan struct{})
		ch := done
		mu.Unlock()
		v := counter.Violation{ID: fmt.Sprint(n), Code: counter.VOverdue, Agency: "qa-motcua", Details: map[string]any{"pad": big}}
		start := time.Now()
		h.Publish(counter.Change{Violations: []counter.Violation{v}})
		maxPublish = max(maxPublish, time.Since(start))
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			b.Fatalf("message %d reached %d of %d clients", n, received.Load(), clients)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	p99 := lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(maxPublish.Microseconds())/1000, "max-publish-ms")
}
