package mock

import (
	"time"

	"github.com/motcua/motcua/counter"
)

var _ counter.Evaluator = (*Evaluator)(nil)

// Evaluator is a counter.Evaluator whose methods call its function fields.
type Evaluator struct {
	EvaluateDossierFn func(cfg *counter.Config, d *counter.Dossier, events []counter.Event, now time.Time) ([]counter.Violation, time.Time)
	EvaluateDeskFn    func(cfg *counter.Config, desk counter.DeskState, events []counter.Event, now time.Time) ([]counter.Violation, time.Time)
}

// EvaluateDossier calls EvaluateDossierFn.
func (e *Evaluator) EvaluateDossier(cfg *counter.Config, d *counter.Dossier, events []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	return e.EvaluateDossierFn(cfg, d, events, now)
}

// EvaluateDesk calls EvaluateDeskFn.
func (e *Evaluator) EvaluateDesk(cfg *counter.Config, desk counter.DeskState, events []counter.Event, now time.Time) ([]counter.Violation, time.Time) {
	return e.EvaluateDeskFn(cfg, desk, events, now)
}
