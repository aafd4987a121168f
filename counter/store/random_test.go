package store_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

var loadEvents = flag.Int("load", 3000, "events in the randomized replay test")

// generator makes a plausible, partly wrong stream of counter events: the
// store must take what is valid, refuse the rest, and stay replayable.
type generator struct {
	r      *rand.Rand
	cfg    *counter.Config
	clock  *simClock
	prefix string
	now    time.Time
	n      int
	open   []string // dossiers not yet ended
	holder map[string]string
	paused map[string]bool
	done   map[string]bool
}

// simClock is the server clock of a simulation: writers advance it.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func newGenerator(seed uint64, cfg *counter.Config, clock *simClock, prefix string) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cfg: cfg, clock: clock, prefix: prefix,
		holder: map[string]string{}, paused: map[string]bool{}, done: map[string]bool{}}
}

var counters = []string{"q1-motcua", "p1-motcua", "q2-motcua"}
var units = []string{"q1-motcua", "q1-tnmt", "p1-motcua", "q2-motcua", "q1"}

func (g *generator) id() string { g.n++; return fmt.Sprintf("%sg-%d", g.prefix, g.n) }

// next returns a batch of 1–3 events at about now (some backdated).
func (g *generator) next() []counter.Event {
	g.now = g.clock.Advance(time.Duration(g.r.IntN(40)) * time.Minute / time.Duration(writers()))
	at := g.now.Add(-time.Duration(g.r.IntN(30)) * time.Minute)
	if g.r.IntN(50) == 0 {
		at = g.now.Add(-time.Duration(24+g.r.IntN(200)) * time.Hour) // an integration catching up
	}
	pick := g.r.IntN(100)
	switch {
	case pick < 25 || len(g.open) == 0:
		code := fmt.Sprintf("%sD%06d", g.prefix, g.n)
		ctr := counters[g.r.IntN(len(counters))]
		e := counter.Event{ID: g.id(), Type: counter.Received, Dossier: code, At: at, Agency: ctr,
			Procedure: []string{"1.001", "1.002", "1.003"}[g.r.IntN(3)], Channel: []string{"direct", "online", "postal"}[g.r.IntN(3)]}
		if g.r.IntN(3) > 0 {
			e.Slip = &counter.Slip{Number: code, DueAt: at.Add(time.Duration(24*(1+g.r.IntN(25))) * time.Hour)}
		}
		g.open = append(g.open, code)
		g.holder[code] = ctr
		return []counter.Event{e}
	case pick < 30:
		ctr := counters[g.r.IntN(len(counters))]
		desk := g.cfg.Agency(ctr).Desks[0]
		typ := counter.ShiftStarted
		if g.r.IntN(2) == 0 {
			typ = counter.ShiftEnded
		}
		return []counter.Event{{ID: g.id(), Type: typ, At: at, Agency: ctr, Desk: desk}}
	}
	code := g.open[g.r.IntN(len(g.open))]
	h := g.holder[code]
	e := counter.Event{ID: g.id(), Dossier: code, At: at, Agency: h}
	switch {
	case pick < 45:
		e.Type = counter.Transferred
		e.To = units[g.r.IntN(len(units))]
		if e.To == h {
			e.To = "q1-tnmt"
			if h == "q1-tnmt" {
				e.To = "q1-motcua"
			}
		}
		e.Step = []string{"", "tham-dinh"}[g.r.IntN(2)]
		g.holder[code] = e.To
	case pick < 52:
		e.Type = counter.SupplementRequested
		e.Items = []counter.Item{{Code: "don"}, {Name: "Giấy xác nhận khác"}, {Code: "qsdd"}}[:1+g.r.IntN(3)]
		if g.r.IntN(2) == 0 {
			e.Reason = "thiếu giấy tờ"
		}
		g.paused[code] = true
	case pick < 58:
		e.Type = counter.SupplementReceived
		g.paused[code] = false
	case pick < 64:
		e.Type = counter.ApologyIssued
		e.NewDueAt = at.Add(time.Duration(24*(1+g.r.IntN(10))) * time.Hour)
	case pick < 74:
		e.Type = counter.ResultReady
		g.done[code] = true
	case pick < 84:
		e.Type = counter.Returned
	case pick < 87:
		e.Type = counter.Withdrawn
	case pick < 92:
		e.Type = counter.ComplaintFiled
		e.Complaint = "K" + code
		e.Category = "attitude"
	case pick < 95:
		e.Type = counter.ComplaintResolved
		e.Complaint = "K" + code
		e.Outcome = []string{"upheld", "unfounded"}[g.r.IntN(2)]
	default:
		e.Type = counter.SlipIssued
		e.Number = "S" + code
		e.DueAt = at.Add(72 * time.Hour)
	}
	return []counter.Event{e}
}

func writers() int {
	if *loadEvents > 10000 {
		return 16
	}
	return 1
}

// TestRandomLoadReplays drives the store with the real rule engine through
// randomized streams (16 concurrent writers for long runs, so commits are
// shared) with sweeps in between, then checks (in MustOpenStore's cleanup)
// that the chain verifies and that replaying the log rebuilds every view
// byte for byte. -load sets the number of accepted events.
func TestRandomLoadReplays(t *testing.T) {
	clock := &simClock{t: at("2026-03-02 07:30")}
	// Long runs skip fsync: this test is about what replay rebuilds, and
	// durability has its own crash test (cmd/motcua).
	s := MustOpenStore(t, store.Options{Now: clock.Now, Evaluator: violations.New(), NoSync: *loadEvents > 10000})
	ctx := context.Background()
	var accepted, refused, retried atomic.Int64
	var sweepMu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < writers(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGenerator(uint64(42+w), testConfig(), clock, fmt.Sprintf("w%d-", w))
			var last []counter.Event
			for accepted.Load() < int64(*loadEvents) {
				batch := g.next()
				if g.r.IntN(20) == 0 && last != nil {
					batch = last // a client retrying
				}
				res, err := s.Record(ctx, batch)
				switch {
				case err == nil && res.Replayed:
					retried.Add(1)
				case err == nil:
					accepted.Add(int64(len(batch)))
					last = batch
				default:
					if counter.ErrorCode(err) == counter.CodeInternal {
						t.Errorf("internal error: %v", err)
						return
					}
					refused.Add(1)
				}
				if g.n%50 == 0 && sweepMu.TryLock() {
					_, err := s.SweepUntil(clock.Now())
					sweepMu.Unlock()
					if err != nil {
						t.Errorf("sweep: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	_, err := s.SweepUntil(clock.Now())
	require.NoError(t, err)
	vs, _, err := s.FindViolations(ctx, counter.ViolationFilter{Agency: "tp", Limit: 500})
	require.NoError(t, err)
	require.NotEmpty(t, vs, "a random stream breaks some rules")
	t.Logf("accepted %d, refused %d, retried %d, violations on first page %d", accepted.Load(), refused.Load(), retried.Load(), len(vs))
}
