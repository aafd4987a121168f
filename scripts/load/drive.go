package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is what one load did against one target.
type result struct {
	Target   string
	Load     load
	Writers  int
	Requests int64
	Events   int64 // events in requests answered 2xx
	Errors   int64 // requests answered non-2xx or failed
	FirstErr string
	Elapsed  time.Duration
	P50, P99 time.Duration
	// Disk and CPU of a spawned server during the load; negative when unknown.
	DiskPerEvent float64
	CPUPer1k     float64
}

func (r result) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// limits bound one load: it stops at whichever comes first.
type limits struct {
	Writers  int
	Duration time.Duration
	Events   int64 // at most this many events sent
}

// drive runs one load: Writers goroutines POST the generator's bodies to
// /api/v1/events until the duration has passed or the event budget is
// spent, and times every request.
func drive(ctx context.Context, c *client, g *generator, lim limits) result {
	per := int64(g.eventsPer())
	maxReq := max(1, lim.Events/per)
	var next atomic.Int64
	var mu sync.Mutex
	res := result{Load: g.load}
	var lat []time.Duration
	start := time.Now()
	deadline := start.Add(lim.Duration)
	var wg sync.WaitGroup
	for w := range lim.Writers {
		wg.Add(1)
		c := c.forWriter(w)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var ok, failed int64
			var firstErr string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := next.Add(1) - 1
				if n >= maxReq {
					break
				}
				body := g.body(n)
				t0 := time.Now()
				status, resp, err := c.post(ctx, "/api/v1/events", body)
				mine = append(mine, time.Since(t0))
				switch {
				case err != nil:
					failed++
					if firstErr == "" {
						firstErr = err.Error()
					}
				case status < 200 || status > 299:
					failed++
					if firstErr == "" {
						firstErr = fmt.Sprintf("HTTP %d: %s", status, snippet(resp))
					}
				default:
					ok++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Requests += ok + failed
			res.Events += ok * per
			res.Errors += failed
			if res.FirstErr == "" {
				res.FirstErr = firstErr
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	return res
}

// post sends body and returns the status and the answer's body.
func (c *client) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, out, fmt.Errorf("POST %s: read answer: %w", path, err)
	}
	return resp.StatusCode, out, nil
}

// percentile is the q-quantile of d (nearest rank); 0 for none.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// newHTTPClient keeps one connection per writer alive.
func newHTTPClient(writers int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        writers * 2,
		MaxIdleConnsPerHost: writers * 2,
		MaxConnsPerHost:     writers * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}
