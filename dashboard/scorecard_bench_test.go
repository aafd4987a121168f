package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/demo"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/violations"
)

// yearEnd is where the benchmark's year of demo history ends.
var yearEnd = time.Date(2026, 12, 1, 17, 0, 0, 0, mustLoadLocation("Asia/Ho_Chi_Minh"))

// yearStore opens a store holding a year (250 working days) of the demo's
// traffic at every counter of the shipped city, up to yearEnd. Building it
// takes minutes, so $MOTCUA_BENCH_CACHE, when set, names a folder where
// the database is kept and reused.
func yearStore(b *testing.B) (*store.Store, *counter.Config) {
	b.Helper()
	cfg, err := configs.Load(configs.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("MOTCUA_BENCH_CACHE")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "year.db")
	clock := &demo.Clock{Wall: func() time.Time { return yearEnd }}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := store.Options{Now: clock.Now, Evaluator: violations.New(), NoSync: true, Logger: quiet,
		Secret: []byte("0123456789abcdef0123456789abcdef")}
	_, statErr := os.Stat(path)
	st, err := store.Open(path, cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if statErr != nil {
		sim := demo.New(st, cfg, clock, 1, 7)
		sim.WarmupDays = 250
		sim.Sweep = st.SweepUntil
		sim.Logger = quiet
		began := time.Now()
		if err := sim.Warmup(context.Background(), yearEnd); err != nil {
			b.Fatal(err)
		}
		n, _ := sim.Recorded()
		b.Logf("built a year of demo history: %d events in %v", n, time.Since(began).Round(time.Second))
	}
	clock.Set(yearEnd, 0)
	return st, cfg
}

// scanReporter computes scorecards the long way (store.ScorecardInputScan:
// every dossier's state and the events of those that changed after the
// judging instants, every violation), as they were before the write path
// kept tracks and day counts: the benchmark's before.
type scanReporter struct{ *store.Store }

func (r scanReporter) ScorecardInput(ctx context.Context, plan *counter.ScorecardPlan) (*counter.ScorecardInput, error) {
	return r.ScorecardInputScan(ctx, plan)
}

// BenchmarkScorecardsYear computes the scorecards of every agency of the
// shipped city over a year of demo-scale history, as GET /scorecards does
// (the store read and the computation, without HTTP), from the views the
// write path keeps (kept) and the long way (scan), in the same run, with
// the shipped head terms. Target: < 200 ms.
func BenchmarkScorecardsYear(b *testing.B) {
	st, cfg := yearStore(b)
	year := counter.Period{From: calendar.Date{Year: 2025, Month: 12, Day: 1}, To: calendar.Date{Year: 2026, Month: 11, Day: 30}}
	now := yearEnd
	for _, bc := range []struct {
		name string
		r    dashboard.Reporter
	}{{"kept", st}, {"scan", scanReporter{st}}} {
		b.Run(bc.name, func(b *testing.B) {
			var cards [][]counter.Scorecard
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				var err error
				if cards, err = dashboard.Scorecards(context.Background(), bc.r, cfg, cfg.HeadAt, cfg.Root.ID, []counter.Period{year}, now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(cards[0][0].Received), "dossiers")
			b.ReportMetric(float64(len(cards[0])), "cards")
		})
	}
}

// BenchmarkRegisterYear writes the whole city's register for the year:
// the sheet is streamed, so the bytes allocated per row, not the live
// heap, grow with its length.
func BenchmarkRegisterYear(b *testing.B) {
	st, cfg := yearStore(b)
	year := counter.Period{From: calendar.Date{Year: 2025, Month: 12, Day: 1}, To: calendar.Date{Year: 2026, Month: 11, Day: 30}}
	rows := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := dashboard.WriteReport(context.Background(), io.Discard, st, cfg, dashboard.ReportRequest{Kind: dashboard.ReportRegister,
			Agency: cfg.Root.ID, Period: year, Now: yearEnd, Personal: true, Progress: func(n int) { rows = n }}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows")
}
