package configs

import (
	"fmt"
	"sort"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// agencyLines records where an agency's keys are in agencies.yaml, for the
// checks that need the whole tree.
type agencyLines struct {
	node, from, until, heads, successors, code int
}

func (l agencyLines) or(line int) int {
	if line > 0 {
		return line
	}
	return l.node
}

// Open ends of a period, as comparable "YYYY-MM-DD" strings.
const (
	dawn = "0000-01-01"
	dusk = "9999-12-31"
)

func orOpen(s, open string) string {
	if s == "" {
		return open
	}
	return s
}

// shown formats a period end for messages.
func shown(s string) string {
	switch s {
	case dawn, dusk, "":
		return "…"
	}
	return s
}

// nextDay returns the day after "YYYY-MM-DD".
func nextDay(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

func prevDay(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// checkHistory runs the checks of agencies.yaml that need the whole tree
// (SPEC.md §10.2): successors that do not exist or are not in force when
// their predecessor ends, agencies in force outside their parent's
// period, head terms that overlap or leave gaps, and national codes shared
// by agencies in force at the same time.
func checkHistory(d *decoder, cfg *counter.Config, lines map[string]agencyLines) {
	if cfg.Root == nil {
		return
	}
	byCode := map[string][]string{}
	for _, id := range cfg.Subtree(cfg.Root.ID) {
		a := cfg.Agency(id)
		l := lines[id]
		label := fmt.Sprintf("agency %q", id)
		from, until, _ := cfg.Period(id)
		from, until = orOpen(from, dawn), orOpen(until, dusk)

		if p := cfg.Agency(a.Parent); p != nil {
			pf, pu, _ := cfg.Period(p.ID)
			pf, pu = orOpen(pf, dawn), orOpen(pu, dusk)
			if from < pf || until > pu {
				line := l.node
				switch {
				case from < pf && a.From != "":
					line = l.or(l.from)
				case until > pu && a.Until != "":
					line = l.or(l.until)
				}
				d.addf(line, "%s is in force %s – %s, outside its parent %q (%s – %s)",
					label, shown(from), shown(until), p.ID, shown(pf), shown(pu))
			}
		}

		if len(a.Successors) > 0 && until == dusk {
			d.addf(l.or(l.successors), "%s: successors on an agency that never ends (set until, here or on an ancestor)", label)
		}
		for _, s := range a.Successors {
			if cfg.Agency(s) == nil {
				d.addf(l.or(l.successors), "%s: successor %q does not exist", label, s)
				continue
			}
			if until != dusk && !cfg.InForceOn(s, mustDate(nextDay(until))) {
				sf, su, _ := cfg.Period(s)
				d.addf(l.or(l.successors), "%s: successor %q is not in force on %s, the day after %s ends (it is in force %s – %s)",
					label, s, nextDay(until), id, shown(orOpen(sf, dawn)), shown(orOpen(su, dusk)))
			}
		}

		for _, desk := range a.Desks {
			if by, ok := a.SecondedBy[desk]; ok && cfg.Agency(by) == nil {
				d.addf(l.node, "%s: desk %q is seconded_by %q, which does not exist", label, desk, by)
			}
		}
		if len(a.Heads) > 0 {
			checkTerms(d, l.or(l.heads), label, a.Heads, from, until)
		}
		if a.Code != "" {
			byCode[a.Code] = append(byCode[a.Code], id)
		}
	}

	codes := make([]string, 0, len(byCode))
	for c := range byCode {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ids := byCode[c]
		for i := 1; i < len(ids); i++ {
			for j := 0; j < i; j++ {
				af, au, _ := cfg.Period(ids[i])
				bf, bu, _ := cfg.Period(ids[j])
				if orOpen(af, dawn) <= orOpen(bu, dusk) && orOpen(bf, dawn) <= orOpen(au, dusk) {
					d.addf(lines[ids[i]].or(lines[ids[i]].code), "agency %q: code %q is also %q's, and both are in force on the same days",
						ids[i], c, ids[j])
				}
			}
		}
	}
}

// checkTerms reports overlapping head terms and days of the agency's
// period [from, until] that no term covers.
func checkTerms(d *decoder, line int, label string, heads []counter.HeadTerm, from, until string) {
	ts := make([]counter.HeadTerm, len(heads))
	copy(ts, heads)
	for i := range ts {
		ts[i].From, ts[i].Until = orOpen(ts[i].From, dawn), orOpen(ts[i].Until, dusk)
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].From < ts[j].From })
	covered := prevDay(from) // the last day covered so far
	if from == dawn {
		covered = ""
	}
	for i, t := range ts {
		if i > 0 && t.From <= ts[i-1].Until {
			d.addf(line, "%s: head terms overlap: %s (%s – %s) and %s (%s – %s)", label,
				ts[i-1].Name, shown(ts[i-1].From), shown(ts[i-1].Until), t.Name, shown(t.From), shown(t.Until))
		}
		start := from
		if covered != "" {
			start = nextDay(covered)
		}
		if covered != dusk && t.From > start && start <= until {
			end := prevDay(t.From)
			if end > until {
				end = until
			}
			d.addf(line, "%s: no head from %s to %s", label, shown(start), shown(end))
		}
		if covered == "" || t.Until > covered {
			covered = t.Until
		}
	}
	if covered != dusk && covered < until {
		d.addf(line, "%s: no head from %s to %s", label, nextDay(covered), shown(until))
	}
}

func mustDate(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		return calendar.Date{}
	}
	return d
}
