package counter

import "time"

// A scorecard judges each dossier as it stood at the judging instant (the
// period's end, or now): its history folded up to that instant. Folding
// every history again for every request is what made the whole city's
// scorecards slow, so the store keeps, per dossier, the few fields the
// judgement reads, one entry per instant they changed (a ScoreTrack,
// built by TrackOf on the write path from the same ordered history as
// the state). Judge766 and the overdue count read a ScoreState, whether
// it came from a track or from a folded Dossier (StateOf), so both ways
// judge alike.

// ScoreState is what Decision 766 item 2.1 and the overdue count read of a
// dossier's state. Instants are Unix nanoseconds; 0 means none.
type ScoreState struct {
	// Since is the first instant the dossier stood so: the `at` of the
	// events that made it so.
	Since         int64
	Agency        string // the receiving agency
	Holder        string
	ReceivedAt    int64
	FinishedAt    int64
	PausedAt      int64
	PromisedDueAt int64
	LegalDueAt    int64
	DueAt         int64
	Appraisal     int  // supplement requests after receipt
	Ended         bool // Dossier.Ended
}

func nanos(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// StateOf returns what a scorecard reads of d (Since is left zero).
func StateOf(d *Dossier) ScoreState {
	holder := d.Holder
	if holder == "" {
		holder = d.Agency
	}
	return ScoreState{Agency: d.Agency, Holder: holder, ReceivedAt: nanos(d.ReceivedAt), FinishedAt: nanos(d.FinishedAt),
		PausedAt: nanos(d.PausedAt), PromisedDueAt: nanos(d.PromisedDueAt), LegalDueAt: nanos(d.LegalDueAt),
		DueAt: nanos(d.DueAt), Appraisal: d.Supplements.Appraisal, Ended: d.Ended()}
}

// Times returns the state's instants in a fixed order (received,
// finished, paused, promised, legal due, due), for the store's codec.
func (s *ScoreState) Times() [6]*int64 {
	return [6]*int64{&s.ReceivedAt, &s.FinishedAt, &s.PausedAt, &s.PromisedDueAt, &s.LegalDueAt, &s.DueAt}
}

// sameState reports whether a and b read alike, Since aside.
func sameState(a, b *ScoreState) bool {
	x, y := *a, *b
	x.Since, y.Since = 0, 0
	return x == y
}

// Judge766 is Judge766 of the package on this state, with from and judge
// as Unix nanoseconds.
func (s *ScoreState) Judge766(from, judge int64) (counted, onTime bool) {
	if s.ReceivedAt == 0 || s.ReceivedAt > judge {
		return false, false
	}
	if s.FinishedAt != 0 && s.FinishedAt < from {
		return false, false
	}
	if s.Appraisal > Decision766MaxSupplements {
		return true, false
	}
	end := judge
	switch {
	case s.FinishedAt != 0 && s.FinishedAt <= judge:
		end = s.FinishedAt
	case s.PausedAt != 0 && s.PausedAt <= judge:
		end = s.PausedAt
	}
	promised := s.PromisedDueAt
	if promised == 0 {
		promised = s.LegalDueAt
	}
	if promised == 0 {
		return true, false
	}
	return true, end <= promised
}

// OverdueAt reports whether the dossier, as of judge (Unix nanoseconds),
// is unfinished, not waiting on the applicant and past its effective due
// time.
func (s *ScoreState) OverdueAt(judge int64) bool {
	return s.ReceivedAt != 0 && s.FinishedAt == 0 && !s.Ended && s.PausedAt == 0 &&
		s.DueAt != 0 && s.DueAt < judge
}

// ScoreTrack is a dossier's ScoreStates from its receipt on, oldest first,
// one per instant at which what they hold changed. The states before
// receipt are left out: they count nowhere.
type ScoreTrack []ScoreState

// TrackOf folds hist, a dossier's whole history ordered by SortHistory,
// into its track. The state at an instant is the fold of the events at or
// before it, as DossierTrack.At gives it; its last entry reads as
// Replay(cfg, hist) does.
func TrackOf(cfg *Config, hist []Event) ScoreTrack {
	var out ScoreTrack
	var d *Dossier
	for i := 0; i < len(hist); {
		at := hist[i].At
		for ; i < len(hist) && hist[i].At.Equal(at); i++ {
			d = Fold(cfg, d, hist[i])
		}
		if d.ReceivedAt == nil && len(out) == 0 {
			continue
		}
		s := StateOf(d)
		s.Since = at.UnixNano()
		if n := len(out); n > 0 && sameState(&out[n-1], &s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// At returns the state at judge (Unix nanoseconds): the last one since at
// or before it; nil before the dossier was received.
func (t ScoreTrack) At(judge int64) *ScoreState {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].Since <= judge {
			return &t[i]
		}
	}
	return nil
}
