package store

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// sweepChunk bounds the due entries one sweep transaction handles, so that
// a backlog never holds the write lock for long.
const sweepChunk = 1000

// Run is the deadline sweeper: it sleeps until the earliest instant in the
// due-time index, re-judges what is due, and sleeps again. A write that
// indexes an earlier instant wakes it. It never scans all dossiers. It
// returns nil when ctx ends or the store closes.
//
// A sweep that fails is retried after a back-off that doubles from
// sweepRetryMin to sweepRetryMax and resets on success, so a failing disk
// is not hammered; SweepFailures counts the failures.
func (s *Store) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		var timer *time.Timer
		var fire <-chan time.Time
		if _, err := s.SweepUntil(s.opts.Now()); err != nil {
			s.failures.Add(1)
			backoff = min(max(2*backoff, sweepRetryMin), sweepRetryMax)
			s.log.Error("deadline sweep failed", "err", err, "retry_in", backoff)
			timer = time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-s.closing:
				timer.Stop()
				return nil
			case <-timer.C:
			}
			continue
		}
		backoff = 0
		next, err := s.NextDue()
		if err != nil {
			return err
		}
		if !next.IsZero() {
			d := next.Sub(s.opts.Now())
			if d <= 0 {
				continue
			}
			timer = time.NewTimer(d)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-s.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// NextDue returns the earliest instant at which a sweep has work: the
// first of the due-time index and the closing time of an open shift
// (NextClosing); zero if none.
func (s *Store) NextDue() (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketDue).Cursor().First()
		if k != nil {
			t = keyTime(k[:8])
		}
		return nil
	})
	if err != nil {
		return t, err
	}
	c, err := s.NextClosing()
	return earliest(t, c), err
}

// Back-off bounds of a failing sweep.
const (
	sweepRetryMin = 100 * time.Millisecond
	sweepRetryMax = 30 * time.Second
)

// SweepFailures returns how many sweeps have failed since the store opened.
func (s *Store) SweepFailures() uint64 { return s.failures.Load() }

// SweepLag returns how late, at its last run, the sweeper handled the
// oldest due entry.
func (s *Store) SweepLag() time.Duration { return time.Duration(s.lag.Load()) }

// SweepUntil ends the shifts whose closing time has come (closeShifts),
// then re-judges every dossier and desk whose next check is at or before
// now, evaluating at now, and publishes what changed. It returns how many
// shifts and entries it handled.
func (s *Store) SweepUntil(now time.Time) (int, error) {
	total, err := s.closeShifts(now)
	if err != nil {
		return total, err
	}
	for {
		n, err := s.sweepChunk(now, now)
		total += n
		if err != nil || n < sweepChunk {
			return total, err
		}
	}
}

// sweepChunk handles up to sweepChunk entries due by until, judging them
// at now.
func (s *Store) sweepChunk(until, now time.Time) (int, error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.fault != nil {
		if err := s.fault(); err != nil {
			return 0, fmt.Errorf("sweep: %w", err)
		}
	}
	var change counter.Change
	n := 0
	var oldest time.Time
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWriteTx(s, tx, now)
		limit := timeKey(until)
		var keys [][]byte
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && len(keys) < sweepChunk; k, _ = c.Next() {
			if string(k[:8]) > string(limit) {
				break
			}
			keys = append(keys, cp(k))
		}
		for _, k := range keys {
			if oldest.IsZero() {
				oldest = keyTime(k[:8])
			}
			key := string(k[8:])
			if err := w.setNext(key, time.Time{}); err != nil {
				return err
			}
			switch key[0] {
			case 'd':
				d, err := w.dossier(key[1:])
				if err != nil {
					return err
				}
				if d == nil {
					continue
				}
				nd, vs, err := w.settle(d.Code, d, "")
				if err != nil {
					return err
				}
				change.Violations = append(change.Violations, vs...)
				if nd.Clock.State != d.Clock.State || len(vs) > 0 {
					change.Dossiers = append(change.Dossiers, nd)
				}
			case 'k':
				vs, _, err := w.settleDesk(key[1:], "")
				if err != nil {
					return err
				}
				change.Violations = append(change.Violations, vs...)
			default:
				return fmt.Errorf("unknown due entry %q", key)
			}
			n++
		}
		if n == 0 {
			return nil
		}
		change.Rollup = w.changedNodes()
		if err := tx.Bucket(bucketMeta).Put(keySwept, timeKey(now)); err != nil {
			return fmt.Errorf("put swept: %w", err)
		}
		// Log the sweep's instant after the last event so that replay can
		// judge the same histories at the same instants.
		if err := tx.Bucket(bucketSweeps).Put(append(u64(w.seq), timeKey(now)...), nil); err != nil {
			return fmt.Errorf("log sweep: %w", err)
		}
		return w.finish()
	})
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	if n > 0 {
		s.lag.Store(int64(now.Sub(oldest)))
		s.publish(change)
	}
	return n, nil
}
