package counter

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// CodeConflictsWithHistory refuses an event that, inserted at its `at`,
// would make an event already recorded later in the dossier's history
// invalid (SPEC.md §10.1). Field names that later event's id.
const CodeConflictsWithHistory = "conflicts_with_history"

// A dossier's history is its events ordered by event time: by `at`, and
// events with the same `at` in the order they arrived (Seq). Every state
// and verdict is a function of that order, never of arrival order alone.

// compareHistory orders two events of one history.
func compareHistory(a, b Event) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	switch {
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// SortHistory orders events in place by event time (ties by arrival).
func SortHistory(events []Event) { slices.SortStableFunc(events, compareHistory) }

// insertAt returns the position at which e takes its place in hist
// (ordered): after every event with an `at` not later than e's, since e
// arrives after all of them.
func insertAt(hist []Event, e Event) int {
	i, _ := slices.BinarySearchFunc(hist, e.At, func(x Event, t time.Time) int {
		if x.At.After(t) {
			return 1
		}
		return -1
	})
	return i
}

// Replay folds an ordered history into the dossier's state (nil for none).
func Replay(cfg *Config, hist []Event) *Dossier {
	var d *Dossier
	for _, e := range hist {
		d = Fold(cfg, d, e)
	}
	return d
}

// Admit judges e, a new event of a dossier whose ordered history is hist,
// as SPEC.md §10.1 says: inserted at its `at`, it must be acceptable
// against the state of the events before it, and every event already
// recorded after it must still be acceptable. It returns the new ordered
// history and the state it folds to, or the refusal: e's own (an *Error
// from Accept), or CodeConflictsWithHistory naming the first later event
// that e would invalidate. hist is not modified. now is the server clock.
func Admit(cfg *Config, hist []Event, e Event, now time.Time) ([]Event, *Dossier, error) {
	if len(hist) == 0 {
		if err := Accept(cfg, nil, &e, now); err != nil {
			return nil, nil, err
		}
		return []Event{e}, Fold(cfg, nil, e), nil
	}
	if e.At.Before(hist[0].At) {
		return nil, nil, Errorf(CodeBeforeCreation, "at", "at is earlier than the dossier's first event",
			"thời điểm at sớm hơn sự kiện đầu tiên của hồ sơ")
	}
	i := insertAt(hist, e)
	d := Replay(cfg, hist[:i])
	if err := Accept(cfg, d, &e, now); err != nil {
		return nil, nil, err
	}
	d = Fold(cfg, d, e)
	for _, later := range hist[i:] {
		if err := accept(cfg, d, &later); err != nil {
			return nil, nil, conflictsWith(later.ID, err)
		}
		d = Fold(cfg, d, later)
	}
	out := make([]Event, 0, len(hist)+1)
	out = append(append(append(out, hist[:i]...), e), hist[i:]...)
	return out, d, nil
}

// InOrder reports whether e, arriving now, takes its place after every
// event of the dossier whose state is d: then d is the state before it and
// no later event needs judging again.
func InOrder(d *Dossier, e Event) bool { return d == nil || !e.At.Before(d.UpdatedAt) }

// conflictsWith is the refusal of an event that would invalidate the
// recorded event id, which err says why.
func conflictsWith(id string, err error) *Error {
	en, vi := err.Error(), err.Error()
	var e *Error
	if errors.As(err, &e) {
		en, vi = e.Message, e.MessageVI
	}
	return &Error{Code: CodeConflictsWithHistory, Field: id,
		Message:   fmt.Sprintf("the event would make event %q, recorded later in the history, invalid: %s", id, en),
		MessageVI: fmt.Sprintf("sự kiện này làm sự kiện %q (đã ghi, xảy ra sau) trở thành không hợp lệ: %s", id, vi)}
}
