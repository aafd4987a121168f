package dashboard

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) registerRollupRoutes(r fiber.Router) {
	r.Get("/rollup", s.handleRollupView)
}

// handleRollupView answers GET /api/v1/rollup: the agency's subtree as a
// tree of counts, over all time or the period from..to. Over a period it
// shows the agencies in force during it (each under the parent it had:
// the tree is one for all dates), and an ended or later one only when it
// counts something there.
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
	if !from.IsZero() || !to.IsZero() {
		s.dropEnded(node, from, to, to.IsZero() || !to.Before(s.now()))
	}
	return c.JSON(node)
}
