package counter

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// Scorecards rate each head on their unit's record for a period: the
// Decision 766/QĐ-TTg on-time rate (item 2.1), the breaches charged to the
// unit's subtree, a score combining both by the formula of ScoreRules, the
// band that score falls in, and a rank among units of the same level.
//
// Everything here is pure: the store reads what a plan asks for
// (ScorecardInput) and ComputeScorecards decides, with now passed in.

// ScoreRules is the `scorecard:` key of rules.yaml: how breaches and the
// on-time rate make a score, and the bands it is classed in. The defaults
// (DefaultScoreRules) are motcua's own choice, not a legal text: Da Nang's
// bands (Decision 1976/QĐ-UBND Art. 14) and Decision 766's are not
// published where we could read them, so every number here is
// configurable.
type ScoreRules struct {
	// Weights are breach points per violation, by severity.
	Weights map[string]float64 `json:"weights"`
	// Share766 is the share of the score given by the on-time rate; the
	// rest comes from the breach record. 0..1.
	Share766 float64 `json:"share_766"`
	// PointsPerDossier is how many breach points per dossier handled empty
	// the breach part of the score.
	PointsPerDossier float64 `json:"points_per_dossier"`
	// MinDossiers floors the dossier count that breach points are measured
	// against, so that a unit with two dossiers and one breach is not
	// judged on a sample of two.
	MinDossiers int `json:"min_dossiers"`
	// Bands are the classes, highest Min first; a score gets the first band
	// whose Min it reaches. The last band should have Min 0.
	Bands []Band `json:"bands"`
}

// Band is one class of the score.
type Band struct {
	Code string  `json:"code"` // "excellent"
	Name string  `json:"name"` // "Hoàn thành xuất sắc nhiệm vụ"
	Min  float64 `json:"min"`  // lowest score in the band
}

// Band codes of the defaults: the four levels civil servants and their
// units are rated in (Decree 90/2020/NĐ-CP on rating; legal.md F3).
const (
	BandExcellent    = "excellent"
	BandGood         = "good"
	BandCompleted    = "completed"
	BandNotCompleted = "not_completed"
)

// DefaultScoreRules returns the defaults of the `scorecard:` key. They are
// defaults, not law: see ScoreRules.
func DefaultScoreRules() ScoreRules {
	return ScoreRules{
		Weights:          map[string]float64{SeverityHigh: 3, SeverityMedium: 2, SeverityLow: 1},
		Share766:         0.7,
		PointsPerDossier: 1,
		MinDossiers:      10,
		Bands: []Band{
			{Code: BandExcellent, Name: "Hoàn thành xuất sắc nhiệm vụ", Min: 90},
			{Code: BandGood, Name: "Hoàn thành tốt nhiệm vụ", Min: 75},
			{Code: BandCompleted, Name: "Hoàn thành nhiệm vụ", Min: 50},
			{Code: BandNotCompleted, Name: "Không hoàn thành nhiệm vụ", Min: 0},
		},
	}
}

// Score combines the on-time rate and the breaches of one card:
//
//	R     = on-time rate of Decision 766 item 2.1 (1 when no dossier counted)
//	P     = Σ Weights[severity] × breaches of that severity
//	B     = max(0, 1 − P / (PointsPerDossier × max(counted, MinDossiers)))
//	score = 100 × (Share766 × R + (1 − Share766) × B), to one decimal
//
// counted is the 766 denominator (dossiers received or processed in the
// period), the unit's workload.
func (r ScoreRules) Score(rate *float64, counted int, v SeverityCounts) float64 {
	rt := 1.0
	if rate != nil {
		rt = *rate
	}
	p := r.Weights[SeverityHigh]*float64(v.High) + r.Weights[SeverityMedium]*float64(v.Medium) + r.Weights[SeverityLow]*float64(v.Low)
	base := r.PointsPerDossier * float64(max(counted, r.MinDossiers, 1))
	b := 1.0
	if base > 0 {
		b = math.Max(0, 1-p/base)
	} else if p > 0 {
		b = 0
	}
	s := 100 * (r.Share766*rt + (1-r.Share766)*b)
	return math.Round(s*10) / 10
}

// BandOf returns the band score falls in; the zero Band if none.
func (r ScoreRules) BandOf(score float64) Band {
	for _, b := range r.Bands {
		if score >= b.Min {
			return b
		}
	}
	return Band{}
}

// SeverityCounts counts breaches by severity.
type SeverityCounts struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
}

func (c *SeverityCounts) add(sev string) {
	switch sev {
	case SeverityHigh:
		c.High++
	case SeverityMedium:
		c.Medium++
	case SeverityLow:
		c.Low++
	}
}

// Period is a span of whole local days, both ends included.
type Period struct {
	From, To calendar.Date
}

// Start is the first instant of the period in loc.
func (p Period) Start(loc *time.Location) time.Time { return p.From.In(loc) }

// End is the last instant of the period in loc (the end of To).
func (p Period) End(loc *time.Location) time.Time {
	return p.To.In(loc).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// PeriodJSON is a period as the API shows it: first and last day.
type PeriodJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// JSON returns p as the API shows it.
func (p Period) JSON() PeriodJSON { return PeriodJSON{From: p.From.String(), To: p.To.String()} }

// Months returns the n calendar months ending with the month of last,
// oldest first; the last one ends on last.
func Months(last calendar.Date, n int) []Period {
	out := make([]Period, n)
	y, m := last.Year, last.Month
	for i := n - 1; i >= 0; i-- {
		first := calendar.Date{Year: y, Month: m, Day: 1}
		end := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
		p := Period{From: first, To: calendar.DateOf(end)}
		if i == n-1 {
			p.To = last
		}
		out[i] = p
		m--
		if m == 0 {
			m, y = 12, y-1
		}
	}
	return out
}

// Scorecard is one head's card for one period (SPEC.md §10.3).
type Scorecard struct {
	Agency      string         `json:"agency"`
	Name        string         `json:"name"`
	Level       string         `json:"level"`
	Head        Head           `json:"head"`
	Period      PeriodJSON     `json:"period"`
	Received    int            `json:"received"`
	Finished    int            `json:"finished"`
	OnTime      int            `json:"on_time"`
	OnTimeRate  *float64       `json:"on_time_rate"`
	OverdueOpen int            `json:"overdue_open"`
	Violations  SeverityCounts `json:"violations"`
	Score       float64        `json:"score"`
	Band        string         `json:"band"`
	Rank        int            `json:"rank"`
	RankOf      int            `json:"rank_of"`
	BandName    string         `json:"band_name"`    // extension: the band's Vietnamese name
	Decision766 Count766       `json:"decision_766"` // extension: the rate's numerator and denominator
	JudgedAt    time.Time      `json:"judged_at"`    // extension: the instant open dossiers were judged at
}

// Count766 is the numerator and denominator of the on-time rate.
type Count766 struct {
	Counted int `json:"counted"` // dossiers received or processed in the period
	OnTime  int `json:"on_time"` // of those, finished or still in progress on time
}

// Decision766MaxSupplements is how many supplement requests after receipt a
// dossier may have and still count as on time for item 2.1: "more than one
// supplement request counts as late".
const Decision766MaxSupplements = 1

// Judge766 judges one dossier for Decision 766 item 2.1 over a period that
// starts at from and is judged at judge (the period's end, or now while the
// period runs). d is the dossier's state as of judge: its history up to
// judge, folded. The formula, as the portal's technical description
// reproduces it (legal-2025.md §4):
//
//	rate = dossiers finished, or still in progress, on or before the promised time
//	       / dossiers received or processed in the period
//
// Edge cases, each in TestJudge766:
//   - Counted: received (clock started) by judge and not finished before
//     from. A dossier received in an earlier period and still open at from
//     is processed in this one and counts; one finished before from does
//     not. Dossiers never received (intake, Form 02 at the counter, refused
//     at intake, withdrawn before receipt) do not count.
//   - The end of processing is finished_at: the first of result ready,
//     returned, rejected, withdrawn (and stopped, once that event exists).
//   - An open dossier uses the judging instant: the period's end, or now
//     while the period runs (a period end still ahead would call every
//     overdue dossier on time).
//   - A dossier waiting on a supplement at judge uses the request time (the
//     first request of the open pause): the applicant's time is not the
//     agency's.
//   - More than Decision766MaxSupplements supplement requests after receipt
//     count as late, whatever the times. Requests at the counter before
//     receipt (Form 02 at intake) are not processing and do not count.
//   - The promised time is the one standing before any apology (Decree 61
//     Art. 30(2)(c)): a timely apology excuses lateness for the breach
//     record, not for the rate. After a supplement arrives the period
//     restarts from that day (Art. 19(4)), which is how "supplement time
//     is subtracted" comes out here: the wait is outside both ends.
//   - A dossier without a promised time uses its legal due time.
//   - On time means end ≤ promised, to the instant; equal counts on time.
func Judge766(d *Dossier, from, judge time.Time) (counted, onTime bool) {
	if d == nil {
		return false, false
	}
	st := StateOf(d)
	return st.Judge766(from.UnixNano(), judge.UnixNano())
}

// HeadFunc returns the head of an agency on a day. Config.HeadOf, which
// knows one head per agency, is the default; a lookup by term
// (Config.HeadAt) replaces it without other changes here.
type HeadFunc func(agency string, t time.Time) Head

// ScorecardRequest asks for the cards of Agency's subtree for each of
// Periods, judged at Now.
type ScorecardRequest struct {
	Agency  string
	Periods []Period
	Now     time.Time
	// HeadAt names the head in office; nil uses Config.HeadOf.
	HeadAt HeadFunc
}

// ScorecardPlan is a request broken into slices: one per period, agency
// and head term. It tells the store which instants to judge dossiers at.
type ScorecardPlan struct {
	Agency  string
	Periods []Period
	Slices  [][]Slice // per period, in depth-first tree order
	loc     *time.Location
}

// Slice is one card to compute: an agency, its head, and the part of a
// period that head was in office.
type Slice struct {
	Agency *Agency
	Head   Head
	Period Period
	Judge  time.Time // min(end of Period, now)
}

// PlanScorecards splits req into slices. A head who changed mid-period
// gives two cards for that agency, each for its part of the period. A
// period that starts after now yields no slice.
func PlanScorecards(cfg *Config, req ScorecardRequest) *ScorecardPlan {
	loc := cfg.Calendar.Location
	headAt := req.HeadAt
	if headAt == nil {
		headAt = func(agency string, _ time.Time) Head {
			h := cfg.HeadOf(agency)
			return Head{Name: h.Name, Title: h.Title}
		}
	}
	p := &ScorecardPlan{Agency: req.Agency, Periods: req.Periods, loc: loc}
	ids := cfg.Subtree(req.Agency)
	for _, per := range req.Periods {
		var slices []Slice
		var days []periodDay
		if per.Start(loc).After(req.Now) {
			p.Slices = append(p.Slices, nil)
			continue
		}
		for _, id := range ids {
			a := cfg.Agency(id)
			if days == nil {
				days = periodDays(per, loc)
			}
			for _, term := range headTerms(headAt, id, days) {
				judge := term.End(loc)
				if judge.After(req.Now) {
					judge = req.Now
				}
				if term.Start(loc).After(judge) {
					continue
				}
				slices = append(slices, Slice{Agency: a, Head: headAt(id, term.Start(loc)), Period: term, Judge: judge})
			}
		}
		p.Slices = append(p.Slices, slices)
	}
	return p
}

// headTerms splits per into runs of days with the same head. days are
// per's days (periodDays), shared by the agencies of a plan.
func headTerms(headAt HeadFunc, agency string, days []periodDay) []Period {
	cur := Period{From: days[0].date, To: days[0].date}
	h := headAt(agency, days[0].start)
	var out []Period
	for _, d := range days[1:] {
		if nh := headAt(agency, d.start); nh != h {
			out = append(out, cur)
			cur, h = Period{From: d.date, To: d.date}, nh
			continue
		}
		cur.To = d.date
	}
	return append(out, cur)
}

// periodDay is one local day of a period and its first instant.
type periodDay struct {
	date  calendar.Date
	start time.Time
}

// periodDays lists per's days (at least its first).
func periodDays(per Period, loc *time.Location) []periodDay {
	start := per.Start(loc)
	end := per.To.In(loc)
	out := []periodDay{{per.From, start}}
	for d := start.AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
		out = append(out, periodDay{calendar.DateOf(d), d})
	}
	return out
}

// Instants returns the distinct instants dossiers are judged at, ascending.
func (p *ScorecardPlan) Instants() []time.Time {
	seen := map[int64]bool{}
	var out []time.Time
	for _, ss := range p.Slices {
		for _, s := range ss {
			if !seen[s.Judge.UnixNano()] {
				seen[s.Judge.UnixNano()] = true
				out = append(out, s.Judge)
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Window returns the span the store must read: the first instant of the
// earliest slice and the latest judging instant. ok is false when the plan
// has no slice.
func (p *ScorecardPlan) Window() (from, to time.Time, ok bool) {
	for _, ss := range p.Slices {
		for _, s := range ss {
			st := s.Period.Start(p.loc)
			if !ok || st.Before(from) {
				from = st
			}
			if !ok || s.Judge.After(to) {
				to = s.Judge
			}
			ok = true
		}
	}
	return from, to, ok
}

// ScorecardInput is what the store read for a plan, over its window, for
// the plan's agency subtree.
type ScorecardInput struct {
	// Days are the roll-up's per-day counts of each agency of the subtree
	// (its own subtree's dossiers, as GET /rollup counts them), by agency.
	Days map[string][]DayCount
	// Violations are those charged within the subtree that occurred in the
	// window and count (Violation.Counts). With ViolationsByDay, only
	// those of the day of a judging instant before that day's end.
	Violations []ViolationMark
	// ViolationsByDay says that the Days carry the counting violations
	// charged to each agency itself, by the day they occurred
	// (DayCount.Charged), and Violations only the rest: those of the
	// judging day, up to the judging instant, of a slice judged before
	// its last day ended (judged now).
	ViolationsByDay bool
	// Dossiers are the dossiers received by or held within the subtree
	// that were received by the window's end and not finished before its
	// start.
	Dossiers []DossierTrack
	// Tracks, read instead of Dossiers, are the same dossiers' states over
	// time (TrackOf).
	Tracks []ScoreTrack
}

// DayCount is one agency's roll-up counts for one local day.
type DayCount struct {
	Day      int // yyyymmdd
	Received int
	Finished int
	OnTime   int
	// Charged counts the violations charged to the agency itself (not its
	// subtree) that occurred that day and count (ViolationsByDay only).
	Charged SeverityCounts
}

// DayNumber returns d as yyyymmdd, the key of DayCount.Day.
func DayNumber(d calendar.Date) int { return d.Year*10000 + int(d.Month)*100 + d.Day }

// ViolationMark is what a scorecard needs of one violation.
type ViolationMark struct {
	Agency     string
	Severity   string
	OccurredAt time.Time
}

// DossierTrack is one dossier's state at the instants a plan judges at.
// Final is the current state. Past holds, for each judging instant before
// Final.UpdatedAt (the dossier changed after it), the state folded up to
// that instant, keyed by UnixNano; a nil entry means the dossier did not
// exist yet.
type DossierTrack struct {
	Final *Dossier
	Past  map[int64]*Dossier
}

// At returns the dossier's state as of t.
func (tr *DossierTrack) At(t time.Time) *Dossier {
	if !tr.Final.UpdatedAt.After(t) {
		return tr.Final
	}
	return tr.Past[t.UnixNano()]
}

// ComputeScorecards computes the plan's cards from in: per period, the
// cards in depth-first tree order, ranked within each level.
func ComputeScorecards(cfg *Config, plan *ScorecardPlan, in *ScorecardInput) [][]Scorecard {
	rules := cfg.Rules.Scorecard
	out := make([][]Scorecard, len(plan.Slices))
	ancestors := map[string][]string{}
	chain := func(id string) []string {
		a, ok := ancestors[id]
		if !ok {
			a = cfg.Ancestors(id)
			ancestors[id] = a
		}
		return a
	}
	type pair struct{ a, b string }
	unions := map[pair][]string{}
	both := func(a, b string) []string {
		u, ok := unions[pair{a, b}]
		if !ok {
			u = unionIDs(slices.Clone(chain(a)), chain(b))
			unions[pair{a, b}] = u
		}
		return u
	}
	var charged *chargedIndex
	if in.ViolationsByDay {
		charged = newChargedIndex(in)
	}
	for pi, slices := range plan.Slices {
		cards := make([]Scorecard, len(slices))
		// Cards of one agency for the same judging instant share one 766
		// pass: index them by agency, then walk the dossiers once per
		// distinct (from, judge) pair.
		type key struct{ from, judge int64 }
		groups := map[key]map[string][]int{}
		for i, s := range slices {
			from := s.Period.Start(plan.loc)
			c := &cards[i]
			*c = Scorecard{Agency: s.Agency.ID, Name: s.Agency.Name, Level: s.Agency.Level, Head: s.Head,
				Period: s.Period.JSON(), JudgedAt: s.Judge}
			lo, hi := DayNumber(s.Period.From), DayNumber(s.Period.To)
			for _, d := range in.Days[s.Agency.ID] {
				if d.Day >= lo && d.Day <= hi {
					c.Received += d.Received
					c.Finished += d.Finished
					c.OnTime += d.OnTime
				}
			}
			if in.ViolationsByDay {
				c.Violations = charged.within(cfg, plan.loc, s, chain)
			}
			k := key{from.UnixNano(), s.Judge.UnixNano()}
			if groups[k] == nil {
				groups[k] = map[string][]int{}
			}
			groups[k][s.Agency.ID] = append(groups[k][s.Agency.ID], i)
		}
		for k, byAgency := range groups {
			from, judge := time.Unix(0, k.from), time.Unix(0, k.judge)
			if !in.ViolationsByDay {
				for _, v := range in.Violations {
					if v.OccurredAt.Before(from) || v.OccurredAt.After(judge) {
						continue
					}
					for _, a := range chain(v.Agency) {
						for _, i := range byAgency[a] {
							cards[i].Violations.add(v.Severity)
						}
					}
				}
			}
			judgeState := func(st *ScoreState) {
				counted, onTime := st.Judge766(k.from, k.judge)
				overdue := st.OverdueAt(k.judge)
				if counted {
					for _, a := range both(st.Agency, st.Holder) {
						for _, i := range byAgency[a] {
							cards[i].Decision766.Counted++
							if onTime {
								cards[i].Decision766.OnTime++
							}
						}
					}
				}
				if overdue {
					for _, a := range chain(st.Holder) {
						for _, i := range byAgency[a] {
							cards[i].OverdueOpen++
						}
					}
				}
			}
			for ti := range in.Dossiers {
				if d := in.Dossiers[ti].At(judge); d != nil {
					st := StateOf(d)
					judgeState(&st)
				}
			}
			for ti := range in.Tracks {
				if st := in.Tracks[ti].At(k.judge); st != nil {
					judgeState(st)
				}
			}
		}
		for i := range cards {
			c := &cards[i]
			if c.Decision766.Counted > 0 {
				r := float64(c.Decision766.OnTime) / float64(c.Decision766.Counted)
				c.OnTimeRate = &r
			}
			c.Score = rules.Score(c.OnTimeRate, c.Decision766.Counted, c.Violations)
			b := rules.BandOf(c.Score)
			c.Band, c.BandName = b.Code, b.Name
		}
		rankCards(cards)
		out[pi] = cards
	}
	return out
}

// chargedIndex answers, for a slice, the counting violations charged
// within its agency's subtree that occurred in its period up to its
// judging instant, from the per-day counts of ViolationsByDay input.
type chargedIndex struct {
	in       *ScorecardInput
	days     map[string]chargedDays
	subtrees map[string][]string
}

// chargedDays is one agency's days with charges, ascending, and the running
// sums: cum[i] is the sum of the first i days.
type chargedDays struct {
	days []int
	cum  []SeverityCounts
}

func newChargedIndex(in *ScorecardInput) *chargedIndex {
	x := &chargedIndex{in: in, days: map[string]chargedDays{}, subtrees: map[string][]string{}}
	for id, days := range in.Days {
		var c chargedDays
		var sum SeverityCounts
		for _, d := range days {
			if d.Charged == (SeverityCounts{}) {
				continue
			}
			c.days = append(c.days, d.Day)
			c.cum = append(c.cum, sum)
			sum = sum.plus(d.Charged)
		}
		if len(c.days) > 0 {
			c.cum = append(c.cum, sum)
			x.days[id] = c
		}
	}
	return x
}

// sum returns the charges of the days lo..hi (yyyymmdd, inclusive).
func (c chargedDays) sum(lo, hi int) SeverityCounts {
	if hi < lo {
		return SeverityCounts{}
	}
	i, _ := slices.BinarySearch(c.days, lo)
	j, _ := slices.BinarySearch(c.days, hi+1)
	if i >= j {
		return SeverityCounts{}
	}
	return c.cum[j].minus(c.cum[i])
}

// within counts the violations of s: whole days from the first of the
// period to the judging day, or to the day before it when s is judged
// before that day ended (now), whose charges up to the judging instant
// come from the input's marks.
func (x *chargedIndex) within(cfg *Config, loc *time.Location, s Slice, chain func(string) []string) SeverityCounts {
	id := s.Agency.ID
	sub, ok := x.subtrees[id]
	if !ok {
		sub = cfg.Subtree(id)
		x.subtrees[id] = sub
	}
	judge := s.Judge.In(loc)
	day := calendar.DateOf(judge)
	dayStart := day.In(loc)
	partial := !judge.Equal(dayStart.AddDate(0, 0, 1).Add(-time.Nanosecond))
	lo, hi := DayNumber(s.Period.From), DayNumber(day)
	if partial {
		hi = DayNumber(calendar.DateOf(dayStart.Add(-time.Nanosecond)))
	}
	var out SeverityCounts
	for _, b := range sub {
		if c, ok := x.days[b]; ok {
			out = out.plus(c.sum(lo, hi))
		}
	}
	if partial {
		start := s.Period.Start(loc)
		if dayStart.After(start) {
			start = dayStart
		}
		for _, v := range x.in.Violations {
			if v.OccurredAt.Before(start) || v.OccurredAt.After(judge) || !slices.Contains(chain(v.Agency), id) {
				continue
			}
			out.add(v.Severity)
		}
	}
	return out
}

func (c SeverityCounts) plus(o SeverityCounts) SeverityCounts {
	return SeverityCounts{High: c.High + o.High, Medium: c.Medium + o.Medium, Low: c.Low + o.Low}
}

func (c SeverityCounts) minus(o SeverityCounts) SeverityCounts {
	return SeverityCounts{High: c.High - o.High, Medium: c.Medium - o.Medium, Low: c.Low - o.Low}
}

// rankCards sets Rank and RankOf within each level: 1 is the highest
// score; equal scores share a rank and the next rank skips ("1, 2, 2, 4").
func rankCards(cards []Scorecard) {
	byLevel := map[string][]int{}
	for i := range cards {
		byLevel[cards[i].Level] = append(byLevel[cards[i].Level], i)
	}
	for _, idx := range byLevel {
		sort.SliceStable(idx, func(a, b int) bool { return cards[idx[a]].Score > cards[idx[b]].Score })
		for pos, i := range idx {
			cards[i].RankOf = len(idx)
			if pos > 0 && cards[idx[pos-1]].Score == cards[i].Score {
				cards[i].Rank = cards[idx[pos-1]].Rank
			} else {
				cards[i].Rank = pos + 1
			}
		}
	}
}

// unionIDs returns a followed by the ids of b not in a.
func unionIDs(a, b []string) []string {
	out := a
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}
