package counter

import (
	"fmt"
	"strconv"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// Agency levels (SPEC.md §2.1).
const (
	LevelCity       = "city"
	LevelDepartment = "department"
	LevelDistrict   = "district"
	LevelDivision   = "division"
	LevelCommune    = "commune"
	LevelCounter    = "counter"
)

// Head is the person who answers for an agency (người đứng đầu).
type Head struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// HeadTerm is one head's term of office (agencies.yaml `heads`, SPEC.md
// §10.2): From and Until are the first and last day, inclusive, as
// "YYYY-MM-DD"; "" leaves that end open.
type HeadTerm struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
}

// Agency is a node of the agency tree. Parent is "" for the root.
//
// From and Until (SPEC.md §10.2) are the first and last day the agency is
// in force, inclusive, as "YYYY-MM-DD"; "" inherits the parent's bound
// (the root's "" is open). Successors, on an ended agency, name the
// agencies that took over its work and its files. Head is the head of
// `head:`, or, for an agency with `heads:` terms, the latest term's head
// (what HeadOf answers); HeadAt picks the head in office at an instant.
type Agency struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Level      string     `json:"level"`
	Code       string     `json:"code,omitempty" yaml:"code"` // national unit code (SPEC.md §10.2)
	From       string     `json:"from,omitempty"`
	Until      string     `json:"until,omitempty"`
	Head       Head       `json:"head"`
	Heads      []HeadTerm `json:"heads,omitempty"`
	Successors []string   `json:"successors,omitempty"`
	Desks      []string   `json:"desks,omitempty"`
	// SecondedBy names, per desk, the agency that seconds its staff
	// (agencies.yaml `desks: [{desk, seconded_by}]`): from v2025 an
	// unstaffed desk is also that agency's breach (Decree 118/2025 Art.
	// 11(8)).
	SecondedBy map[string]string `json:"seconded_by,omitempty"`
	Parent     string            `json:"parent,omitempty"`
	Children   []*Agency         `json:"children,omitempty"`
}

// Official is a person who records or performs events.
type Official struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Agency string `json:"agency"`
}

// Duration is a lead time or budget: Value in Unit, where Unit is one of
// calendar.WorkingDays, calendar.WorkingHours or calendar.Days.
type Duration struct {
	Value int           `json:"value"`
	Unit  calendar.Unit `json:"unit"`
}

// Document is a paper a procedure may require. InNationalDB marks one the
// national databases hold (procedures.yaml `in_national_db`, SPEC.md
// §10.2): asking the applicant for it is database_document_requested
// (Decree 118/2025 Art. 5(1); Art. 4(2a) as amended by Decree 309/2026).
type Document struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	InNationalDB bool   `json:"in_national_db,omitempty"`
}

// Step is an internal processing step with its budget (Form 05 row).
type Step struct {
	Name   string   `json:"name"`
	Budget Duration `json:"budget"`
}

// Procedure is a catalogue entry (thủ tục hành chính).
type Procedure struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	LeadTime  Duration   `json:"lead_time"`
	Instant   bool       `json:"instant"`
	Documents []Document `json:"documents"`
	Steps     []Step     `json:"steps,omitempty"`
	Basis     string     `json:"basis"`
}

// HasDocument reports whether code is in p's document list.
func (p *Procedure) HasDocument(code string) bool {
	for _, d := range p.Documents {
		if d.Code == code {
			return true
		}
	}
	return false
}

// InNationalDB reports whether code is one of p's documents that the
// national databases hold.
func (p *Procedure) InNationalDB(code string) bool {
	for _, d := range p.Documents {
		if d.Code == code {
			return d.InNationalDB
		}
	}
	return false
}

// StepBudget returns the budget of the named step, if p has it.
func (p *Procedure) StepBudget(name string) (Duration, bool) {
	for _, s := range p.Steps {
		if s.Name == name {
			return s.Budget, true
		}
	}
	return Duration{}, false
}

// RuleDuration is a threshold from rules.yaml: Value minutes ("m"), hours
// ("h") or working days ("wd", SPEC.md §4).
type RuleDuration struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"`
}

// String formats d as in rules.yaml ("15m", "1wd").
func (d RuleDuration) String() string { return strconv.Itoa(d.Value) + d.Unit }

// Rules holds the thresholds of rules.yaml (SPEC.md §2.4).
type Rules struct {
	SlipGrace         map[string]RuleDuration `json:"slip_grace"` // by channel
	SupplementWindow  RuleDuration            `json:"supplement_window"`
	ApologyNotice     RuleDuration            `json:"apology_notice"`
	MaxReschedules    int                     `json:"max_reschedules"`
	MaxSupplements    int                     `json:"max_supplements"`
	BounceLimit       int                     `json:"bounce_limit"`
	DeskGrace         RuleDuration            `json:"desk_grace"`
	BackdateTolerance RuleDuration            `json:"backdate_tolerance"`
	FutureTolerance   RuleDuration            `json:"future_tolerance"`
	WarningFraction   float64                 `json:"warning_fraction"`
	TransferCutoff    string                  `json:"transfer_cutoff"` // "15:00"
	// Scorecard is how heads' scorecards are scored and banded.
	Scorecard      ScoreRules `json:"scorecard"`
	PlausibleRange DateRange  `json:"plausible_range"` // instants outside it are refused (SPEC.md §10.4)
	// DossierCodeFormats are the dossier-code formats a deployment
	// expects (SPEC.md §10.2); none configured turns the check off.
	DossierCodeFormats []CodeFormat `json:"dossier_code_formats,omitempty"`
	// Versions holds, per rule version (RegimeV2018, ...), the complete
	// thresholds for dossiers of that version where rules.yaml overrides
	// any; RulesFor reads it.
	Versions map[string]Rules `json:"versions,omitempty"`
}

// DefaultRules returns the defaults of SPEC.md §2.4.
func DefaultRules() Rules {
	return Rules{
		SlipGrace: map[string]RuleDuration{
			ChannelDirect: {15, "m"}, ChannelOnline: {1, "wd"}, ChannelPostal: {1, "wd"},
		},
		SupplementWindow:  RuleDuration{3, "wd"},
		ApologyNotice:     RuleDuration{1, "wd"},
		MaxReschedules:    1,
		MaxSupplements:    1,
		BounceLimit:       1,
		DeskGrace:         RuleDuration{15, "m"},
		BackdateTolerance: RuleDuration{24, "h"},
		FutureTolerance:   RuleDuration{5, "m"},
		WarningFraction:   0.75,
		TransferCutoff:    "15:00",
		Scorecard:         DefaultScoreRules(),
		PlausibleRange:    DateRange{From: calendar.Date{Year: 2000, Month: time.January, Day: 1}, To: calendar.Date{Year: 2100, Month: time.December, Day: 31}},
	}
}

// Config is the loaded configuration folder (SPEC.md §2). Build it with
// NewConfig, which indexes the tree; treat it as read-only afterwards.
type Config struct {
	Root       *Agency
	Officials  []Official
	Procedures []Procedure
	Calendar   *calendar.Calendar
	Rules      Rules

	agencies   map[string]*Agency
	officials  map[string]*Official
	procedures map[string]*Procedure
	documents  map[string]bool

	history history // periods in force, head terms, successors (history.go)
	formats []codeFormat
}

// NewConfig indexes root's tree, the officials and the procedures. It sets
// each agency's Parent. It does not validate: the config loader does.
func NewConfig(root *Agency, officials []Official, procedures []Procedure, cal *calendar.Calendar, rules Rules) *Config {
	c := &Config{Root: root, Officials: officials, Procedures: procedures, Calendar: cal, Rules: rules,
		agencies: map[string]*Agency{}, officials: map[string]*Official{}, procedures: map[string]*Procedure{},
		documents: map[string]bool{}}
	var walk func(a *Agency, parent string)
	walk = func(a *Agency, parent string) {
		a.Parent = parent
		if a.Head == (Head{}) && len(a.Heads) > 0 {
			a.Head = latestHead(a.Heads)
		}
		c.agencies[a.ID] = a
		for _, ch := range a.Children {
			walk(ch, a.ID)
		}
	}
	if root != nil {
		walk(root, "")
	}
	c.history = newHistory(c)
	c.formats = compileCodeFormats(rules.DossierCodeFormats)
	for i := range c.Officials {
		c.officials[c.Officials[i].ID] = &c.Officials[i]
	}
	for i := range c.Procedures {
		c.procedures[c.Procedures[i].Code] = &c.Procedures[i]
		for _, d := range c.Procedures[i].Documents {
			c.documents[d.Code] = true
		}
	}
	return c
}

// Agency returns the agency with id, or nil.
func (c *Config) Agency(id string) *Agency { return c.agencies[id] }

// Official returns the official with id, or nil.
func (c *Config) Official(id string) *Official { return c.officials[id] }

// Procedure returns the procedure with code, or nil.
func (c *Config) Procedure(code string) *Procedure { return c.procedures[code] }

// Ancestors returns id and its ancestors up to the root, nearest first; nil
// for an unknown id.
func (c *Config) Ancestors(id string) []string {
	var out []string
	for a := c.agencies[id]; a != nil; a = c.agencies[a.Parent] {
		out = append(out, a.ID)
	}
	return out
}

// Within reports whether agency id is scope or one of its descendants.
func (c *Config) Within(id, scope string) bool {
	for a := c.agencies[id]; a != nil; a = c.agencies[a.Parent] {
		if a.ID == scope {
			return true
		}
	}
	return false
}

// Subtree returns scope and all its descendants, in depth-first order.
func (c *Config) Subtree(scope string) []string {
	var out []string
	var walk func(a *Agency)
	walk = func(a *Agency) {
		out = append(out, a.ID)
		for _, ch := range a.Children {
			walk(ch)
		}
	}
	if a := c.agencies[scope]; a != nil {
		walk(a)
	}
	return out
}

// HeadOf returns the head answering for agency id: its own head (for an
// agency with head terms, the latest; HeadOfAt picks by date).
func (c *Config) HeadOf(id string) ViolationHead {
	a := c.agencies[id]
	if a == nil {
		return ViolationHead{Agency: id}
	}
	return ViolationHead{Agency: a.ID, Name: a.Head.Name, Title: a.Head.Title}
}

// Add returns t plus the rule duration d on the configured calendar. A
// duration of an unknown unit is an error, never t itself: a deadline at
// its own start would be a false breach.
func (c *Config) Add(t time.Time, d RuleDuration) (time.Time, error) {
	switch d.Unit {
	case "m":
		return t.Add(time.Duration(d.Value) * time.Minute), nil
	case "h":
		return t.Add(time.Duration(d.Value) * time.Hour), nil
	case "wd":
		return c.Calendar.AddWD(t, d.Value), nil
	}
	return time.Time{}, fmt.Errorf("rule duration %s: unknown unit %q", d.String(), d.Unit)
}

// Due returns t plus the lead time d on the configured calendar.
func (c *Config) Due(t time.Time, d Duration) (time.Time, error) {
	due, err := c.Calendar.Due(t, d.Value, d.Unit)
	if err != nil {
		return time.Time{}, fmt.Errorf("lead time: %w", err)
	}
	return due, nil
}

// Plain returns d as a wall-clock duration; ok is false for "wd".
func (d RuleDuration) Plain() (time.Duration, bool) {
	switch d.Unit {
	case "m":
		return time.Duration(d.Value) * time.Minute, true
	case "h":
		return time.Duration(d.Value) * time.Hour, true
	}
	return 0, false
}

// KnowsDocument reports whether any procedure of the catalogue lists code.
func (c *Config) KnowsDocument(code string) bool {
	if c.documents == nil {
		return false
	}
	_, ok := c.documents[code]
	return ok
}

// Check reports the first lead time or rule duration that the calendar
// cannot count (an unknown unit, a negative value), so that a store
// refuses such a configuration at open instead of judging against it.
func (c *Config) Check() error {
	if c.Calendar == nil {
		return fmt.Errorf("config: no calendar")
	}
	probe := time.Date(2026, 1, 5, 9, 0, 0, 0, c.Calendar.Location)
	for i := range c.Procedures {
		p := &c.Procedures[i]
		if _, err := LegalDue(c, p, probe); err != nil {
			return fmt.Errorf("procedure %s: %w", p.Code, err)
		}
		for _, s := range p.Steps {
			if _, err := c.Due(probe, s.Budget); err != nil {
				return fmt.Errorf("procedure %s step %s: %w", p.Code, s.Name, err)
			}
		}
	}
	durations := map[string]RuleDuration{"supplement_window": c.Rules.SupplementWindow, "apology_notice": c.Rules.ApologyNotice,
		"desk_grace": c.Rules.DeskGrace, "backdate_tolerance": c.Rules.BackdateTolerance, "future_tolerance": c.Rules.FutureTolerance}
	for ch, d := range c.Rules.SlipGrace {
		durations["slip_grace."+ch] = d
	}
	for name, d := range durations {
		if d.Value < 0 {
			return fmt.Errorf("rules %s: negative duration %s", name, d.String())
		}
		if _, err := c.Add(probe, d); err != nil {
			return fmt.Errorf("rules %s: %w", name, err)
		}
	}
	return nil
}
