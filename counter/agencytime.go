package counter

import (
	"slices"
	"sort"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// The agency tree over time (SPEC.md §10.2). A node is in force from its
// `from` to its `until`, inclusive, each inherited from the parent when
// not set; its head changes by term (`heads`); an ended node names its
// `successors`, which inherit its files. Everything here is a pure
// function of the loaded configuration and the instant asked about, taken
// as a civil date in the calendar's zone.

// Day numbers: a date as yyyymmdd, so that dates compare as integers.
const (
	openFrom  = 0
	openUntil = 99991231
)

func dayNumber(d calendar.Date) int { return d.Year*10000 + int(d.Month)*100 + d.Day }

// parseDay reads "YYYY-MM-DD"; ok is false for "" or anything else.
func parseDay(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return 0, false
	}
	return dayNumber(d), true
}

type period struct{ from, until int } // inclusive day numbers

func (p period) covers(day int) bool { return p.from <= day && day <= p.until }

type term struct {
	head Head
	in   period
}

// history indexes the time dimension of the tree; NewConfig builds it.
type history struct {
	loc     *time.Location
	periods map[string]period   // effective, after inheritance
	terms   map[string][]term   // sorted by from; absent for a plain `head`
	preds   map[string][]string // direct predecessors: the reverse of successors
	codes   map[string][]*Agency
}

func newHistory(c *Config) history {
	h := history{loc: defaultLocation(c), periods: map[string]period{}, terms: map[string][]term{},
		preds: map[string][]string{}, codes: map[string][]*Agency{}}
	var walk func(a *Agency, parent period)
	walk = func(a *Agency, parent period) {
		p := parent
		if d, ok := parseDay(a.From); ok {
			p.from = d
		}
		if d, ok := parseDay(a.Until); ok {
			p.until = d
		}
		h.periods[a.ID] = p
		if len(a.Heads) > 0 {
			ts := make([]term, 0, len(a.Heads))
			for _, ht := range a.Heads {
				t := term{head: Head{Name: ht.Name, Title: ht.Title}, in: period{openFrom, openUntil}}
				if d, ok := parseDay(ht.From); ok {
					t.in.from = d
				}
				if d, ok := parseDay(ht.Until); ok {
					t.in.until = d
				}
				ts = append(ts, t)
			}
			sort.SliceStable(ts, func(i, j int) bool { return ts[i].in.from < ts[j].in.from })
			h.terms[a.ID] = ts
		}
		for _, s := range a.Successors {
			if !slices.Contains(h.preds[s], a.ID) {
				h.preds[s] = append(h.preds[s], a.ID)
			}
		}
		if a.Code != "" {
			h.codes[a.Code] = append(h.codes[a.Code], a)
		}
		for _, ch := range a.Children {
			walk(ch, p)
		}
	}
	if c.Root != nil {
		walk(c.Root, period{openFrom, openUntil})
	}
	return h
}

// defaultLocation is the calendar's zone, else Asia/Ho_Chi_Minh (UTC+7).
func defaultLocation(c *Config) *time.Location {
	if c.Calendar != nil && c.Calendar.Location != nil {
		return c.Calendar.Location
	}
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// latestHead is the head of the term that starts last (an open start
// counts as earliest); on a tie, the later listed.
func latestHead(terms []HeadTerm) Head {
	best, bestFrom := 0, -1
	for i, t := range terms {
		from := openFrom
		if d, ok := parseDay(t.From); ok {
			from = d
		}
		if from >= bestFrom {
			best, bestFrom = i, from
		}
	}
	return Head{Name: terms[best].Name, Title: terms[best].Title}
}

// day is t's civil date in the configuration's zone, as a day number.
func (c *Config) day(t time.Time) int { return dayNumber(calendar.DateOf(t.In(c.history.loc))) }

// InForce reports whether agency id is in force on the civil date of day
// (in the calendar's zone). An unknown id is never in force.
func (c *Config) InForce(id string, day time.Time) bool {
	p, ok := c.history.periods[id]
	return ok && p.covers(c.day(day))
}

// InForceOn is InForce for a civil date.
func (c *Config) InForceOn(id string, d calendar.Date) bool {
	p, ok := c.history.periods[id]
	return ok && p.covers(dayNumber(d))
}

// InForceBetween reports whether agency id is in force on any day from
// the date of from to the date of to, inclusive; a zero from or to leaves
// that end open. Roll-ups over a period show the agencies it reports true
// for.
func (c *Config) InForceBetween(id string, from, to time.Time) bool {
	p, ok := c.history.periods[id]
	if !ok {
		return false
	}
	lo, hi := openFrom, openUntil
	if !from.IsZero() {
		lo = c.day(from)
	}
	if !to.IsZero() {
		hi = c.day(to)
	}
	return p.from <= hi && lo <= p.until
}

// Period returns the first and last day agency id is in force, after
// inheritance from its ancestors, as "YYYY-MM-DD" ("" for an open end);
// ok is false for an unknown id.
func (c *Config) Period(id string) (from, until string, ok bool) {
	p, ok := c.history.periods[id]
	if !ok {
		return "", "", false
	}
	return dayString(p.from, openFrom), dayString(p.until, openUntil), true
}

func dayString(n, open int) string {
	if n == open {
		return ""
	}
	return calendar.Date{Year: n / 10000, Month: time.Month(n / 100 % 100), Day: n % 100}.String()
}

// HeadAt returns the head of agency id in office at t: for an agency with
// `heads`, the term covering t's date (the zero Head in a gap between
// terms, which check-config reports); otherwise its `head`. An unknown id
// gives the zero Head.
func (c *Config) HeadAt(id string, t time.Time) Head {
	a := c.agencies[id]
	if a == nil {
		return Head{}
	}
	terms, ok := c.history.terms[id]
	if !ok {
		return a.Head
	}
	day := c.day(t)
	for i := len(terms) - 1; i >= 0; i-- { // the later term wins a shared day
		if terms[i].in.covers(day) {
			return terms[i].head
		}
	}
	return Head{}
}

// HeadOfAt is HeadOf at an instant: the head of agency id in office at t
// (SPEC.md §10.1: unit, official and head are those at occurred_at).
func (c *Config) HeadOfAt(id string, t time.Time) ViolationHead {
	h := c.HeadAt(id, t)
	return ViolationHead{Agency: id, Name: h.Name, Title: h.Title}
}

// TreeAt returns the tree in force on the civil date of day: copies of
// the agencies in force that day, under the parents they had, each with
// the head in office that day (Heads keeps every term). It is nil when the
// root is not in force. The loaded tree is not modified.
func (c *Config) TreeAt(day time.Time) *Agency {
	if c.Root == nil {
		return nil
	}
	d := c.day(day)
	var copyAt func(a *Agency) *Agency
	copyAt = func(a *Agency) *Agency {
		if p, ok := c.history.periods[a.ID]; !ok || !p.covers(d) {
			return nil
		}
		out := *a
		out.Children = nil
		if _, ok := c.history.terms[a.ID]; ok {
			out.Head = c.HeadAt(a.ID, day)
		}
		for _, ch := range a.Children {
			if cc := copyAt(ch); cc != nil {
				out.Children = append(out.Children, cc)
			}
		}
		return &out
	}
	return copyAt(c.Root)
}

// Predecessors returns every agency whose successors lead to id, directly
// or through other ended agencies, nearest first, each once: the agencies
// whose files id inherits. Nil when there are none.
func (c *Config) Predecessors(id string) []string {
	var out []string
	seen := map[string]bool{id: true}
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, p := range c.history.preds[cur] {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
				queue = append(queue, p)
			}
		}
	}
	return out
}

// Heirs returns the agencies that inherit the files of id, nearest first:
// the successors of the nearest of id and its ancestors that names
// successors, followed through successors that ended in turn. Nil when
// id has none. ReadableFrom(id, s) holds exactly when s is an ancestor
// of id, or of one of its heirs (or one of them).
func (c *Config) Heirs(id string) []string {
	var start []string
	for _, a := range c.Ancestors(id) {
		if ag := c.agencies[a]; ag != nil && len(ag.Successors) > 0 {
			start = ag.Successors
			break
		}
	}
	var out []string
	seen := map[string]bool{}
	queue := append([]string(nil), start...)
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		if ag := c.agencies[s]; ag != nil {
			queue = append(queue, ag.Successors...)
		}
	}
	return out
}

// ReadableFrom reports whether a reader scoped to scope may read what
// happened at agency id (SPEC.md §10.2: a successor reads its
// predecessors' dossiers). It is true when id is scope or below it, or
// when the heirs of id lead there: the heirs are the successors of the
// nearest of id and its ancestors that names successors (the most
// specific mapping wins: a ward's counter that names the new centre is
// not shared out among all the heirs of its district), followed
// transitively through successors that ended in turn.
func (c *Config) ReadableFrom(id, scope string) bool {
	if c.Within(id, scope) {
		return true
	}
	for _, h := range c.Heirs(id) {
		if c.Within(h, scope) {
			return true
		}
	}
	return false
}

// AgencyByCode returns the agency with the national unit code code (the
// agencies.yaml `code`), or nil. When ended and current agencies share a
// code, it returns the one whose period starts last; AgencyByCodeAt picks
// by date.
func (c *Config) AgencyByCode(code string) *Agency {
	as := c.history.codes[code]
	var best *Agency
	for _, a := range as {
		if best == nil || c.history.periods[a.ID].from >= c.history.periods[best.ID].from {
			best = a
		}
	}
	return best
}

// AgencyByCodeAt returns the agency with code in force on t's date, or nil.
func (c *Config) AgencyByCodeAt(code string, t time.Time) *Agency {
	d := c.day(t)
	for _, a := range c.history.codes[code] {
		if c.history.periods[a.ID].covers(d) {
			return a
		}
	}
	return nil
}
