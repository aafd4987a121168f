package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// writeTx is one bbolt write transaction with the caches that its Record
// calls and sweeps share. Its caches are flushed by finish.
type writeTx struct {
	s   *Store
	tx  *bolt.Tx
	now time.Time
	cfg *counter.Config
	// fromLog marks a replay of logged calls: the input limits are not
	// applied again (see counter.CheckLoggedShape).
	fromLog bool

	seq   uint64
	head  []byte
	dirty bool

	tallies map[string]*tally // agency → all-time counters
	days    map[string]*tally // agency\x00YYYYMMDD → counters of that day
	clocks  map[string]int64  // holder\x00state → delta
	touched map[string]bool   // agencies whose tally changed in this tx
	minNext time.Time         // the earliest due instant this tx indexed

	// committed is the last seq committed before this tx; logged holds
	// the entries after it that this tx decoded (history).
	committed uint64
	logged    map[uint64]*counter.Event

	// The last idx_recent key, read from meta at the first index change
	// (recent.go).
	recentRead, recentAny, recentDirty bool
	recentSeq                          uint64
	recentN                            uint32

	scoreDays map[string]*scoreCounts // score_days counts this tx changed (scoretrack.go)
	stats     map[string]uint64       // stats counters this tx bumped, as they stand (stats.go)
}

// appendOnly buckets take keys mostly in ascending order, so their pages
// are split nearly full instead of in half (bbolt's default 0.5 would leave
// every page of an append-mostly bucket half empty). Violations are keyed
// by their dossier's code, which each counter numbers in ascending order;
// the time indexes grow at the end of each agency's range (layout.go).
var appendOnly = [][]byte{bucketLog, bucketBatches, bucketSweeps, bucketDue, bucketNext, bucketDossiers, bucketEventIDs,
	bucketDossierLog, bucketViolations, bucketAgencyIdx, bucketViolIdx, bucketRecent}

func newWriteTx(s *Store, tx *bolt.Tx, now time.Time) *writeTx {
	for _, name := range appendOnly {
		tx.Bucket(name).FillPercent = 0.9
	}
	// One zone for every stored instant, whether the clock came from the
	// server, a logged sweep or a replayed event.
	now = now.In(s.cfg.Calendar.Location)
	w := &writeTx{s: s, tx: tx, now: now, cfg: s.cfg,
		tallies: map[string]*tally{}, days: map[string]*tally{}, clocks: map[string]int64{}, touched: map[string]bool{},
		logged: map[uint64]*counter.Event{}}
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(keySeq); v != nil {
		w.seq = binary.BigEndian.Uint64(v)
	}
	w.committed = w.seq
	w.head = cp(meta.Get(keyHead))
	return w
}

// pending is an accepted event of one Record call, before it is written.
type pending struct {
	e       counter.Event
	replay  bool
	body    encodedBody // see admitted
	encoded bool
}

// record validates events against the transaction's state and, when all
// are accepted, writes them and every view derived from them. A refusal
// (a *counter.Error) writes nothing; any other error must abort the tx.
// writer, when not nil, is the token recording them, checked here against
// each dossier as this transaction holds it.
func (w *writeTx) record(events []counter.Event, writer *counter.Writer) (*counter.RecordResult, counter.Change, error) {
	return w.recordPrepared(w.s.prepare(events, w.fromLog), writer)
}

// admitted is one event of a Record call as the store takes it in, and
// the verdict on its shape (prepare).
type admitted struct {
	e       counter.Event
	shape   error
	body    encodedBody // e's log entry less the writer's fields, if encoded
	encoded bool
}

// prepare readies a call's events for the writer: the applicant's id
// number replaced by its keyed hash, the fields the server sets cleared,
// the import mark set, and each event's shape checked (fromLog: as a
// logged event is, without the input limits). It reads nothing of the
// database, so Record runs it on the caller's goroutine and the single
// writer does not; a shape error is reported by the writer in the
// event's turn, so the first refusal of a call is the same either way.
func (s *Store) prepare(events []counter.Event, fromLog bool) []admitted {
	out := make([]admitted, len(events))
	checkShape := counter.CheckShape
	if fromLog {
		checkShape = counter.CheckLoggedShape
	}
	for i := range events {
		e := events[i]
		if e.Applicant != nil {
			a := *e.Applicant
			if a.IDNumber != "" {
				a.IDHash = s.idHash(a.IDNumber)
				a.IDNumber = ""
			}
			e.Applicant = &a
		}
		e.Seq, e.RecordedAt, e.PrevHash, e.Hash = 0, time.Time{}, "", ""
		if !fromLog {
			e.Imported = s.opts.Import // the log keeps what the store decided
		}
		out[i] = admitted{e: e, shape: checkShape(s.cfg, &e)}
		if out[i].shape == nil {
			out[i].body, out[i].encoded = encodeBody(&e)
		}
	}
	return out
}

// recordPrepared is record of events that prepare readied.
func (w *writeTx) recordPrepared(in []admitted, writer *counter.Writer) (*counter.RecordResult, counter.Change, error) {
	var change counter.Change
	refuse := func(err error, i int) error {
		if len(in) > 1 && counter.ErrorCode(err) != counter.CodeConflictsWithHistory {
			return counter.WithFieldPrefix(err, "events["+strconv.Itoa(i)+"]")
		}
		return err
	}

	// Phase 1: judge every event against its dossier's history with the
	// events before it in this call, each inserted at its `at` (SPEC.md
	// §10.1), touching nothing in the database.
	work := map[string]*dossierWork{}
	var order []string
	ids := map[string]int{}
	accepted := make([]pending, 0, len(in))
	seq := w.seq
	for i := range in {
		e := in[i].e
		if err := in[i].shape; err != nil {
			return nil, change, refuse(err, i)
		}
		if j, ok := ids[e.ID]; ok {
			if !sameBody(accepted[j].e, e) {
				return nil, change, refuse(conflict(e.ID), i)
			}
			accepted = append(accepted, pending{e: accepted[j].e, replay: true})
			continue
		}
		stored, err := w.eventByID(e.ID)
		if err != nil {
			return nil, change, err
		}
		if stored != nil {
			if !sameBody(*stored, e) {
				return nil, change, refuse(conflict(e.ID), i)
			}
			ids[e.ID] = len(accepted)
			accepted = append(accepted, pending{e: *stored, replay: true})
			continue
		}
		e.Seq, e.RecordedAt = seq+1, w.now
		if e.Type.IsShift() {
			if writer != nil {
				if err := counter.Authorize(w.cfg, *writer, nil, &e); err != nil {
					return nil, change, refuse(err, i)
				}
			}
			if err := counter.Accept(w.cfg, nil, &e, w.now); err != nil {
				return nil, change, refuse(err, i)
			}
		} else {
			dw, ok := work[e.Dossier]
			if !ok {
				d, err := w.dossier(e.Dossier)
				if err != nil {
					return nil, change, err
				}
				dw = &dossierWork{prev: d, state: d}
				work[e.Dossier] = dw
				order = append(order, e.Dossier)
			}
			if writer != nil {
				// Scope by the dossier as it stands: who may see it now.
				if err := counter.Authorize(w.cfg, *writer, dw.state, &e); err != nil {
					return nil, change, refuse(err, i)
				}
			}
			dw.news = append(dw.news, e)
			dw.index = append(dw.index, i)
		}
		seq++
		ids[e.ID] = len(accepted)
		accepted = append(accepted, pending{e: e, body: in[i].body, encoded: in[i].encoded})
	}
	for _, code := range order {
		if err := w.admit(work[code]); err != nil {
			return nil, change, refuse(err, work[code].failed)
		}
	}

	// Phase 2: write. Errors from here on are storage failures.
	res := &counter.RecordResult{Replayed: true, Events: make([]counter.Event, 0, len(accepted)),
		Dossiers: []*counter.Dossier{}, Violations: []counter.Violation{}}
	var desks []string
	deskCause := map[string]string{}
	for i := range accepted {
		p := &accepted[i]
		if p.replay {
			res.Events = append(res.Events, p.e)
			continue
		}
		res.Replayed = false
		if err := w.appendEvent(p); err != nil {
			return nil, change, err
		}
		w.countEvent(&p.e)
		res.Events = append(res.Events, p.e)
		if p.e.Type.IsShift() {
			k := p.e.Agency + "\x00" + p.e.Desk
			if _, ok := deskCause[k]; !ok {
				desks = append(desks, k)
			}
			deskCause[k] = p.e.ID
			if err := w.foldDesk(p.e); err != nil {
				return nil, change, err
			}
		} else {
			work[p.e.Dossier].cause = p.e.ID
		}
	}
	for _, code := range order {
		dw := work[code]
		if dw.cause == "" {
			continue // only retries
		}
		d, vs, err := w.settle(code, dw.prev, dw.cause)
		if err != nil {
			return nil, change, err
		}
		res.Dossiers = append(res.Dossiers, d)
		res.Violations = append(res.Violations, vs...)
	}
	for _, k := range desks {
		vs, _, err := w.settleDesk(k, deskCause[k])
		if err != nil {
			return nil, change, err
		}
		res.Violations = append(res.Violations, vs...)
	}
	if seq > w.seq {
		// Replay re-records each call's events together, as here.
		if err := w.tx.Bucket(bucketBatches).Put(u64(seq), nil); err != nil {
			return nil, change, fmt.Errorf("log batch: %w", err)
		}
	}
	w.seq = seq
	change.Dossiers = res.Dossiers
	change.Violations = res.Violations
	return res, change, nil
}

// dossierWork is one dossier's judgement within a Record call: its stored
// state and the call's new events for it.
type dossierWork struct {
	prev   *counter.Dossier
	state  *counter.Dossier
	news   []counter.Event // in arrival order
	index  []int           // each new event's index in the call
	failed int             // the call index of a refused event
	cause  string          // the last new event of the call
}

// admit judges the call's new events of one dossier (SPEC.md §10.1).
// Events that each come after every event before them are judged against
// the state alone; otherwise the stored history is read and the new events
// are judged inserted at their `at` (counter.Admit).
func (w *writeTx) admit(dw *dossierWork) error {
	inOrder := true
	for i := range dw.news {
		if i > 0 && dw.news[i].At.Before(dw.news[i-1].At) || !counter.InOrder(dw.state, dw.news[i]) {
			inOrder = false
			break
		}
	}
	if inOrder {
		d := dw.state
		for i := range dw.news {
			if err := counter.Accept(w.cfg, d, &dw.news[i], w.now); err != nil {
				dw.failed = dw.index[i]
				return err
			}
			d = counter.Fold(w.cfg, d, dw.news[i])
		}
		return nil
	}
	var hist []counter.Event
	if dw.prev != nil {
		var err error
		if hist, err = w.history(dw.prev.Code); err != nil {
			return err
		}
		counter.SortHistory(hist)
	}
	_, _, bad, err := counter.Admit(w.cfg, hist, dw.news, w.now)
	if err != nil {
		dw.failed = dw.index[len(dw.index)-1]
		if bad >= 0 {
			dw.failed = dw.index[bad]
		}
	}
	return err
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func conflict(id string) error {
	return counter.Errorf(counter.CodeEventIDConflict, "id", "event %q was already recorded with a different body",
		"sự kiện %q đã được ghi với nội dung khác", id)
}

// sameBody reports whether two events have the same client-chosen fields.
func sameBody(a, b counter.Event) bool {
	x, err1 := json.Marshal(a.Body())
	y, err2 := json.Marshal(b.Body())
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// idHash is the keyed hash kept in place of an applicant's id number.
func (s *Store) idHash(id string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("id_number\x00" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// TrackingKey is the short keyed hash that opens a dossier's public status
// page (SPEC.md §6.3), so that sequential codes cannot be enumerated.
func (s *Store) TrackingKey(code string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("tracking\x00" + code))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:6])
}

// eventHash chains e to the previous event's hash over e's canonical
// encoding: its JSON without Hash, which is also how it is stored.
func eventHash(prev []byte, e counter.Event) ([]byte, error) {
	_, sum, err := encodeEvent(prev, e)
	return sum, err
}

// encodeEvent returns e's stored form (its JSON without Hash) and its hash
// chained to prev.
func encodeEvent(prev []byte, e counter.Event) ([]byte, []byte, error) {
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		return nil, nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(b)
	return b, h.Sum(nil), nil
}

// appendEvent writes e to the log with its place in the hash chain.
func (w *writeTx) appendEvent(p *pending) error {
	e := &p.e
	e.PrevHash = hex.EncodeToString(w.head)
	var b, sum []byte
	var err error
	if p.encoded {
		b, sum, err = encodeNumbered(w.head, e, p.body)
	} else {
		b, sum, err = encodeEvent(w.head, *e)
	}
	if err != nil {
		return err
	}
	w.head = sum
	e.Hash = hex.EncodeToString(sum) // derivable; kept in the log only as the chain head in meta
	seqKey := u64(e.Seq)
	if err := w.tx.Bucket(bucketLog).Put(seqKey, b); err != nil {
		return fmt.Errorf("append event %s: %w", e.ID, err)
	}
	// Settling reads the entry back at once: keep it as decoding it would
	// give it (asLogged), so that it is not decoded.
	if l, ok := asLogged(*e); ok {
		w.logged[e.Seq] = &l
	}
	if err := w.tx.Bucket(bucketEventIDs).Put([]byte(e.ID), seqKey); err != nil {
		return fmt.Errorf("index event %s: %w", e.ID, err)
	}
	if e.Type.IsShift() {
		// Keyed by the event's own time, so a judgement over a recent window
		// seeks to it instead of reading the desk's whole history.
		if err := w.tx.Bucket(bucketDeskLog).Put(join([]byte(e.Agency), []byte(e.Desk), append(timeKey(e.At), seqKey...)), seqKey); err != nil {
			return fmt.Errorf("index shift %s: %w", e.ID, err)
		}
		w.dirty = true
		return nil
	}
	if err := w.tx.Bucket(bucketDossierLog).Put(join([]byte(e.Dossier), seqKey), nil); err != nil {
		return fmt.Errorf("index event %s: %w", e.ID, err)
	}
	w.dirty = true
	return nil
}

// eventByID returns the stored event with id, or nil.
func (w *writeTx) eventByID(id string) (*counter.Event, error) {
	return eventByID(w.tx, id)
}

func eventByID(tx *bolt.Tx, id string) (*counter.Event, error) {
	seq := tx.Bucket(bucketEventIDs).Get([]byte(id))
	if seq == nil {
		return nil, nil
	}
	return eventBySeq(tx, seq)
}

func eventBySeq(tx *bolt.Tx, seq []byte) (*counter.Event, error) {
	b := tx.Bucket(bucketLog).Get(seq)
	if b == nil {
		return nil, fmt.Errorf("event %d is indexed but not in the log", binary.BigEndian.Uint64(seq))
	}
	var e counter.Event
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(seq), err)
	}
	return &e, nil
}

// dossier returns the stored state of code, or nil.
func (w *writeTx) dossier(code string) (*counter.Dossier, error) { return w.s.getDossier(w.tx, code) }

func (s *Store) getDossier(tx *bolt.Tx, code string) (*counter.Dossier, error) {
	b := tx.Bucket(bucketDossiers).Get([]byte(code))
	if b == nil {
		return nil, nil
	}
	return s.decodeDossier(b)
}

// dossierEvents reads code's stored events in arrival order.
func dossierEvents(tx *bolt.Tx, code string) ([]counter.Event, error) {
	return readHistory(tx, code, nil)
}

// history is dossierEvents of code with each log entry decoded once:
// entries committed before this transaction from the store's cache, the
// ones it wrote itself from its own.
func (w *writeTx) history(code string) ([]counter.Event, error) {
	return readHistory(w.tx, code, w)
}

// get and put make writeTx the cache of readHistory.
func (w *writeTx) get(seq uint64) (*counter.Event, bool) {
	if seq <= w.committed {
		return w.s.logs.get(seq)
	}
	e, ok := w.logged[seq]
	return e, ok
}

func (w *writeTx) put(seq uint64, e *counter.Event) {
	if seq <= w.committed {
		w.s.logs.put(seq, e)
		return
	}
	w.logged[seq] = e
}

// eventCache keeps decoded log entries by seq.
type eventCache interface {
	get(seq uint64) (*counter.Event, bool)
	put(seq uint64, e *counter.Event)
}

// readHistory reads code's events from the log. cache, when not nil,
// holds entries decoded before and takes those decoded now; what comes
// from it is a clone, so nothing a caller changes reaches it.
func readHistory(tx *bolt.Tx, code string, cache eventCache) ([]counter.Event, error) {
	prefix := append([]byte(code), 0)
	var out []counter.Event
	c := tx.Bucket(bucketDossierLog).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue // a longer code sharing this prefix
		}
		seq := binary.BigEndian.Uint64(k[len(prefix):])
		if cache != nil {
			if e, ok := cache.get(seq); ok {
				out = append(out, e.Clone())
				continue
			}
		}
		e, err := eventBySeq(tx, k[len(prefix):])
		if err != nil {
			return nil, err
		}
		if cache != nil {
			cache.put(seq, e)
			out = append(out, e.Clone())
			continue
		}
		out = append(out, *e)
	}
	return out, nil
}

// settle judges dossier code at the transaction's instant from what the
// transaction holds (counter.Settle) and writes the outcome: the state,
// its indexes, the violation changes, the roll-up deltas and the next
// check. prev is the state stored before this transaction's events (nil
// if new); cause is the event that asked for the judgement ("" for a
// sweep). It returns the state as stored and the new or changed violations.
func (w *writeTx) settle(code string, prev *counter.Dossier, cause string) (*counter.Dossier, []counter.Violation, error) {
	hist, err := w.history(code)
	if err != nil {
		return nil, nil, err
	}
	counter.SortHistory(hist)
	var stored []counter.Violation
	if prev != nil { // a dossier new in this call has none yet
		if stored, err = dossierViolations(w.tx, code); err != nil {
			return nil, nil, err
		}
	}
	out, err := counter.Settle(w.cfg, w.s.opts.Evaluator, counter.SettleInput{
		Prev: prev, History: hist, Stored: stored, Now: w.now, Cause: cause, TrackingKey: w.s.TrackingKey(code),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("settle %s: %w", code, err)
	}
	if err := w.persist(prev, &out); err != nil {
		return nil, nil, err
	}
	if cause != "" { // a sweep adds no event: the track stands
		if err := w.putTrack(code, hist); err != nil {
			return nil, nil, err
		}
	}
	return out.Dossier, out.Changed(), nil
}

// persist writes what a judgement of a dossier decided.
func (w *writeTx) persist(prev *counter.Dossier, out *counter.Outcome) error {
	nd := out.Dossier
	for i := range out.Violations {
		if err := w.putViolation(&out.Violations[i]); err != nil {
			return err
		}
	}
	if err := w.applyRollup(out.Rollup, out.Clocks); err != nil {
		return err
	}
	w.countFinish(prev, nd)
	if err := w.indexDossier(prev, nd); err != nil {
		return err
	}
	if err := w.setNext("d"+nd.Code, out.Next); err != nil {
		return err
	}
	b, err := encodeDossier(nd)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bucketDossiers).Put([]byte(nd.Code), b); err != nil {
		return fmt.Errorf("put dossier %s: %w", nd.Code, err)
	}
	w.dirty = true
	return nil
}

// indexDossier lists nd under every agency that may see it
// (nd.Readers), by creation time. Keys are only ever added: an agency that
// could once see a dossier keeps finding it.
func (w *writeTx) indexDossier(prev, nd *counter.Dossier) error {
	suffix := append(timeKey(nd.CreatedAt), nd.Code...)
	var had []string
	if prev != nil && len(prev.Visible) > 0 {
		had = prev.Readers(w.cfg)
	}
	for _, a := range nd.Readers(w.cfg) {
		if slices.Contains(had, a) {
			continue
		}
		if err := w.changeIndex(bucketAgencyIdx, recentPut, join([]byte(a), suffix)); err != nil {
			return fmt.Errorf("index dossier %s: %w", nd.Code, err)
		}
	}
	return nil
}

// setNext moves key's entry in the due-time index to next (zero: none).
func (w *writeTx) setNext(key string, next time.Time) error {
	nb := w.tx.Bucket(bucketNext)
	due := w.tx.Bucket(bucketDue)
	if old := nb.Get([]byte(key)); old != nil {
		if err := due.Delete(append(cp(old), key...)); err != nil {
			return fmt.Errorf("unindex %s: %w", key, err)
		}
	}
	if next.IsZero() {
		if err := nb.Delete([]byte(key)); err != nil {
			return fmt.Errorf("unindex %s: %w", key, err)
		}
		return nil
	}
	w.minNext = earliest(w.minNext, next)
	tk := timeKey(next)
	if err := nb.Put([]byte(key), tk); err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	if err := due.Put(append(cp(tk), key...), nil); err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	return nil
}

// finish writes the caches and the chain head.
func (w *writeTx) finish() error {
	meta := w.tx.Bucket(bucketMeta)
	if err := meta.Put(keySeq, u64(w.seq)); err != nil {
		return fmt.Errorf("put seq: %w", err)
	}
	if err := meta.Put(keyHead, w.head); err != nil {
		return fmt.Errorf("put head: %w", err)
	}
	if err := w.flushStats(); err != nil {
		return err
	}
	if err := w.finishRecent(); err != nil {
		return err
	}
	return w.flushTallies()
}
