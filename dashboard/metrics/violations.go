package metrics

import (
	"time"

	"github.com/motcua/motcua/counter"
)

// totalKey labels motcua_violations_total.
type totalKey struct{ agency, code, severity string }

// openKey labels motcua_violations_open.
type openKey struct{ agency, code string }

// seen is what a violation looked like when last applied: its identity
// (fixed at first detection) and its current status.
type seen struct {
	key    totalKey
	status string
}

// violationSet counts violations by id, so that a status change of a known
// violation moves the open gauge without counting a new breach.
type violationSet struct {
	byID    map[string]seen
	total   map[totalKey]int
	open    map[openKey]int
	overdue map[string]overdueEntry // open overdue violations by id
	intern  map[string]string
}

// overdueEntry is an open overdue violation: the holder charged and the
// due time that passed.
type overdueEntry struct {
	agency string
	since  time.Time
}

func newViolationSet() violationSet {
	return violationSet{byID: map[string]seen{}, total: map[totalKey]int{}, open: map[openKey]int{},
		overdue: map[string]overdueEntry{}, intern: map[string]string{}}
}

// str shares one copy of each label value among all violations.
func (s *violationSet) str(v string) string {
	if x, ok := s.intern[v]; ok {
		return x
	}
	s.intern[v] = v
	return v
}

// isOpen reports whether a violation with status st still stands
// undecided or unremedied: open, or a provisional complaint.
func isOpen(st string) bool { return st == counter.StatusOpen || st == counter.StatusProvisional }

// apply records v: a violation seen for the first time counts once in
// total, with the agency, code and severity it was first seen with; its
// status, now and later, decides whether it counts as open.
func (s *violationSet) apply(v *counter.Violation) {
	old, known := s.byID[v.ID]
	if known {
		if isOpen(old.status) {
			ok := openKey{old.key.agency, old.key.code}
			if s.open[ok]--; s.open[ok] < 0 {
				s.open[ok] = 0
			}
		}
	} else {
		old = seen{key: totalKey{s.str(v.Agency), s.str(v.Code), s.str(v.Severity)}}
		s.total[old.key]++
	}
	old.status = s.str(v.Status)
	s.byID[v.ID] = old
	if isOpen(old.status) {
		s.open[openKey{old.key.agency, old.key.code}]++
	}
	if old.key.code == counter.VOverdue && v.Status == counter.StatusOpen {
		s.overdue[v.ID] = overdueEntry{agency: old.key.agency, since: v.OccurredAt}
	} else {
		delete(s.overdue, v.ID)
	}
}
