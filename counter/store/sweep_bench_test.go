package store_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

var benchDossiers = flag.Int("dossiers", 1_000_000, "open dossiers in BenchmarkSweep1M")

// BenchmarkSweep1M builds a database of -dossiers open dossiers (a
// million by default; it takes minutes), all due in the future, of which
// 200 fall due one by one over the ten seconds after the build. With the
// real clock and the real sweeper running it reports, for those 200, how
// long after its deadline each overdue breach was stored (p50, max); then
// the CPU the idle sweeper burns per second; then a whole-tree roll-up
// read. Run: go test -run '^$' -bench Sweep1M -benchtime 1x ./counter/store
func BenchmarkSweep1M(b *testing.B) {
	cfg := testConfig()
	path := filepath.Join(b.TempDir(), "sweep.db")
	build, err := store.Open(path, cfg, store.Options{NoSync: true, Evaluator: violations.New(), Secret: []byte("0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	const batch = 1000
	const soon = 200
	dossiers := func(from, to int, due func(j int) time.Time) [][]counter.Event {
		var out [][]counter.Event
		for i := from; i < to; i += batch {
			events := make([]counter.Event, 0, batch)
			for j := i; j < i+batch && j < to; j++ {
				code := fmt.Sprintf("S%07d", j)
				events = append(events, counter.Event{ID: code, Type: counter.Received, Dossier: code, At: time.Now().Add(-time.Minute),
					Agency: counters[j%len(counters)], Procedure: "1.001", Channel: counter.ChannelDirect,
					Slip: &counter.Slip{Number: code, DueAt: due(j)}})
			}
			out = append(out, events)
		}
		return out
	}
	for _, events := range dossiers(soon, *benchDossiers, func(j int) time.Time { return start.Add(time.Duration(400+j%5000) * time.Hour) }) {
		if _, err := build.Record(ctx, events); err != nil {
			b.Fatal(err)
		}
	}
	build.Close()
	b.Logf("built %d open dossiers in %s", *benchDossiers-soon, time.Since(start).Round(time.Second))

	s, err := store.Open(path, cfg, store.Options{Evaluator: violations.New(), Secret: []byte("0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	// 200 more, falling due one by one from 3 s from now, every 50 ms.
	horizon := time.Now().Add(3 * time.Second)
	for _, events := range dossiers(0, soon, func(j int) time.Time { return horizon.Add(time.Duration(j) * 50 * time.Millisecond) }) {
		if _, err := s.Record(ctx, events); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(time.Until(horizon.Add(soon*50*time.Millisecond + 2*time.Second)))

	var lags []time.Duration
	vs, _, err := s.FindViolations(ctx, counter.ViolationFilter{Agency: cfg.Root.ID, Code: counter.VOverdue, Limit: 500})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range vs {
		lags = append(lags, v.DetectedAt.Sub(v.OccurredAt))
	}
	if len(lags) != soon {
		b.Fatalf("%d overdue breaches stored, want %d", len(lags), soon)
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-ms")

	// Idle: nothing falls due for weeks; the sweeper should sleep.
	before := cpuTime()
	time.Sleep(5 * time.Second)
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/1000/5, "idle-cpu-ms/s")

	t0 := time.Now()
	const reads = 100
	for range reads {
		if _, err := s.Rollup(ctx, cfg.Root.ID, time.Time{}, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(t0).Microseconds())/1000/reads, "rollup-ms")
	cancel()
	<-done
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecordConcurrent64WithRules is BenchmarkRecordConcurrent64 with
// the rule engine judging every write, as in production.
func BenchmarkRecordConcurrent64WithRules(b *testing.B) {
	now := at("2026-03-10 12:00")
	s, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), testConfig(), store.Options{Now: func() time.Time { return now },
		Secret: []byte("0123456789abcdef"), Evaluator: violations.New()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	runConcurrent(b, s, 64/max(1, runtimeProcs()))
}

// BenchmarkRollupWholeTree reads the whole-tree roll-up of the shipped Da
// Nang tree (about 90 agencies) with counters on every node; its cost
// depends on the tree, not on the number of dossiers or violations.
func BenchmarkRollupWholeTree(b *testing.B) {
	cfg, err := configs.Load(os.DirFS("../../configs"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 4, 20, 10, 0, 0, 0, cfg.Calendar.Location)
	s, err := store.Open(filepath.Join(b.TempDir(), "r.db"), cfg, store.Options{Now: func() time.Time { return now },
		Evaluator: violations.New(), Secret: []byte("0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var batch []counter.Event
	for i, a := range cfg.Subtree(cfg.Root.ID) {
		if cfg.Agency(a).Level != counter.LevelCounter {
			continue
		}
		// Received a month ago and never finished: overdue everywhere.
		code := fmt.Sprintf("R%04d", i)
		batch = append(batch, counter.Event{ID: code, Type: counter.Received, Dossier: code, Agency: a,
			At: now.AddDate(0, -1, 0), Procedure: cfg.Procedures[1].Code, Channel: counter.ChannelDirect})
	}
	if _, err := s.Record(ctx, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Rollup(ctx, cfg.Root.ID, time.Time{}, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordBatch100BackfillWithRules records batches of 100 new
// dossiers received 21 days before now with slips long lapsed (the
// history/backfill load of scripts/load, batch-past): each is judged
// overdue as it is written.
func BenchmarkRecordBatch100BackfillWithRules(b *testing.B) {
	now := at("2026-03-31 12:00")
	s, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), testConfig(), store.Options{Now: func() time.Time { return now },
		Secret: []byte("0123456789abcdef"), Evaluator: violations.New()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		batch := make([]counter.Event, 100)
		for i := range batch {
			e := benchEvent()
			e.Slip.DueAt = at("2026-03-13 16:00")
			batch[i] = e
		}
		if _, err := s.Record(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
}
