package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// DefaultMaxGroup is how many Record calls one commit may carry.
const DefaultMaxGroup = 512

// Options configure a Store. Zero values take defaults.
type Options struct {
	// Now is the server clock; time.Now by default.
	Now func() time.Time
	// Evaluator judges dossiers and desks; without one no violation is raised.
	Evaluator counter.Evaluator
	// Publisher receives each commit's changes after the commit returns.
	Publisher counter.Publisher
	// Logger gets structured logs; slog.Default() by default.
	Logger *slog.Logger
	// Secret keys the applicant id hash and the tracking keys. When nil it
	// is read from, or generated into, the file KeyPath.
	Secret []byte
	// KeyPath holds the secret outside the database; path + ".key" by default.
	KeyPath string
	// NewKey lets Open create a new key file for a database that already
	// holds events, knowingly changing every tracking key (logged).
	NewKey bool
	// NoSync disables fsync: only for scratch rebuilds such as replay.
	NoSync bool
	// Import marks every event recorded through this store as copied from
	// another system's history (counter.Event.Imported): `motcua import`
	// on a database no server holds.
	Import bool
	// MaxGroup bounds how many Record calls share one commit.
	MaxGroup int
	// MaxCall bounds the events of one Record call; counter.MaxEventsPerBatch
	// (the API's bound) by default. Only an offline import raises it: each
	// commit costs a page per index range it touches whatever it carries, so
	// larger calls amortise that.
	MaxCall int
	// RecentSpan is how many events' changes to the time indexes
	// idx_recent gathers before they are moved into them (recent.go);
	// defaultRecentSpan when zero. Replay uses the store's own.
	RecentSpan int
	// OnCommit, when set, observes each commit's duration.
	OnCommit func(time.Duration)
}

// Store is the bbolt ledger. It implements counter.Ledger.
type Store struct {
	db     *bolt.DB
	cfg    *counter.Config
	opts   Options
	log    *slog.Logger
	secret []byte

	queue   chan *request
	wake    chan struct{}
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
	// commitMu makes commit-then-queue-the-publication one step, so that
	// subscribers see changes in commit order even though Record and the
	// sweeper commit from different goroutines (bbolt serialises their
	// commits anyway).
	commitMu sync.Mutex
	pubs     *publisher // publish.go
	lag      atomic.Int64
	failures atomic.Uint64 // failed sweeps
	fault    func() error  // tests: makes sweeps fail
	closings closingCache  // pending closing times (closing.go)
	logs     *logCache     // decoded entries of the committed log (logcache.go)
	mu       sync.RWMutex  // guards closed for Record callers
	closed   bool
}

type request struct {
	events []admitted      // readied off the writer (prepare)
	writer *counter.Writer // nil: the system itself
	done   chan response
	res    *counter.RecordResult
	change counter.Change
	err    error
}

type response struct {
	res *counter.RecordResult
	err error
}

// ErrClosed is returned by Record after Close.
var ErrClosed = counter.Errorf(counter.CodeUnavailable, "", "the store is closed", "kho dữ liệu đã đóng")

// Open opens or creates the database at path for cfg.
//
// An existing file is first checked page by page (CheckFile): a damaged one
// is refused with a *CorruptError (errors.Is ErrCorrupt) before bbolt maps
// it, since bbolt trusts the offsets it reads and can fault or panic on a
// damaged page. Reading the pages costs about as much as reading the file
// once from the page cache.
//
// Without Options.Secret the secret comes from the key file KeyPath. A
// database that already holds events and has no key file is refused with a
// *KeyMissingError unless Options.NewKey; a key file that is not the
// database's is refused with a *KeyMismatchError.
func Open(path string, cfg *counter.Config, opts Options) (s *Store, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxGroup <= 0 {
		opts.MaxGroup = DefaultMaxGroup
	}
	if opts.KeyPath == "" {
		opts.KeyPath = path + ".key"
	}
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if fc, err := CheckFile(path); err == nil {
		for _, w := range fc.Warnings {
			opts.Logger.Warn("database file: "+w, "db", path)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         2 * time.Second,
		NoSync:          opts.NoSync,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 64 << 20,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		n, err := upgradeIndexOrder(tx)
		if err != nil {
			return err
		}
		if n > 0 {
			opts.Logger.Info("time indexes rewritten in ascending order (once, for a database of an earlier build)", "db", path, "keys", n)
		}
		if n, err = upgradeRecordForm(tx); n > 0 {
			opts.Logger.Info("dossier states and violations rewritten in the compact form (once, for a database of an earlier build)", "db", path, "records", n)
		}
		return err
	}); err != nil {
		return nil, err
	}
	secret := opts.Secret
	if secret == nil {
		if secret, err = openSecret(db, opts); err != nil {
			return nil, err
		}
	}
	s = &Store{db: db, cfg: cfg, opts: opts, log: opts.Logger, secret: secret,
		queue: make(chan *request, 4096), wake: make(chan struct{}, 1),
		closing: make(chan struct{}), done: make(chan struct{}), pubs: newPublisher(opts.Publisher),
		logs: newLogCache(defaultLogCacheSize)}
	if err := db.Update(s.backfillStats); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(s.backfillScores); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	go s.writer()
	return s, nil
}

// DB returns the underlying bbolt handle, for backups and tests.
func (s *Store) DB() *bolt.DB { return s.db }

// Config returns the configuration the store judges by.
func (s *Store) Config() *counter.Config { return s.cfg }

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// Ready returns nil while the store accepts writes.
func (s *Store) Ready() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// Close stops accepting writes, finishes the queued ones and closes bbolt.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closing)
		s.mu.Unlock()
		<-s.done
		s.pubs.close()
	})
	return s.db.Close()
}

// MaxCall is the most events one Record call may carry (Options.MaxCall).
func (s *Store) MaxCall() int {
	if s.opts.MaxCall > 0 {
		return s.opts.MaxCall
	}
	return counter.MaxEventsPerBatch
}

// Record implements counter.Ledger. It answers only after the commit that
// carries events is on disk. Concurrent callers share commits: while one
// commit syncs, the next callers queue and go together in the following one.
func (s *Store) Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
	c, err := s.Prepare(events)
	if err != nil {
		return nil, err
	}
	return s.RecordCall(ctx, c)
}

// Call is a Record call readied for the writer (Prepare).
type Call struct{ events []admitted }

// Prepare does the part of recording events that needs no database: the
// bounds of a call, each event's shape, the keyed hash of id numbers and
// the encoding of the log entries. Record does it on the caller's
// goroutine; an importer prepares its next call while one is recorded.
func (s *Store) Prepare(events []counter.Event) (*Call, error) {
	if len(events) == 0 {
		return nil, counter.Errorf(counter.CodeInvalid, "events", "no events", "không có sự kiện nào")
	}
	if n := s.MaxCall(); len(events) > n {
		return nil, counter.Errorf(counter.CodeTooManyEvents, "events", "at most %d events per request",
			"tối đa %d sự kiện mỗi yêu cầu", n)
	}
	return &Call{events: s.prepare(events, false)}, nil
}

// RecordCall records a prepared call as Record does.
func (s *Store) RecordCall(ctx context.Context, c *Call) (*counter.RecordResult, error) {
	req := &request{events: c.events, done: make(chan response, 1)}
	if w, ok := counter.WriterFrom(ctx); ok {
		req.writer = &w
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	select {
	case s.queue <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return nil, ctx.Err()
	}
	// Once queued the request will be committed or refused; wait for the
	// answer even if ctx ends, so the caller never reports a write as failed
	// that is in fact on disk.
	r := <-req.done
	return r.res, r.err
}

// writer is the only goroutine that commits Record calls.
func (s *Store) writer() {
	defer close(s.done)
	for {
		var first *request
		select {
		case first = <-s.queue:
		case <-s.closing:
			// Drain what was queued before Close.
			for {
				select {
				case r := <-s.queue:
					s.commit([]*request{r})
				default:
					return
				}
			}
		}
		group := []*request{first}
	fill:
		for len(group) < s.opts.MaxGroup {
			select {
			case r := <-s.queue:
				group = append(group, r)
			default:
				break fill
			}
		}
		s.commit(group)
	}
}

func (s *Store) commit(group []*request) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	now := s.opts.Now()
	start := time.Now()
	var nodes []*counter.RollupNode
	var wake time.Time
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newWriteTx(s, tx, now)
		for _, r := range group {
			r.res, r.change, r.err = nil, counter.Change{}, nil
			res, ch, err := w.recordPrepared(r.events, r.writer)
			if err != nil {
				var ce *counter.Error
				if !errors.As(err, &ce) {
					return err // storage failure: abort the whole group
				}
				r.err = err
				continue
			}
			r.res, r.change = res, ch
		}
		nodes = w.changedNodes()
		wake = w.minNext
		return w.finish()
	})
	if s.opts.OnCommit != nil {
		s.opts.OnCommit(time.Since(start))
	}
	// Answer once the change is published: a client that got its 2xx finds
	// its change already on the boards and in the metrics. The publisher
	// does both on its own goroutine while this one begins the next commit.
	var all counter.Change
	if err == nil {
		for _, r := range group {
			if r.err == nil {
				all.Dossiers = append(all.Dossiers, r.change.Dossiers...)
				all.Violations = append(all.Violations, r.change.Violations...)
			}
		}
		all.Rollup = nodes
	}
	log := s.log
	s.pubs.send(publication{change: all, then: func() {
		for _, r := range group {
			switch {
			case err != nil:
				log.Error("commit failed", "err", err, "events", len(r.events))
				r.done <- response{err: fmt.Errorf("commit: %w", err)}
			case r.err != nil:
				r.done <- response{err: r.err}
			default:
				r.done <- response{res: r.res}
			}
		}
	}})
	if !wake.IsZero() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// publish hands a commit's changes to the publisher, if any changed.
// It returns once they are published, after every earlier commit's.
func (s *Store) publish(c counter.Change) { s.pubs.publish(c) }
