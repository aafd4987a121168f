package counter

import (
	"context"
	"time"
)

// RecordResult is what Ledger.Record stored (SPEC.md §6.2 POST /events).
// Replayed is true when every event was a retry of one already stored
// with the same body: nothing new was written.
type RecordResult struct {
	Events     []Event     `json:"events"`
	Dossiers   []*Dossier  `json:"dossiers"`
	Violations []Violation `json:"violations"`
	Replayed   bool        `json:"-"`
}

// DossierFilter selects dossiers of an agency subtree, newest first.
type DossierFilter struct {
	Agency    string
	State     string // clock state
	Procedure string
	Limit     int
	Cursor    string
}

// ViolationFilter selects violations charged within an agency subtree,
// newest (by occurred_at) first. From and To bound occurred_at.
type ViolationFilter struct {
	Agency   string
	Dossier  string
	Code     string
	Severity string
	Status   string
	From, To time.Time
	Limit    int
	Cursor   string
}

// Ledger is the durable, append-only record of events and the views derived
// from it.
type Ledger interface {
	// Record validates and stores events atomically: all or none. It
	// returns an *Error (and stores nothing) when an event is refused, with
	// Field prefixed "events[i]" for batches of more than one.
	Record(ctx context.Context, events []Event) (*RecordResult, error)
	// FindDossierByCode returns a dossier with its events and violations.
	// Returns CodeDossierNotFound if there is none.
	FindDossierByCode(ctx context.Context, code string) (*Dossier, []Event, []Violation, error)
	// FindDossiers returns one page of dossiers and the cursor of the next.
	FindDossiers(ctx context.Context, f DossierFilter) ([]*Dossier, string, error)
	// FindViolations returns one page of violations and the cursor of the next.
	FindViolations(ctx context.Context, f ViolationFilter) ([]Violation, string, error)
	// Rollup returns agency's subtree with counts, from per-day buckets when
	// from or to is set. Returns CodeNotFound for an unknown agency.
	Rollup(ctx context.Context, agency string, from, to time.Time) (*RollupNode, error)
}

// DeskState is the staffing of one counter desk, derived from shift events.
type DeskState struct {
	Agency   string    `json:"agency"`
	Desk     string    `json:"desk"`
	Open     bool      `json:"open"`
	Official string    `json:"official,omitempty"`
	Since    time.Time `json:"since"` // at of the last shift event
	// Watched is when monitoring of this desk began: its counter's first
	// shift event. Desks of counters that never opened a shift are not judged.
	Watched time.Time `json:"watched"`
}

// Evaluator judges dossiers and desks against the rules of SPEC.md §5.
// Implementations are pure: the same inputs give the same output.
type Evaluator interface {
	// EvaluateDossier returns every violation that d's history holds at now
	// (events in log order, with RecordedAt set), with deterministic IDs and
	// current statuses, and the next instant after now at which the answer
	// could change by time alone (zero if none).
	EvaluateDossier(cfg *Config, d *Dossier, events []Event, now time.Time) ([]Violation, time.Time)
	// EvaluateDesk does the same for one desk.
	EvaluateDesk(cfg *Config, desk DeskState, events []Event, now time.Time) ([]Violation, time.Time)
}

// Change is what one commit changed, published after the commit returns.
type Change struct {
	Violations []Violation
	Dossiers   []*Dossier
	Rollup     []*RollupNode // changed nodes with their ancestors, without children
}

// Publisher receives changes after each commit. Publish must not block.
type Publisher interface {
	Publish(Change)
}

// PublishFunc adapts a function to Publisher.
type PublishFunc func(Change)

// Publish calls f(c).
func (f PublishFunc) Publish(c Change) { f(c) }

// Writer is who records events: the token's role and agency. The store
// checks it inside the write transaction against the dossier as it stands
// there (SPEC.md §10.4), not against an earlier read.
type Writer struct {
	Agency string
	Role   string // desk, integration, head, supervisor
}

type writerKey struct{}

// WithWriter returns ctx carrying w for Ledger.Record.
func WithWriter(ctx context.Context, w Writer) context.Context {
	return context.WithValue(ctx, writerKey{}, w)
}

// WriterFrom returns the writer ctx carries; ok is false for the system
// itself (replay, import, the demo), which writes anywhere.
func WriterFrom(ctx context.Context) (Writer, bool) {
	w, ok := ctx.Value(writerKey{}).(Writer)
	return w, ok
}
