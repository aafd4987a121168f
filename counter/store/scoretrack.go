package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// What the write path keeps for the heads' scorecards (issue 13), so that
// a scorecard reads neither the dossiers' states nor their events:
//
//	score_tracks  code → the dossier's counter.ScoreTrack (encodeTrack)
//	score_days    agency 0 YYYYMMDD → scoreCounts of that local day
//
// A track is a function of the dossier's ordered history alone, rebuilt
// whenever an event joins it (at its `at`, late or not). A day's received,
// finished and on-time counts are the roll-up's (rollup_day, the same
// counter.RollupDelta applied to both); its violations are those charged
// to the agency itself (not its subtree: the tree is read when serving)
// that count, by severity, on the day they occurred, moved by every
// stored change of a violation (raised, dismissed, withdrawn, moved by a
// late event). Both are derived views: replay rebuilds and compares them.

// scoreCounts is one agency's day in score_days.
type scoreCounts struct {
	Received, Finished, OnTime int64
	High, Medium, Low          int64
}

func (c *scoreCounts) zero() bool { return *c == scoreCounts{} }

func (c *scoreCounts) encode() []byte {
	b := make([]byte, 0, 12)
	for _, n := range []int64{c.Received, c.Finished, c.OnTime, c.High, c.Medium, c.Low} {
		b = binary.AppendVarint(b, n)
	}
	return b
}

var errScoreRecord = errors.New("malformed score record")

func decodeScoreCounts(b []byte, c *scoreCounts) error {
	for _, p := range []*int64{&c.Received, &c.Finished, &c.OnTime, &c.High, &c.Medium, &c.Low} {
		n, k := binary.Varint(b)
		if k <= 0 {
			return errScoreRecord
		}
		*p, b = n, b[k:]
	}
	if len(b) != 0 {
		return errScoreRecord
	}
	return nil
}

// scoreDay returns the transaction's counts of agency on day (YYYYMMDD),
// read from the bucket on first use.
func (w *writeTx) scoreDay(agency string, day int) (*scoreCounts, error) {
	if w.scoreDays == nil {
		w.scoreDays = map[string]*scoreCounts{}
	}
	k := agency + "\x00" + counter.DayString(day)
	if c, ok := w.scoreDays[k]; ok {
		return c, nil
	}
	c := &scoreCounts{}
	if b := w.tx.Bucket(bucketScoreDays).Get([]byte(k)); b != nil {
		if err := decodeScoreCounts(b, c); err != nil {
			return nil, fmt.Errorf("decode score day %q: %w", k, err)
		}
	}
	w.scoreDays[k] = c
	return c, nil
}

// scoreRollup adds the day entries of a roll-up delta to score_days.
func (w *writeTx) scoreRollup(r counter.RollupDelta) error {
	for k, d := range r {
		if k.Day == 0 || (d.Received == 0 && d.Finished == 0 && d.OnTime == 0) {
			continue
		}
		c, err := w.scoreDay(k.Agency, k.Day)
		if err != nil {
			return err
		}
		c.Received += int64(d.Received)
		c.Finished += int64(d.Finished)
		c.OnTime += int64(d.OnTime)
	}
	return nil
}

// scoreViolation moves a stored violation change's weight in score_days:
// the old version out, the new one in, each when it counts.
func (w *writeTx) scoreViolation(c *counter.ViolationChange) error {
	if err := w.scoreCharge(c.Old, -1); err != nil {
		return err
	}
	return w.scoreCharge(&c.New, +1)
}

func (w *writeTx) scoreCharge(v *counter.Violation, sign int64) error {
	agency, day, sev, ok := chargeOf(w.cfg, v)
	if !ok {
		return nil
	}
	c, err := w.scoreDay(agency, day)
	if err != nil {
		return err
	}
	*sev(c) += sign
	return nil
}

// chargeOf returns where a violation counts in score_days; ok is false
// when it counts nowhere.
func chargeOf(cfg *counter.Config, v *counter.Violation) (agency string, day int, sev func(*scoreCounts) *int64, ok bool) {
	if v == nil || v.Agency == "" || !v.Counts() {
		return "", 0, nil, false
	}
	switch v.Severity {
	case counter.SeverityHigh:
		sev = func(c *scoreCounts) *int64 { return &c.High }
	case counter.SeverityMedium:
		sev = func(c *scoreCounts) *int64 { return &c.Medium }
	case counter.SeverityLow:
		sev = func(c *scoreCounts) *int64 { return &c.Low }
	default:
		return "", 0, nil, false
	}
	return v.Agency, counter.DayOf(v.OccurredAt, cfg.Calendar.Location), sev, true
}

// flushScoreDays writes the transaction's score days; a day that holds
// nothing any more is deleted, as if never counted.
func (w *writeTx) flushScoreDays() error {
	b := w.tx.Bucket(bucketScoreDays)
	for k, c := range w.scoreDays {
		if c.zero() {
			if err := b.Delete([]byte(k)); err != nil {
				return fmt.Errorf("put score day: %w", err)
			}
			continue
		}
		if err := b.Put([]byte(k), c.encode()); err != nil {
			return fmt.Errorf("put score day: %w", err)
		}
	}
	return nil
}

// putTrack stores the track of code's ordered history (none for a dossier
// never received).
func (w *writeTx) putTrack(code string, hist []counter.Event) error {
	b := w.tx.Bucket(bucketScoreTracks)
	// Keyed by code like dossiers, so mostly appended: pages split full.
	b.FillPercent = 0.9
	tr := counter.TrackOf(w.cfg, hist)
	if len(tr) == 0 {
		if err := b.Delete([]byte(code)); err != nil {
			return fmt.Errorf("put score track %s: %w", code, err)
		}
		return nil
	}
	if err := b.Put([]byte(code), encodeTrack(tr)); err != nil {
		return fmt.Errorf("put score track %s: %w", code, err)
	}
	return nil
}

// A track is stored newest state first, so that a read judging at recent
// instants decodes one state or two of each: a uvarint count, then per
// state a uvarint of flags (trackSame* and one trackHas* bit per instant
// present), the varint of Since (the first state's itself, the others'
// as the newer state's Since minus theirs), the agency and holder when no
// flag gives them (uvarint length, bytes), the varint of each present
// instant minus Since, and the uvarint Appraisal.
const (
	trackSameAgency  = 1 << iota // agency as in the newer state
	trackSameHolder              // holder as in the newer state
	trackHolderAgent             // holder is the agency
	trackEnded
	trackHasReceived
	trackHasFinished
	trackHasPaused
	trackHasPromised
	trackHasLegal
	trackHasDue
)

func encodeTrack(tr counter.ScoreTrack) []byte {
	b := make([]byte, 0, 24*len(tr)+16)
	b = binary.AppendUvarint(b, uint64(len(tr)))
	var prev *counter.ScoreState
	for i := len(tr) - 1; i >= 0; i-- {
		s := &tr[i]
		var flags uint64
		if prev != nil && prev.Agency == s.Agency {
			flags |= trackSameAgency
		}
		switch {
		case s.Holder == s.Agency:
			flags |= trackHolderAgent
		case prev != nil && prev.Holder == s.Holder:
			flags |= trackSameHolder
		}
		if s.Ended {
			flags |= trackEnded
		}
		times := s.Times()
		for j, t := range times {
			if *t != 0 {
				flags |= trackHasReceived << j
			}
		}
		b = binary.AppendUvarint(b, flags)
		since := s.Since
		if prev != nil {
			since = prev.Since - s.Since
		}
		b = binary.AppendVarint(b, since)
		if flags&trackSameAgency == 0 {
			b = appendString(b, s.Agency)
		}
		if flags&(trackSameHolder|trackHolderAgent) == 0 {
			b = appendString(b, s.Holder)
		}
		for _, t := range times {
			if *t != 0 {
				b = binary.AppendVarint(b, *t-s.Since)
			}
		}
		b = binary.AppendUvarint(b, uint64(s.Appraisal))
		prev = s
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// trackReader decodes a stored track one state at a time, newest first.
// Agency ids come from the configuration when known (no copy).
type trackReader struct {
	b     []byte
	left  uint64
	prev  counter.ScoreState
	first bool
	names interner
}

func newTrackReader(b []byte, names interner) (trackReader, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return trackReader{}, errScoreRecord
	}
	return trackReader{b: b[k:], left: n, first: true, names: names}, nil
}

func (r *trackReader) uvarint() (uint64, error) {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		return 0, errScoreRecord
	}
	r.b = r.b[k:]
	return v, nil
}

func (r *trackReader) varint() (int64, error) {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		return 0, errScoreRecord
	}
	r.b = r.b[k:]
	return v, nil
}

func (r *trackReader) str() (string, error) {
	l, err := r.uvarint()
	if err != nil || l > uint64(len(r.b)) {
		return "", errScoreRecord
	}
	v := r.b[:l]
	r.b = r.b[l:]
	if r.names.cfg != nil {
		if a := r.names.cfg.Agency(string(v)); a != nil {
			return a.ID, nil
		}
	}
	return strings.Clone(string(v)), nil
}

// next decodes the next (older) state into s; false once there is none.
func (r *trackReader) next(s *counter.ScoreState) (bool, error) {
	if r.left == 0 {
		if len(r.b) != 0 {
			return false, errScoreRecord
		}
		return false, nil
	}
	r.left--
	flags, err := r.uvarint()
	if err != nil {
		return false, err
	}
	since, err := r.varint()
	if err != nil {
		return false, err
	}
	first := r.first
	r.first = false
	if (flags&(trackSameAgency|trackSameHolder) != 0 && first) || flags>>10 != 0 {
		return false, errScoreRecord
	}
	*s = counter.ScoreState{Since: since, Ended: flags&trackEnded != 0}
	if !first {
		s.Since = r.prev.Since - since
	}
	if flags&trackSameAgency != 0 {
		s.Agency = r.prev.Agency
	} else if s.Agency, err = r.str(); err != nil {
		return false, err
	}
	switch {
	case flags&trackHolderAgent != 0:
		s.Holder = s.Agency
	case flags&trackSameHolder != 0:
		s.Holder = r.prev.Holder
	default:
		if s.Holder, err = r.str(); err != nil {
			return false, err
		}
	}
	for j, t := range s.Times() {
		if flags&(trackHasReceived<<j) == 0 {
			continue
		}
		d, err := r.varint()
		if err != nil {
			return false, err
		}
		*t = s.Since + d
	}
	a, err := r.uvarint()
	if err != nil {
		return false, err
	}
	s.Appraisal = int(a)
	r.prev = *s
	return true, nil
}

// decodeTrack decodes a whole stored track, oldest state first.
func decodeTrack(b []byte, names interner) (counter.ScoreTrack, error) {
	r, err := newTrackReader(b, names)
	if err != nil {
		return nil, err
	}
	var out counter.ScoreTrack
	for {
		var s counter.ScoreState
		ok, err := r.next(&s)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		out = append(out, s)
	}
	slices.Reverse(out)
	return out, nil
}

// backfillScores builds score_tracks and score_days on a database written
// before they existed: tracks from each dossier's events, the days' counts
// of dossiers from rollup_day, and their violations from the stored ones.
// It does nothing once either bucket holds anything, or when there is
// nothing to count. What it builds is what the write path would have:
// replay compares them.
func (s *Store) backfillScores(tx *bolt.Tx) error {
	if k, _ := tx.Bucket(bucketScoreTracks).Cursor().First(); k != nil {
		return nil
	}
	if k, _ := tx.Bucket(bucketScoreDays).Cursor().First(); k != nil {
		return nil
	}
	dk, _ := tx.Bucket(bucketDossiers).Cursor().First()
	vk, _ := tx.Bucket(bucketViolations).Cursor().First()
	if dk == nil && vk == nil {
		return nil
	}
	w := &writeTx{s: s, tx: tx, cfg: s.cfg}
	tracks := 0
	err := tx.Bucket(bucketDossiers).ForEach(func(k, _ []byte) error {
		hist, err := dossierEvents(tx, string(k))
		if err != nil {
			return err
		}
		counter.SortHistory(hist)
		tracks++
		return w.putTrack(string(k), hist)
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketRollupDay).ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return nil
		}
		var t tally
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode rollup day %q: %w", k, err)
		}
		if t.Received == 0 && t.Finished == 0 && t.OnTime == 0 {
			return nil
		}
		day, err := scanInt(k[i+1:])
		if err != nil {
			return fmt.Errorf("rollup day key %q: %w", k, err)
		}
		c, err := w.scoreDay(string(k[:i]), int(day))
		if err != nil {
			return err
		}
		c.Received += int64(t.Received)
		c.Finished += int64(t.Finished)
		c.OnTime += int64(t.OnTime)
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketViolations).ForEach(func(k, v []byte) error {
		viol, err := decodeViolation(k, v)
		if err != nil {
			return fmt.Errorf("violation %s: %w", k, err)
		}
		return w.scoreCharge(viol, +1)
	})
	if err != nil {
		return err
	}
	if err := w.flushScoreDays(); err != nil {
		return err
	}
	s.log.Info("scorecard views built from the stored ones", "tracks", tracks, "days", len(w.scoreDays))
	return nil
}
