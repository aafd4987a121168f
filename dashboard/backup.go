package dashboard

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// handleBackup answers GET /api/v1/backup: a consistent snapshot of the
// whole database while serving, streamed as application/octet-stream. It
// holds every agency's data, so only a supervisor of the root may take it.
// The secret key file is not in it (see store.Snapshot).
func (s *Server) handleBackup(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleSupervisor)
	if err != nil {
		return err
	}
	if s.Config == nil || s.Config.Root == nil || p.Agency != s.Config.Root.ID {
		return counter.Errorf(counter.CodeForbidden, "", "only a supervisor of the root agency may take a backup",
			"chỉ giám sát viên của cơ quan gốc mới được sao lưu")
	}
	if s.Auditor == nil {
		return newError(counter.CodeUnavailable)
	}
	r, size, err := s.Auditor.Snapshot()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("motcua-%s.db", s.now().UTC().Format("20060102T150405Z"))
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	s.logger().Info("backup", "bytes", size, "by", p.TokenID)
	// fasthttp closes r once it is written, or when the answer is dropped,
	// which ends the snapshot's read transaction.
	c.Context().SetBodyStream(r, int(size))
	return nil
}
