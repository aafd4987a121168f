package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	bolt "go.etcd.io/bbolt"
)

// Reads for heads' scorecards and the reports (issue 13). Nothing here
// writes: the scorecard is computed by counter.ComputeScorecards from what
// these functions read.

// scoreDay is the part of a per-day roll-up tally a scorecard needs; the
// per-code maps are skipped by the decoder.
type scoreDay struct {
	Received int `json:"r"`
	Finished int `json:"f"`
	OnTime   int `json:"o"`
}

// scoreDossier is the part of a stored dossier (dossierRecord) the 766
// rate needs, decoded without the applicant, the complaints or the
// tracking key. TestScorecardInput keeps it in step with the codec.
type scoreDossier struct {
	Code          string `json:"c"`
	Agency        string `json:"a"`
	Holder        string `json:"h"`
	Status        string `json:"s"`
	CreatedAt     int64  `json:"ca"`
	ReceivedAt    int64  `json:"ra"`
	LegalDueAt    int64  `json:"ld"`
	PromisedDueAt int64  `json:"pd"`
	DueAt         int64  `json:"du"`
	FinishedAt    int64  `json:"fa"`
	Appraisal     int    `json:"sa"`
	Intake        int    `json:"si"`
	PausedAt      int64  `json:"pa"`
	UpdatedAt     int64  `json:"ua"`
}

func (r *scoreDossier) dossier(loc *time.Location) *counter.Dossier {
	// One allocation holds the dossier and its instants: a year of the
	// city is some 65,000 of them per request.
	x := new(struct {
		d  counter.Dossier
		ts [6]time.Time
	})
	at := func(i int, n int64) *time.Time {
		if n == 0 {
			return nil
		}
		x.ts[i] = time.Unix(0, n).In(loc)
		return &x.ts[i]
	}
	d := &x.d
	*d = counter.Dossier{Code: r.Code, Agency: r.Agency, Holder: r.Holder, Status: r.Status,
		ReceivedAt: at(0, r.ReceivedAt), LegalDueAt: at(1, r.LegalDueAt), PromisedDueAt: at(2, r.PromisedDueAt),
		DueAt: at(3, r.DueAt), FinishedAt: at(4, r.FinishedAt), PausedAt: at(5, r.PausedAt),
		Supplements: counter.Supplements{Intake: r.Intake, Appraisal: r.Appraisal}}
	if d.Holder == "" {
		d.Holder = d.Agency
	}
	if r.CreatedAt != 0 {
		d.CreatedAt = time.Unix(0, r.CreatedAt).In(loc)
	}
	if r.UpdatedAt != 0 {
		d.UpdatedAt = time.Unix(0, r.UpdatedAt).In(loc)
	}
	return d
}

// violationMark is the part of a stored violation a scorecard needs.
type violationMark struct {
	Status     string    `json:"status"`
	Severity   string    `json:"severity"`
	Agency     string    `json:"agency"`
	OccurredAt time.Time `json:"occurred_at"`
}

// ScorecardInput reads what plan needs for its agency's subtree, in one
// read transaction, from the views the write path keeps for scorecards
// (scoretrack.go): the per-day counts of every agency of the subtree over
// the plan's window (the roll-up's received, finished and on-time, and
// the counting violations charged to each agency by severity); the
// violations of the judging day up to a judging instant that falls
// before that day's end (now); and the track of every dossier received by
// or held within the subtree that was received by the window's end and not
// finished before its start, cut to the states the plan's judging
// instants read. ScorecardInputScan computes the same from the dossiers,
// their events and the violations. Returns CodeNotFound for an unknown
// agency.
func (s *Store) ScorecardInput(ctx context.Context, plan *counter.ScorecardPlan) (*counter.ScorecardInput, error) {
	if s.cfg.Agency(plan.Agency) == nil {
		return nil, counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", plan.Agency)
	}
	in := &counter.ScorecardInput{Days: map[string][]counter.DayCount{}, ViolationsByDay: true}
	from, to, ok := plan.Window()
	if !ok {
		return in, nil
	}
	loc := s.cfg.Calendar.Location
	var instants []int64
	var partFrom, partTo time.Time // the judging days cut short, to their judging instant
	for _, j := range plan.Instants() {
		instants = append(instants, j.UnixNano())
		j = j.In(loc)
		dayStart := calendar.DateOf(j).In(loc)
		if j.Equal(dayStart.AddDate(0, 0, 1).Add(-time.Nanosecond)) {
			continue
		}
		if partFrom.IsZero() || dayStart.Before(partFrom) {
			partFrom = dayStart
		}
		if j.After(partTo) {
			partTo = j
		}
	}
	names := interner{s.cfg}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := s.readScoreCounts(tx, plan.Agency, from, to, in); err != nil {
			return err
		}
		if !partFrom.IsZero() {
			if err := readViolationMarks(ctx, tx, plan.Agency, partFrom, partTo, in, names); err != nil {
				return err
			}
		}
		// The states the plan reads of each track (the one in force at each
		// judging instant), in chunks that are never moved.
		var arena counter.ScoreTrack
		keep := func(code, b []byte) error {
			r, err := newTrackReader(b, names)
			if err != nil {
				return fmt.Errorf("decode score track %s: %w", code, err)
			}
			if len(instants) > cap(arena)-len(arena) {
				arena = make(counter.ScoreTrack, 0, max(4096, len(instants)))
			}
			start := len(arena)
			var st counter.ScoreState
			// Newest state first: each instant, latest first, reads the
			// first state since at or before it.
			for i, newest := len(instants)-1, true; i >= 0; newest = false {
				ok, err := r.next(&st)
				if err != nil {
					return fmt.Errorf("decode score track %s: %w", code, err)
				}
				if !ok {
					break // the instants left are before the dossier's receipt
				}
				if newest && st.FinishedAt != 0 && st.FinishedAt < from.UnixNano() {
					return nil // finished before the window: judged nowhere
				}
				if instants[i] < st.Since {
					continue
				}
				arena = append(arena, st)
				for i >= 0 && instants[i] >= st.Since {
					i--
				}
			}
			if len(arena) > start {
				tr := arena[start:len(arena):len(arena)]
				slices.Reverse(tr)
				in.Tracks = append(in.Tracks, tr)
			}
			return nil
		}
		n := 0
		tracks := tx.Bucket(bucketScoreTracks)
		if plan.Agency == s.cfg.Root.ID {
			// Every dossier is in the root's scope: walk the tracks in key
			// order rather than the index.
			c := tracks.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if n++; n%4096 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				if err := keep(k, v); err != nil {
					return err
				}
			}
		} else {
			prefix := append([]byte(plan.Agency), 0)
			walk := walkNewest(tx, bucketAgencyIdx, prefix, to, nil)
			seen := map[string]bool{}
			// Newest first by creation: skip those created after the
			// window; every older one may still be open in it.
			for k := walk.next(); k != nil; k = walk.next() {
				if n++; n%4096 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				rest := k[len(prefix):]
				if len(rest) <= 8 || seen[string(rest[8:])] {
					continue
				}
				seen[string(rest[8:])] = true
				if v := tracks.Get(rest[8:]); v != nil {
					if err := keep(rest[8:], v); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scorecards of %s: %w", plan.Agency, err)
	}
	return in, nil
}

// readScoreCounts reads score_days of agency's subtree for the local days
// from..to.
func (s *Store) readScoreCounts(tx *bolt.Tx, agency string, from, to time.Time, in *counter.ScorecardInput) error {
	loc := s.cfg.Calendar.Location
	c := tx.Bucket(bucketScoreDays).Cursor()
	for _, id := range s.cfg.Subtree(agency) {
		prefix := []byte(id + "\x00")
		hi := []byte(dayKey(id, to, loc))
		var days []counter.DayCount
		for k, v := c.Seek([]byte(dayKey(id, from, loc))); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			var d scoreCounts
			if err := decodeScoreCounts(v, &d); err != nil {
				return fmt.Errorf("decode score day %q: %w", k, err)
			}
			day, err := scanInt(k[len(prefix):])
			if err != nil {
				return fmt.Errorf("score day key %q: %w", k, err)
			}
			days = append(days, counter.DayCount{Day: int(day), Received: int(d.Received), Finished: int(d.Finished), OnTime: int(d.OnTime),
				Charged: counter.SeverityCounts{High: int(d.High), Medium: int(d.Medium), Low: int(d.Low)}})
		}
		if days != nil {
			in.Days[id] = days
		}
	}
	return nil
}

// ScorecardInputScan is ScorecardInput computed the long way, as it was
// before the write path kept tracks and score days: it reads the
// roll-up's per-day counts of every agency of the subtree over the plan's
// window; the violations charged within it that occurred in the window
// and count (Violation.Counts, so dismissed and withdrawn ones are left
// out); and every dossier received by or held within it that was
// received by the window's end and not finished before its start, with
// its state at each judging instant it changed after, folded from its
// events. Kept as the reference the fast read is tested against, and as
// the benchmark's before. Returns CodeNotFound for an unknown agency.
func (s *Store) ScorecardInputScan(ctx context.Context, plan *counter.ScorecardPlan) (*counter.ScorecardInput, error) {
	if s.cfg.Agency(plan.Agency) == nil {
		return nil, counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", plan.Agency)
	}
	in := &counter.ScorecardInput{Days: map[string][]counter.DayCount{}}
	from, to, ok := plan.Window()
	if !ok {
		return in, nil
	}
	instants := plan.Instants()
	loc := s.cfg.Calendar.Location
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := s.readScoreDays(tx, plan.Agency, from, to, in); err != nil {
			return err
		}
		if plan.Agency == s.cfg.Root.ID {
			if err := readAllViolationMarks(ctx, tx, from, to, in, interner{s.cfg}); err != nil {
				return err
			}
		} else if err := readViolationMarks(ctx, tx, plan.Agency, from, to, in, interner{s.cfg}); err != nil {
			return err
		}
		names := interner{s.cfg}
		keep := func(code string, b []byte) error {
			var r scoreDossier
			if err := scanDossier(b, &r, names); err != nil {
				return fmt.Errorf("decode dossier %s: %w", code, err)
			}
			if r.ReceivedAt == 0 || r.ReceivedAt > to.UnixNano() || (r.FinishedAt != 0 && r.FinishedAt < from.UnixNano()) {
				return nil
			}
			tr := counter.DossierTrack{Final: r.dossier(loc)}
			var past []time.Time
			for _, j := range instants {
				if j.UnixNano() < r.UpdatedAt && j.UnixNano() >= r.ReceivedAt {
					past = append(past, j)
				}
			}
			if len(past) > 0 {
				var err error
				if tr.Past, err = s.statesAt(tx, code, past); err != nil {
					return err
				}
			}
			in.Dossiers = append(in.Dossiers, tr)
			return nil
		}
		n := 0
		if plan.Agency == s.cfg.Root.ID {
			// Every dossier is in the root's scope: walk the states in key
			// order rather than the index, which costs a lookup each.
			c := tx.Bucket(bucketDossiers).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if n++; n%4096 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				if err := keep(string(k), v); err != nil {
					return err
				}
			}
			return nil
		}
		prefix := append([]byte(plan.Agency), 0)
		walk := walkNewest(tx, bucketAgencyIdx, prefix, to, nil)
		seen := map[string]bool{}
		// Newest first by creation: skip those created after the window;
		// every older one may still be open in it.
		for k := walk.next(); k != nil; k = walk.next() {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			rest := k[len(prefix):]
			if len(rest) <= 8 {
				continue
			}
			code := string(rest[8:])
			if seen[code] {
				continue
			}
			seen[code] = true
			if b := tx.Bucket(bucketDossiers).Get(rest[8:]); b != nil {
				if err := keep(code, b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scorecards of %s: %w", plan.Agency, err)
	}
	return in, nil
}

// readScoreDays reads the per-day roll-up counts of agency's subtree for
// the local days from..to.
func (s *Store) readScoreDays(tx *bolt.Tx, agency string, from, to time.Time, in *counter.ScorecardInput) error {
	loc := s.cfg.Calendar.Location
	c := tx.Bucket(bucketRollupDay).Cursor()
	for _, id := range s.cfg.Subtree(agency) {
		prefix := []byte(id + "\x00")
		hi := []byte(dayKey(id, to, loc))
		for k, v := c.Seek([]byte(dayKey(id, from, loc))); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			var d scoreDay
			if err := scanDay(v, &d); err != nil {
				return fmt.Errorf("decode rollup day %q: %w", k, err)
			}
			if d.Received == 0 && d.Finished == 0 {
				continue
			}
			day, err := scanInt(k[len(prefix):])
			if err != nil {
				return fmt.Errorf("rollup day key %q: %w", k, err)
			}
			in.Days[id] = append(in.Days[id], counter.DayCount{Day: int(day), Received: d.Received, Finished: d.Finished, OnTime: d.OnTime})
		}
	}
	return nil
}

// readViolationMarks reads the counting violations charged within agency's
// subtree with occurred_at in from..to.
func readViolationMarks(ctx context.Context, tx *bolt.Tx, agency string, from, to time.Time, in *counter.ScorecardInput, names interner) error {
	prefix := append([]byte(agency), 0)
	stop := timeKey(from)
	walk := walkNewest(tx, bucketViolIdx, prefix, to, nil)
	n := 0
	for k := walk.next(); k != nil; k = walk.next() {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rest := k[len(prefix):]
		if len(rest) < 8 {
			continue
		}
		if bytes.Compare(rest[:8], stop) < 0 {
			break
		}
		b := tx.Bucket(bucketViolations).Get(rest[8:])
		if len(b) < 8 {
			return fmt.Errorf("violation %s is indexed but not stored", rest[8:])
		}
		var m violationMark
		if err := markViolation(b, &m, names); err != nil {
			return fmt.Errorf("decode violation %s: %w", rest[8:], err)
		}
		m.OccurredAt = time.Unix(0, int64(beUint(rest[:8])))
		if v := (counter.Violation{Status: m.Status}); !v.Counts() {
			continue
		}
		in.Violations = append(in.Violations, counter.ViolationMark{Agency: m.Agency, Severity: m.Severity, OccurredAt: m.OccurredAt})
	}
	return nil
}

// readAllViolationMarks is readViolationMarks for the root's scope, which
// holds every violation: it walks the violations in key order rather than
// the time index, which costs a lookup each, and reads occurred_at from
// the record.
func readAllViolationMarks(ctx context.Context, tx *bolt.Tx, from, to time.Time, in *counter.ScorecardInput, names interner) error {
	c := tx.Bucket(bucketViolations).Cursor()
	n := 0
	for k, b := c.First(); k != nil; k, b = c.Next() {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if len(b) < 8 {
			return fmt.Errorf("violation %s: stored record too short", k)
		}
		var m violationMark
		if err := markViolation(b, &m, names); err != nil {
			return fmt.Errorf("decode violation %s: %w", k, err)
		}
		if m.OccurredAt.Before(from) || m.OccurredAt.After(to) {
			continue
		}
		if v := (counter.Violation{Status: m.Status}); !v.Counts() {
			continue
		}
		in.Violations = append(in.Violations, counter.ViolationMark{Agency: m.Agency, Severity: m.Severity, OccurredAt: m.OccurredAt})
	}
	return nil
}

// statesAt folds code's history up to each of instants (ascending) and
// returns the states by UnixNano; an instant before the dossier's first
// event maps to nil. Events are folded in order of at, ties in log order
// (SPEC.md §10.1).
func (s *Store) statesAt(tx *bolt.Tx, code string, instants []time.Time) (map[int64]*counter.Dossier, error) {
	events, err := dossierEvents(tx, code)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(events, func(a, b counter.Event) int { return a.At.Compare(b.At) })
	out := make(map[int64]*counter.Dossier, len(instants))
	var d *counter.Dossier
	i := 0
	for _, j := range instants {
		for ; i < len(events) && !events[i].At.After(j); i++ {
			d = counter.Fold(s.cfg, d, events[i])
		}
		out[j.UnixNano()] = d
	}
	return out, nil
}

// RegisterRow is one line of the dossier register (Sổ theo dõi hồ sơ,
// Form 06 of Circular 01/2018, Form 07 of Circular 03/2025): the dossier
// and the instants of its handovers read from its events.
type RegisterRow struct {
	Dossier *counter.Dossier
	// TransferredAt and TransferredTo are the first transfer out of the
	// receiving counter: when, and to which agency.
	TransferredAt *time.Time
	TransferredTo string
	// ResultAt is when the result came back (result_ready).
	ResultAt *time.Time
	// EndReason is the reason of a rejection or withdrawal, if any.
	EndReason string
}

// registerChunk is how many rows one read transaction gathers, so that a
// long export never holds a transaction (and the file's remapping) for
// long, nor more than this many rows in memory.
const registerChunk = 256

// EachRegisterRow calls fn with every dossier received by a counter
// within agency's subtree with received_at in from..to, in the order the
// dossiers were created (receipt order for dossiers received at the
// counter; dossiers created at the same instant in code order), outside
// any transaction. It stops at fn's first error and
// returns it. Returns CodeNotFound for an unknown agency.
func (s *Store) EachRegisterRow(ctx context.Context, agency string, from, to time.Time, fn func(RegisterRow) error) error {
	if s.cfg.Agency(agency) == nil {
		return counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", agency)
	}
	prefix := append([]byte(agency), 0)
	var resume []byte // the last key read; the next chunk continues after it
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rows []RegisterRow
		done := false
		err := s.db.View(func(tx *bolt.Tx) error {
			// Oldest first, in the index's order (by creation, then code),
			// from the agency's first key or just after the last key read.
			walk := walkOldest(tx, bucketAgencyIdx, prefix, resume)
			for k := walk.next(); k != nil; k = walk.next() {
				rest := k[len(prefix):]
				if len(rest) <= 8 {
					continue
				}
				if len(rows) >= registerChunk {
					return nil // resume is the last key read
				}
				if int64(beUint(rest[:8])) > to.UnixNano() {
					done = true
					return nil
				}
				resume = cp(k)
				row, ok, err := s.registerRow(tx, agency, string(rest[8:]), from, to)
				if err != nil {
					return err
				}
				if ok {
					rows = append(rows, row)
				}
			}
			done = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("read register of %s: %w", agency, err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// registerRow builds the row of code when a counter within agency received
// it in from..to.
func (s *Store) registerRow(tx *bolt.Tx, agency, code string, from, to time.Time) (RegisterRow, bool, error) {
	d, err := s.getDossier(tx, code)
	if err != nil || d == nil {
		return RegisterRow{}, false, err
	}
	if d.ReceivedAt == nil || d.ReceivedAt.Before(from) || d.ReceivedAt.After(to) || !s.cfg.Within(d.Agency, agency) {
		return RegisterRow{}, false, nil
	}
	events, err := dossierEvents(tx, code)
	if err != nil {
		return RegisterRow{}, false, err
	}
	slices.SortStableFunc(events, func(a, b counter.Event) int { return a.At.Compare(b.At) })
	row := RegisterRow{Dossier: d}
	loc := s.cfg.Calendar.Location
	for _, e := range events {
		at := e.At.In(loc)
		switch e.Type {
		case counter.Transferred:
			if row.TransferredAt == nil {
				row.TransferredAt, row.TransferredTo = &at, e.To
			}
		case counter.ResultReady:
			if row.ResultAt == nil {
				row.ResultAt = &at
			}
		case counter.Rejected, counter.Withdrawn:
			row.EndReason = e.Reason
		}
	}
	return row, true, nil
}
