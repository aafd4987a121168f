package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// Difference is one derived record that replay rebuilt differently.
type Difference struct {
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	Stored  string `json:"stored"`
	Rebuilt string `json:"rebuilt"`
}

// ReplayReport is the outcome of Replay.
type ReplayReport struct {
	Events      uint64       `json:"events"`
	Sweeps      int          `json:"sweeps"`
	Differences []Difference `json:"differences"`
}

// Replay rebuilds every derived view (dossiers, violations, roll-ups,
// indexes) from the log into a scratch database in dir, judging each
// recorded call and each logged sweep at its own instant, and compares the
// result with s. progress, when set, is called now and then with the
// number of events replayed.
func (s *Store) Replay(ctx context.Context, dir string, progress func(done, total uint64)) (*ReplayReport, error) {
	f, err := os.CreateTemp(dir, "motcua-replay-*.db")
	if err != nil {
		return nil, fmt.Errorf("scratch file: %w", err)
	}
	path := f.Name()
	f.Close()
	os.Remove(path)
	defer os.Remove(path)
	scratch, err := Open(path, s.cfg, Options{Evaluator: s.opts.Evaluator, Secret: s.secret, NoSync: true, RecentSpan: s.opts.RecentSpan,
		Logger: s.log, KeyPath: filepath.Join(dir, "unused.key")})
	if err != nil {
		return nil, err
	}
	defer scratch.Close()

	rep := &ReplayReport{}
	err = s.db.View(func(src *bolt.Tx) error {
		total := uint64(0)
		if v := src.Bucket(bucketMeta).Get(keySeq); v != nil {
			total = binary.BigEndian.Uint64(v)
		}
		sweeps := src.Bucket(bucketSweeps).Cursor()
		sk, _ := sweeps.First()
		// sweepTo replays the sweeps logged when the log ended at seq.
		sweepTo := func(seq uint64) error {
			for ; sk != nil && binary.BigEndian.Uint64(sk[:8]) <= seq; sk, _ = sweeps.Next() {
				at := keyTime(sk[8:16])
				if _, err := scratch.sweepChunkLoop(at); err != nil {
					return err
				}
				rep.Sweeps++
			}
			return nil
		}
		batches := src.Bucket(bucketBatches).Cursor()
		logc := src.Bucket(bucketLog).Cursor()
		lk, lv := logc.First()
		for bk, _ := batches.First(); bk != nil; bk, _ = batches.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			end := binary.BigEndian.Uint64(bk)
			var events []counter.Event
			for ; lk != nil && binary.BigEndian.Uint64(lk) <= end; lk, lv = logc.Next() {
				var e counter.Event
				if err := json.Unmarshal(lv, &e); err != nil {
					return fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(lk), err)
				}
				events = append(events, e)
			}
			if len(events) == 0 {
				continue
			}
			if err := sweepTo(events[0].Seq - 1); err != nil {
				return err
			}
			if err := scratch.rerecord(events); err != nil {
				return fmt.Errorf("replay events %d–%d: %w", events[0].Seq, end, err)
			}
			rep.Events += uint64(len(events))
			if progress != nil && rep.Events%10000 < uint64(len(events)) {
				progress(rep.Events, total)
			}
		}
		if err := sweepTo(^uint64(0)); err != nil {
			return err
		}
		return scratch.db.View(func(dst *bolt.Tx) error {
			rep.Differences = compare(src, dst)
			return nil
		})
	})
	if progress != nil {
		progress(rep.Events, rep.Events)
	}
	return rep, err
}

// sweepChunkLoop sweeps everything due by at, judged at at.
func (s *Store) sweepChunkLoop(at time.Time) (int, error) {
	total := 0
	for {
		n, err := s.sweepChunk(at, at)
		total += n
		if err != nil || n < sweepChunk {
			return total, err
		}
	}
}

// rerecord records one logged call's events again at their recorded time.
func (s *Store) rerecord(events []counter.Event) error {
	now := events[0].RecordedAt
	in := make([]counter.Event, len(events))
	for i, e := range events {
		in[i] = e.Body()
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		w := newWriteTx(s, tx, now)
		w.fromLog = true
		if _, _, err := w.record(in, nil); err != nil {
			return err
		}
		return w.finish()
	})
}

// compare lists the differences between the derived buckets of two
// databases, at most 100.
func compare(a, b *bolt.Tx) []Difference {
	out := []Difference{}
	for _, name := range derivedBuckets {
		ca, cb := a.Bucket(name).Cursor(), b.Bucket(name).Cursor()
		ka, va := ca.First()
		kb, vb := cb.First()
		for (ka != nil || kb != nil) && len(out) < 100 {
			switch c := bytes.Compare(ka, kb); {
			case kb == nil || (ka != nil && c < 0):
				out = append(out, Difference{Bucket: string(name), Key: printable(ka), Stored: string(va), Rebuilt: "(none)"})
				ka, va = ca.Next()
			case ka == nil || c > 0:
				out = append(out, Difference{Bucket: string(name), Key: printable(kb), Stored: "(none)", Rebuilt: string(vb)})
				kb, vb = cb.Next()
			default:
				if !bytes.Equal(va, vb) {
					out = append(out, Difference{Bucket: string(name), Key: printable(ka), Stored: string(va), Rebuilt: string(vb)})
				}
				ka, va = ca.Next()
				kb, vb = cb.Next()
			}
		}
	}
	return out
}

func printable(k []byte) string {
	return fmt.Sprintf("%q", k)
}
