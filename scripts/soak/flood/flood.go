// Package flood runs the hostile-network floods of issue 10 against a
// motcua server on loopback, probes GET /api/v1/healthz while they run and
// reads the server's resident memory: the engine of scripts/soak and of
// the serve limit tests.
//
// A flood keeps Conns connections open for Duration, reopening each one
// the server closes, spread over the local source addresses Sources
// (Linux routes all of 127.0.0.0/8 to the loopback, so 127.0.0.10,
// 127.0.0.11, … act as separate clients). It never leaves loopback.
package flood

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is one of the floods.
type Kind string

// The floods of issue 10.
const (
	// Idle opens connections and sends nothing.
	Idle Kind = "idle"
	// Slowloris sends a request's headers a line at a time, never ending them.
	Slowloris Kind = "slowloris"
	// SlowBody announces Content-Length: 1000000 on POST /api/v1/events and
	// trickles the body.
	SlowBody Kind = "slowbody"
)

// Kinds lists every flood.
var Kinds = []Kind{Idle, Slowloris, SlowBody}

// Options describe a flood.
type Options struct {
	// Addr is the server's host:port; it must be a loopback address.
	Addr string
	// Conns is how many connections the flood keeps open.
	Conns int
	// Duration is how long the flood lasts.
	Duration time.Duration
	// Sources are the local addresses to connect from, in turn; empty
	// means 127.0.0.10 to 127.0.0.17.
	Sources []string
	// Token, when set, is sent as the bearer token of slow bodies.
	Token string
	// Every is the pause between the trickled pieces (a header line, 1 KiB
	// of body); 0 means 250 ms.
	Every time.Duration
	// Reconnect is the pause before reopening a connection the server
	// closed; 0 means 100 ms.
	Reconnect time.Duration
}

// Result counts what a flood did.
type Result struct {
	Kind Kind
	// Opened counts connections established; Failed, attempts that were
	// not (refused, reset, timed out).
	Opened, Failed int64
	// Answered counts connections the server answered (any status) before
	// closing them; Closed, connections it closed without an answer.
	Answered, Closed int64
	// Statuses counts the answers by status code.
	Statuses map[int]int64
}

// String formats r on one line.
func (r Result) String() string {
	codes := make([]int, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var st []string
	for _, c := range codes {
		st = append(st, fmt.Sprintf("%d×%d", c, r.Statuses[c]))
	}
	return fmt.Sprintf("%s: %d opened, %d failed to open, %d answered [%s], %d closed unanswered",
		r.Kind, r.Opened, r.Failed, r.Answered, strings.Join(st, " "), r.Closed)
}

// DefaultSources are the client addresses of a flood.
func DefaultSources() []string {
	var s []string
	for i := 10; i < 18; i++ {
		s = append(s, fmt.Sprintf("127.0.0.%d", i))
	}
	return s
}

// Run runs the flood kind until o.Duration has passed or ctx ends.
func Run(ctx context.Context, kind Kind, o Options) (Result, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return Result{}, fmt.Errorf("flood address %q: %w", o.Addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return Result{}, fmt.Errorf("flood address %q: only loopback targets are allowed", o.Addr)
	}
	if !slices.Contains(Kinds, kind) {
		return Result{}, fmt.Errorf("unknown flood %q", kind)
	}
	if o.Sources == nil {
		o.Sources = DefaultSources()
	}
	if o.Every <= 0 {
		o.Every = 250 * time.Millisecond
	}
	if o.Reconnect <= 0 {
		o.Reconnect = 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var (
		opened, failed, answered, closed atomic.Int64
		mu                               sync.Mutex
		statuses                         = map[int]int64{}
		wg                               sync.WaitGroup
	)
	for i := range o.Conns {
		src := o.Sources[i%len(o.Sources)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the openings over the first quarter second.
			if !sleep(ctx, time.Duration(i)*250*time.Millisecond/time.Duration(o.Conns)) {
				return
			}
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: time.Second}
			for ctx.Err() == nil {
				conn, err := d.DialContext(ctx, "tcp", o.Addr)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					sleep(ctx, o.Reconnect)
					continue
				}
				opened.Add(1)
				status := hold(ctx, conn, kind, o)
				conn.Close()
				switch {
				case ctx.Err() != nil:
				case status > 0:
					answered.Add(1)
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				default:
					closed.Add(1)
				}
				sleep(ctx, o.Reconnect)
			}
		}()
	}
	wg.Wait()
	return Result{Kind: kind, Opened: opened.Load(), Failed: failed.Load(), Answered: answered.Load(),
		Closed: closed.Load(), Statuses: statuses}, nil
}

// hold plays one flood connection until the server closes it or ctx ends;
// it returns the status of the server's answer, 0 without one.
func hold(ctx context.Context, conn net.Conn, kind Kind, o Options) int {
	answer := make(chan int, 1)
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answer <- 0
			return
		}
		res.Body.Close()
		answer <- res.StatusCode
	}()
	var pieces func(i int) []byte
	switch kind {
	case Idle:
		pieces = func(int) []byte { return nil }
	case Slowloris:
		pieces = func(i int) []byte {
			if i == 0 {
				return []byte("GET /api/v1/healthz HTTP/1.1\r\nHost: motcua\r\n")
			}
			return fmt.Appendf(nil, "X-Slow-%d: still coming\r\n", i)
		}
	case SlowBody:
		chunk := []byte(strings.Repeat("x", 1024))
		pieces = func(i int) []byte {
			if i == 0 {
				auth := ""
				if o.Token != "" {
					auth = "Authorization: Bearer " + o.Token + "\r\n"
				}
				return []byte("POST /api/v1/events HTTP/1.1\r\nHost: motcua\r\nContent-Type: application/json\r\n" +
					auth + "Content-Length: 1000000\r\n\r\n")
			}
			return chunk
		}
	}
	t := time.NewTicker(o.Every)
	defer t.Stop()
	for i := 0; ; i++ {
		if p := pieces(i); p != nil {
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			conn.Write(p) // a failure shows as the server's close below
		}
		select {
		case <-ctx.Done():
			return 0
		case s := <-answer:
			return s
		case <-t.C:
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ProbeResult summarises the health probes.
type ProbeResult struct {
	// OK counts probes answered 200 within the timeout; Failed the others.
	OK, Failed int
	// Slowest is the longest answered probe's time; SlowestConnect the
	// longest time to connect (the kernel's accept queue).
	Slowest, SlowestConnect time.Duration
	// Errors holds the first failures' reasons.
	Errors []string
}

// String formats r on one line.
func (r ProbeResult) String() string {
	s := fmt.Sprintf("healthz: %d ok, %d failed, slowest %v (connect %v)", r.OK, r.Failed,
		r.Slowest.Round(time.Millisecond), r.SlowestConnect.Round(time.Millisecond))
	if len(r.Errors) > 0 {
		s += " (" + strings.Join(r.Errors, "; ") + ")"
	}
	return s
}

// Probe asks base+"/api/v1/healthz" on a new connection from 127.0.0.1
// every interval until ctx ends; a probe fails without a 200 within
// timeout.
func Probe(ctx context.Context, base string, every, timeout time.Duration) ProbeResult {
	var r ProbeResult
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			start := time.Now()
			c, err := dialer.DialContext(ctx, network, addr)
			r.SlowestConnect = max(r.SlowestConnect, time.Since(start))
			return c, err
		}}}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		start := time.Now()
		res, err := client.Get(base + "/api/v1/healthz")
		d := time.Since(start)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
		}
		if err != nil {
			r.Failed++
			if len(r.Errors) < 5 {
				r.Errors = append(r.Errors, fmt.Sprintf("after %v: %v", d.Round(time.Millisecond), err))
			}
		} else {
			r.OK++
			r.Slowest = max(r.Slowest, d)
		}
		select {
		case <-ctx.Done():
			return r
		case <-t.C:
		}
	}
}

// RSS returns the resident memory of process pid in bytes, from
// /proc/PID/status (Linux).
func RSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	return 0, errors.New("read RSS: no VmRSS line")
}

// PeakRSS samples RSS(pid) every interval until ctx ends and returns the
// highest value seen.
func PeakRSS(ctx context.Context, pid int, every time.Duration) (int64, error) {
	var peak int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rss, err := RSS(pid)
		if err != nil {
			return peak, err
		}
		peak = max(peak, rss)
		select {
		case <-ctx.Done():
			return peak, nil
		case <-t.C:
		}
	}
}
