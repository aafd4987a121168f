package mock

import (
	"context"
	"time"

	"github.com/motcua/motcua/counter"
)

var _ counter.Ledger = (*Ledger)(nil)

// Ledger is a counter.Ledger whose methods call its function fields.
type Ledger struct {
	RecordFn            func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error)
	FindDossierByCodeFn func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error)
	FindDossiersFn      func(ctx context.Context, f counter.DossierFilter) ([]*counter.Dossier, string, error)
	FindViolationsFn    func(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error)
	RollupFn            func(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error)
}

// Record calls RecordFn.
func (l *Ledger) Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
	return l.RecordFn(ctx, events)
}

// FindDossierByCode calls FindDossierByCodeFn.
func (l *Ledger) FindDossierByCode(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
	return l.FindDossierByCodeFn(ctx, code)
}

// FindDossiers calls FindDossiersFn.
func (l *Ledger) FindDossiers(ctx context.Context, f counter.DossierFilter) ([]*counter.Dossier, string, error) {
	return l.FindDossiersFn(ctx, f)
}

// FindViolations calls FindViolationsFn.
func (l *Ledger) FindViolations(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error) {
	return l.FindViolationsFn(ctx, f)
}

// Rollup calls RollupFn.
func (l *Ledger) Rollup(ctx context.Context, agency string, from, to time.Time) (*counter.RollupNode, error) {
	return l.RollupFn(ctx, agency, from, to)
}
