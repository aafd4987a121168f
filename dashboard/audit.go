package dashboard

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// Auditor is the integrity side of the store: the hash chain and hot
// snapshots. *store.Store implements it.
type Auditor interface {
	// Verify walks the hash chain of the whole log.
	Verify() (*store.Verification, error)
	// Snapshot streams a consistent copy of the database and gives its
	// size; the caller closes the stream.
	Snapshot() (io.ReadCloser, int64, error)
}

func (s *Server) registerAuditRoutes(r fiber.Router) {
	r.Get("/audit/verify", s.handleAuditVerify)
	r.Get("/backup", s.handleBackup)
}

// handleAuditVerify answers GET /api/v1/audit/verify (supervisors): {"ok",
// "events", "head"}, with "broken_at" and "reason" when a link is broken.
func (s *Server) handleAuditVerify(c *fiber.Ctx) error {
	if _, err := s.requireRole(c, RoleSupervisor); err != nil {
		return err
	}
	if s.Auditor == nil {
		return newError(counter.CodeUnavailable)
	}
	v, err := s.Auditor.Verify()
	if err != nil {
		return err
	}
	if !v.OK {
		s.logger().Error("hash chain broken", "broken_at", v.BrokenAt, "reason", v.Reason)
	}
	return c.JSON(v)
}
