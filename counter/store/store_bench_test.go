package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	bolt "go.etcd.io/bbolt"
)

func benchStore(b *testing.B, maxGroup int) (*store.Store, string) {
	b.Helper()
	// motcua runs with GOGC=400 unless told otherwise (cmd/motcua main);
	// measure the store as it runs there.
	old := debug.SetGCPercent(400)
	b.Cleanup(func() { debug.SetGCPercent(old) })
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.db")
	now := at("2026-03-10 12:00")
	s, err := store.Open(path, testConfig(), store.Options{Now: func() time.Time { return now },
		Secret: []byte("0123456789abcdef"), MaxGroup: maxGroup})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, path
}

var benchSeq atomic.Int64

func benchEvent() counter.Event {
	n := benchSeq.Add(1)
	code := fmt.Sprintf("000.00.31.H17-260310-%07d", n)
	e := received(fmt.Sprintf("ev-%d", n), code, "q1-motcua", at("2026-03-10 08:15"))
	e.Official = "cb-1"
	e.Applicant = &counter.Applicant{Name: "Nguyễn Văn Bình", Phone: "0905123456"}
	e.Documents = []counter.Item{{Code: "don"}, {Code: "qsdd"}}
	e.Slip = &counter.Slip{Number: fmt.Sprintf("%d/2026", n), DueAt: at("2026-03-31 16:00")}
	return e
}

// runConcurrent posts single events from writers goroutines and reports
// events/s and the p99 latency of one Record.
func runConcurrent(b *testing.B, s *store.Store, writers int) {
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.SetParallelism(writers)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if _, err := s.Record(context.Background(), []counter.Event{benchEvent()}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkRecordBaselineOneCommitEach is the one-Update-per-event baseline:
// the same store with commit grouping off (MaxGroup 1), 64 writers.
func BenchmarkRecordBaselineOneCommitEach(b *testing.B) {
	s, _ := benchStore(b, 1)
	runConcurrent(b, s, 64/max(1, runtimeProcs()))
}

// BenchmarkRecordConcurrent64 is 64 concurrent writers of single events
// sharing commits (the default).
func BenchmarkRecordConcurrent64(b *testing.B) {
	s, _ := benchStore(b, 0)
	runConcurrent(b, s, 64/max(1, runtimeProcs()))
}

// BenchmarkRecordBatch100 posts batches of 100 events from one writer.
func BenchmarkRecordBatch100(b *testing.B) {
	s, path := benchStore(b, 0)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		batch := make([]counter.Event, 100)
		for i := range batch {
			batch[i] = benchEvent()
		}
		if _, err := s.Record(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*100)/el.Seconds(), "events/s")
	var size int64
	_ = s.DB().View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	free := int64(s.DB().Stats().FreePageN) * int64(s.DB().Info().PageSize)
	b.ReportMetric(float64(size-free)/float64(b.N*100), "disk-B/event")
	_ = path
}

// lifecycle returns one dossier's usual life: receipt with a slip, a
// transfer to the division and back, the result, the return.
func lifecycle() []counter.Event {
	first := benchEvent()
	code := first.Dossier
	mk := func(typ counter.EventType, agency, when string) counter.Event {
		return counter.Event{ID: first.ID + "-" + string(typ) + agency, Type: typ, Dossier: code, At: at(when), Agency: agency, Official: "cb-1"}
	}
	t1 := mk(counter.Transferred, "q1-motcua", "2026-03-10 09:00")
	t1.To, t1.Step = "q1-tnmt", "tham-dinh"
	t2 := mk(counter.Transferred, "q1-tnmt", "2026-03-10 10:00")
	t2.To, t2.Official = "q1-motcua", "cb-2"
	return []counter.Event{first, t1, t2, mk(counter.ResultReady, "q1-motcua", "2026-03-10 11:00"), mk(counter.Returned, "q1-motcua", "2026-03-10 11:30")}
}

// BenchmarkDiskPerEvent records whole dossier lives, 20 dossiers (100
// events) per call, and reports the database's size per event: the pages
// in use, not the file's preallocated tail.
func BenchmarkDiskPerEvent(b *testing.B) {
	s, _ := benchStore(b, 0)
	events := 0
	for b.Loop() {
		var batch []counter.Event
		for i := 0; i < 20; i++ {
			batch = append(batch, lifecycle()...)
		}
		if _, err := s.Record(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		events += len(batch)
	}
	var size, free int64
	_ = s.DB().View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	free = int64(s.DB().Stats().FreePageN) * int64(s.DB().Info().PageSize)
	b.ReportMetric(float64(size-free)/float64(events), "disk-B/event")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFindDossiersRecent reads the newest 50 dossiers of an agency
// with 8,192 new dossiers' index changes held in idx_recent, against the
// same with every change moved into idx_agency: what the split index
// (recent.go) costs a reader at most with the default span.
func BenchmarkFindDossiersRecent(b *testing.B) {
	for _, c := range []struct {
		name string
		span int
	}{{"recent", 1 << 30}, {"moved", 1}} {
		b.Run(c.name, func(b *testing.B) {
			now := at("2026-03-10 12:00")
			s, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), testConfig(), store.Options{
				Now: func() time.Time { return now }, Secret: []byte("0123456789abcdef"), NoSync: true, RecentSpan: c.span, MaxCall: 1024})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < 8; i++ {
				batch := make([]counter.Event, 1024)
				for j := range batch {
					batch[j] = benchEvent()
				}
				if _, err := s.Record(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				ds, _, err := s.FindDossiers(context.Background(), counter.DossierFilter{Agency: "q1-motcua", Limit: 50})
				if err != nil || len(ds) != 50 {
					b.Fatal(len(ds), err)
				}
			}
		})
	}
}
