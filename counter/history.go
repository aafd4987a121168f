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

// Replay folds an ordered history into the dossier's state (nil for none).
func Replay(cfg *Config, hist []Event) *Dossier {
	var d *Dossier
	for _, e := range hist {
		d = Fold(cfg, d, e)
	}
	return d
}

// Admit judges news, the new events of one dossier in arrival order (Seq
// set, increasing), against hist, the dossier's ordered stored history, as
// SPEC.md §10.1 says: with every new event inserted at its `at`, each new
// event must be acceptable against the state of the events before it, and
// every stored event after the first new one must still be acceptable.
// The new events are judged together, so that a backlog resent as one
// batch goes in even where its events, one at a time, would each conflict
// with the history. It returns the merged history and the state it folds
// to, or the refusal with the index in news of the event at fault: e's
// own error (from Accept), or, with index -1, CodeConflictsWithHistory
// naming the first stored event the new ones would invalidate. hist and
// news are not modified. now is the server clock.
func Admit(cfg *Config, hist, news []Event, now time.Time) ([]Event, *Dossier, int, error) {
	if len(news) == 0 {
		return hist, Replay(cfg, hist), -1, nil
	}
	first := news[0] // the creating event, for a new dossier
	if len(hist) > 0 {
		first = hist[0]
	} else if err := Accept(cfg, nil, &news[0], now); err != nil {
		return nil, nil, 0, err
	}
	isNew := make(map[uint64]int, len(news))
	for i, e := range news {
		if e.At.Before(first.At) {
			return nil, nil, i, Errorf(CodeBeforeCreation, "at", "at is earlier than the dossier's first event",
				"thời điểm at sớm hơn sự kiện đầu tiên của hồ sơ")
		}
		isNew[e.Seq] = i
	}
	merged := make([]Event, 0, len(hist)+len(news))
	merged = append(append(merged, hist...), news...)
	SortHistory(merged)
	start := len(merged)
	for j, e := range merged {
		if _, ok := isNew[e.Seq]; ok {
			start = j
			break
		}
	}
	d := Replay(cfg, merged[:start])
	for j := start; j < len(merged); j++ {
		e := merged[j]
		if i, ok := isNew[e.Seq]; ok {
			if d != nil || i != 0 || len(hist) > 0 {
				if err := Accept(cfg, d, &e, now); err != nil {
					return nil, nil, i, err
				}
			}
		} else if err := accept(cfg, d, &e); err != nil {
			return nil, nil, -1, conflictsWith(e.ID, err)
		}
		d = Fold(cfg, d, e)
	}
	return merged, d, -1, nil
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
