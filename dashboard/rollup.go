package dashboard

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) registerRollupRoutes(r fiber.Router) {
	r.Get("/rollup", s.handleRollupView)
}

// handleRollupView answers GET /api/v1/rollup: the agency's subtree as a
// tree of counts, over all time or the period from..to.
func (s *Server) handleRollupView(c *fiber.Ctx) error {
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	from, to, err := periodParams(c)
	if err != nil {
		return err
	}
	node, err := s.Ledger.Rollup(c.UserContext(), agency, from, to)
	if err != nil {
		return err
	}
	return c.JSON(node)
}
