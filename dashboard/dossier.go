package dashboard

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

func (s *Server) registerDossierRoutes(r fiber.Router) {
	r.Get("/dossiers", s.handleDossierIndex)
	r.Get("/dossiers/:code", s.handleDossierView)
}

// handleDossierView answers GET /api/v1/dossiers/{code}: the dossier's
// state, its clock as of now, its events and violations.
func (s *Server) handleDossierView(c *fiber.Ctx) error {
	code, err := url.PathUnescape(c.Params("code"))
	if err != nil || code == "" {
		return errParam("code", "invalid dossier code", "mã hồ sơ không hợp lệ")
	}
	code = strings.Clone(code)
	p, err := s.principal(c)
	if err != nil {
		return err
	}
	d, events, violations, err := s.Ledger.FindDossierByCode(c.UserContext(), code)
	if err != nil {
		return err
	}
	if !p.CanSeeDossier(s.Config, d) {
		return errDossierNotFound(code)
	}
	return c.JSON(dossierViewJSON{
		Dossier:    s.withTrackingURLs(c, s.redactDossiers(p, []*counter.Dossier{s.withClock(d)}))[0],
		Events:     nonNil(s.redactEvents(p, events)),
		Violations: nonNil(s.redactViolations(p, p.ownViolations(s.Config, violations))),
	})
}

type dossierViewJSON struct {
	Dossier    *counter.Dossier    `json:"dossier"`
	Events     []counter.Event     `json:"events"`
	Violations []counter.Violation `json:"violations"`
}

// handleDossierIndex answers GET /api/v1/dossiers: one page of the
// dossiers of an agency's subtree, newest first.
func (s *Server) handleDossierIndex(c *fiber.Ctx) error {
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	state, err := enumParam(c, "state", counter.ClockStates)
	if err != nil {
		return err
	}
	procedure := query(c, "procedure")
	if procedure != "" && s.Config.Procedure(procedure) == nil {
		return errParam("procedure", "unknown procedure %q", "không có thủ tục %q", procedure)
	}
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	ds, next, err := s.Ledger.FindDossiers(c.UserContext(), counter.DossierFilter{
		Agency: agency, State: state, Procedure: procedure, Limit: limit, Cursor: cursor,
	})
	if err != nil {
		return err
	}
	p, _ := PrincipalOf(c)
	return c.JSON(dossierIndexJSON{Dossiers: s.withTrackingURLs(c, s.redactDossiers(p, s.withClocks(ds))), NextCursor: next})
}

type dossierIndexJSON struct {
	Dossiers   []*counter.Dossier `json:"dossiers"`
	NextCursor string             `json:"next_cursor"`
}

// withClock returns a copy of d with its clock as of now: stored states
// hold the clock of their last write, which time alone makes stale.
func (s *Server) withClock(d *counter.Dossier) *counter.Dossier {
	if d == nil {
		return nil
	}
	n := *d
	if s.Config != nil && s.Config.Calendar != nil {
		n.Clock = d.ClockAt(s.Config, s.now())
	}
	return &n
}

func (s *Server) withClocks(ds []*counter.Dossier) []*counter.Dossier {
	out := make([]*counter.Dossier, 0, len(ds))
	for _, d := range ds {
		if d != nil {
			out = append(out, s.withClock(d))
		}
	}
	return out
}
