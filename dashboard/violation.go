package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// Violation statuses and severities accepted as filters.
var (
	violationStatuses = []string{counter.StatusOpen, counter.StatusConfirmed, counter.StatusProvisional,
		counter.StatusDismissed, counter.StatusResolved}
	severities = []string{counter.SeverityHigh, counter.SeverityMedium, counter.SeverityLow}
)

func (s *Server) registerViolationRoutes(r fiber.Router) {
	r.Get("/violations", s.handleViolationIndex)
}

// handleViolationIndex answers GET /api/v1/violations: one page of the
// violations charged within an agency's subtree, newest first.
func (s *Server) handleViolationIndex(c *fiber.Ctx) error {
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	f := counter.ViolationFilter{Agency: agency, Dossier: query(c, "dossier")}
	if f.Code, err = enumParam(c, "code", counter.ViolationCodes); err != nil {
		return err
	}
	if f.Severity, err = enumParam(c, "severity", severities); err != nil {
		return err
	}
	if f.Status, err = enumParam(c, "status", violationStatuses); err != nil {
		return err
	}
	if f.From, f.To, err = periodParams(c); err != nil {
		return err
	}
	if f.Limit, f.Cursor, err = pageParams(c); err != nil {
		return err
	}
	vs, next, err := s.Ledger.FindViolations(c.UserContext(), f)
	if err != nil {
		return err
	}
	p, _ := PrincipalOf(c)
	return c.JSON(violationIndexJSON{Violations: nonNil(s.redactViolations(p, vs)), NextCursor: next})
}

type violationIndexJSON struct {
	Violations []counter.Violation `json:"violations"`
	NextCursor string              `json:"next_cursor"`
}
