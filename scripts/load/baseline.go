package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// naiveResult is the naive bbolt loop: one db.Update per event.
type naiveResult struct {
	Writers  int
	Events   int64
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r naiveResult) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// naiveBolt writes the generator's single events into a fresh bbolt file
// in dir, one db.Update (one fsync'd commit) per event, from writers
// goroutines, until the duration or the event budget runs out. It is the
// yardstick the issue compares the server with: what the disk gives to the
// simplest correct store on the same machine in the same run.
func naiveBolt(ctx context.Context, dir string, g *generator, lim limits) (naiveResult, error) {
	path := filepath.Join(dir, "naive.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return naiveResult{}, fmt.Errorf("naive bbolt: %w", err)
	}
	defer os.Remove(path)
	defer db.Close()
	bucket := []byte("events")
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return naiveResult{}, fmt.Errorf("naive bbolt: %w", err)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	res := naiveResult{Writers: lim.Writers}
	start := time.Now()
	deadline := start.Add(lim.Duration)
	var wg sync.WaitGroup
	for range lim.Writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var n64 int64
			var werr error
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := next.Add(1) - 1
				if n >= lim.Events {
					break
				}
				body := g.body(n)
				key := []byte(g.dossier(n))
				t0 := time.Now()
				werr = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, body) })
				mine = append(mine, time.Since(t0))
				if werr != nil {
					break
				}
				n64++
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Events += n64
			if firstErr == nil {
				firstErr = werr
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	if firstErr != nil {
		return res, fmt.Errorf("naive bbolt: %w", firstErr)
	}
	return res, nil
}

// fsyncResult is the fsync probe: 4 KiB written then fsync'd, n times.
type fsyncResult struct {
	N        int
	P50, P99 time.Duration
}

// fsyncProbe appends 4 KiB to a file in dir and fsyncs it, n times, and
// times each write+fsync.
func fsyncProbe(dir string, n int) (fsyncResult, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-*")
	if err != nil {
		return fsyncResult{}, fmt.Errorf("fsync probe: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := f.Write(buf); err != nil {
			return fsyncResult{}, fmt.Errorf("fsync probe: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fsyncResult{}, fmt.Errorf("fsync probe: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	return fsyncResult{N: n, P50: percentile(lat, 0.5), P99: percentile(lat, 0.99)}, nil
}

// boltUsage is how much of a bbolt file a database uses.
type boltUsage struct {
	Extent int64 // up to the high-water mark: free pages within included
	InUse  int64 // Extent less the pages on the freelist (free or pending)
}

// readBoltUsage reads the meta pages and the freelist page of the bbolt
// file at path, without opening it (a server holds its lock). The file
// itself is larger: bbolt grows it in steps ahead of use.
func readBoltUsage(path string) (boltUsage, error) {
	f, err := os.Open(path)
	if err != nil {
		return boltUsage{}, fmt.Errorf("read bbolt meta: %w", err)
	}
	defer f.Close()
	// A commit in between may reuse the freelist page the meta named: retry.
	for range 20 {
		m, err := readMeta(f)
		if err != nil {
			return boltUsage{}, err
		}
		u := boltUsage{Extent: int64(m.pgid) * int64(m.pageSize), InUse: int64(m.pgid) * int64(m.pageSize)}
		if m.freelist == ^uint64(0) { // NoFreelistSync: the free pages are not on disk
			return u, nil
		}
		// Page header: id (8), flags (2), count (2), overflow (4); a count
		// of 0xFFFF means the real count is the first element.
		h := make([]byte, 24)
		if _, err := f.ReadAt(h, int64(m.freelist)*int64(m.pageSize)); err != nil {
			return boltUsage{}, fmt.Errorf("read bbolt freelist: %w", err)
		}
		const freelistFlag = 0x10
		if binary.LittleEndian.Uint64(h[0:]) != m.freelist || binary.LittleEndian.Uint16(h[8:]) != freelistFlag {
			continue
		}
		n := uint64(binary.LittleEndian.Uint16(h[10:]))
		if n == 0xFFFF {
			n = binary.LittleEndian.Uint64(h[16:])
		}
		if again, err := readMeta(f); err != nil || again.txid != m.txid {
			continue
		}
		u.InUse -= int64(n) * int64(m.pageSize)
		return u, nil
	}
	return boltUsage{}, errors.New("read bbolt freelist: the database kept changing under the reader")
}

type boltMeta struct {
	pageSize             uint32
	freelist, pgid, txid uint64
}

// readMeta returns the newer valid meta page of a bbolt file.
func readMeta(f *os.File) (boltMeta, error) {
	// Page header 16 bytes, then magic, version, page size, flags (4 each),
	// root bucket (16), freelist (8), pgid (8), txid (8), checksum (8).
	const hdr, magic = 16, 0xED0CDAED
	read := func(off int64) (boltMeta, bool) {
		b := make([]byte, hdr+64)
		if _, err := f.ReadAt(b, off); err != nil {
			return boltMeta{}, false
		}
		m := b[hdr:]
		if binary.LittleEndian.Uint32(m[0:]) != magic {
			return boltMeta{}, false
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
			return boltMeta{}, false
		}
		return boltMeta{pageSize: binary.LittleEndian.Uint32(m[8:]), freelist: binary.LittleEndian.Uint64(m[32:]),
			pgid: binary.LittleEndian.Uint64(m[40:]), txid: binary.LittleEndian.Uint64(m[48:])}, true
	}
	m0, ok0 := read(0)
	size := int64(m0.pageSize)
	if !ok0 {
		size = int64(os.Getpagesize()) // the first meta is being rewritten: trust the second
	}
	m1, ok1 := read(size)
	switch {
	case ok1 && (!ok0 || m1.txid > m0.txid):
		return m1, nil
	case ok0:
		return m0, nil
	}
	return boltMeta{}, errors.New("read bbolt meta: no valid meta page")
}
