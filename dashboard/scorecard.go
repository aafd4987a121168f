package dashboard

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
)

// Reporter reads what scorecards and the register need; *store.Store
// implements it.
type Reporter interface {
	// ScorecardInput reads what plan needs. Returns CodeNotFound for an
	// unknown agency.
	ScorecardInput(ctx context.Context, plan *counter.ScorecardPlan) (*counter.ScorecardInput, error)
	// EachRegisterRow calls fn with each dossier a counter within agency
	// received in from..to, oldest first.
	EachRegisterRow(ctx context.Context, agency string, from, to time.Time, fn func(store.RegisterRow) error) error
}

// Limits of the scorecard periods.
const (
	// MaxPeriodDays bounds a scorecard or report period: five years.
	MaxPeriodDays = 5*366 + 1
	// TrendMonths is how many months GET /scorecards/trend gives.
	TrendMonths = 12
)

func (s *Server) registerScorecardRoutes(r fiber.Router) {
	r.Get("/scorecards", s.handleScorecardIndex)
	r.Get("/scorecards/trend", s.handleScorecardTrend)
	r.Get("/reports/:file", s.handleReportView)
}

// reporter returns Reports, else the Ledger if it can report.
func (s *Server) reporter() (Reporter, error) {
	if s.Reports != nil {
		return s.Reports, nil
	}
	if r, ok := s.Ledger.(Reporter); ok {
		return r, nil
	}
	return nil, newError(counter.CodeUnavailable)
}

// dayParam reads an optional day: "2026-03-01", or an RFC 3339 instant
// taken as its day in the calendar's zone.
func (s *Server) dayParam(c *fiber.Ctx, key string) (calendar.Date, bool, error) {
	v := strings.TrimSpace(c.Query(key))
	if v == "" {
		return calendar.Date{}, false, nil
	}
	if d, err := calendar.ParseDate(v); err == nil && len(v) == len(time.DateOnly) {
		return d, true, checkYear(key, d)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return calendar.Date{}, false, errParam(key, "%s must be a day (2026-03-01) or an RFC 3339 time",
			"%s phải là một ngày (2026-03-01) hoặc thời điểm theo RFC 3339", key)
	}
	d := calendar.DateOf(t.In(s.Config.Calendar.Location))
	return d, true, checkYear(key, d)
}

func checkYear(key string, d calendar.Date) error {
	if d.Year < 2000 || d.Year > 2100 {
		return errParam(key, "%s must lie between 2000 and 2100", "%s phải nằm trong khoảng năm 2000 đến 2100", key)
	}
	return nil
}

// PeriodOf returns the period from..to (either may be zero): without from,
// the first day of to's month; without to, today. Returns
// CodeInvalidParam when to precedes from or the span is too long.
func PeriodOf(from, to calendar.Date, today calendar.Date) (counter.Period, error) {
	if to == (calendar.Date{}) {
		to = today
	}
	if from == (calendar.Date{}) {
		from = calendar.Date{Year: to.Year, Month: to.Month, Day: 1}
	}
	p := counter.Period{From: from, To: to}
	f, t := from.In(time.UTC), to.In(time.UTC)
	if t.Before(f) {
		return p, errParam("to", "to is before from", "to sớm hơn from")
	}
	if t.Sub(f) > MaxPeriodDays*24*time.Hour {
		return p, errParam("to", "the period is longer than five years", "kỳ báo cáo dài quá năm năm")
	}
	return p, nil
}

// periodQuery reads ?from= and ?to= as a period (see PeriodOf).
func (s *Server) periodQuery(c *fiber.Ctx) (counter.Period, error) {
	from, _, err := s.dayParam(c, "from")
	if err != nil {
		return counter.Period{}, err
	}
	to, _, err := s.dayParam(c, "to")
	if err != nil {
		return counter.Period{}, err
	}
	return PeriodOf(from, to, calendar.DateOf(s.now().In(s.Config.Calendar.Location)))
}

// Scorecards computes the cards of agency's subtree for each period, at
// now, from r (SPEC.md §10.3).
func Scorecards(ctx context.Context, r Reporter, cfg *counter.Config, headAt counter.HeadFunc, agency string, periods []counter.Period, now time.Time) ([][]counter.Scorecard, error) {
	plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: agency, Periods: periods, Now: now, HeadAt: headAt})
	in, err := r.ScorecardInput(ctx, plan)
	if err != nil {
		return nil, err
	}
	return counter.ComputeScorecards(cfg, plan, in), nil
}

type scorecardsJSON struct {
	Period     counter.PeriodJSON  `json:"period"`
	Scorecards []counter.Scorecard `json:"scorecards"`
}

// handleScorecardIndex answers GET /api/v1/scorecards: a card for the
// agency and every agency below it, for the period from..to.
func (s *Server) handleScorecardIndex(c *fiber.Ctx) error {
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	per, err := s.periodQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reporter()
	if err != nil {
		return err
	}
	cards, err := Scorecards(c.UserContext(), r, s.Config, s.HeadAt, agency, []counter.Period{per}, s.now())
	if err != nil {
		return err
	}
	return c.JSON(scorecardsJSON{Period: per.JSON(), Scorecards: nonNil(cards[0])})
}

type trendJSON struct {
	Agency string           `json:"agency"`
	Months []scorecardsJSON `json:"months"`
}

// handleScorecardTrend answers GET /api/v1/scorecards/trend: the same
// cards per calendar month, the last TrendMonths months up to today (or
// ?to=), oldest first.
func (s *Server) handleScorecardTrend(c *fiber.Ctx) error {
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	last, ok, err := s.dayParam(c, "to")
	if err != nil {
		return err
	}
	if !ok {
		last = calendar.DateOf(s.now().In(s.Config.Calendar.Location))
	}
	r, err := s.reporter()
	if err != nil {
		return err
	}
	months := counter.Months(last, TrendMonths)
	cards, err := Scorecards(c.UserContext(), r, s.Config, s.HeadAt, agency, months, s.now())
	if err != nil {
		return err
	}
	out := trendJSON{Agency: agency, Months: make([]scorecardsJSON, len(months))}
	for i, m := range months {
		out.Months[i] = scorecardsJSON{Period: m.JSON(), Scorecards: nonNil(cards[i])}
	}
	return c.JSON(out)
}
