package dashboard

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/hub"
)

func (s *Server) registerAlertRoutes(r fiber.Router) {
	r.Post("/alerts", s.handleAlertCreate)
}

// webhook is Alertmanager's webhook payload, version 4.
type webhook struct {
	Version string      `json:"version"`
	Status  string      `json:"status"`
	Alerts  []hub.Alert `json:"alerts"`
}

// handleAlertCreate answers POST /api/v1/alerts, Alertmanager's webhook:
// each alert goes to the wallboards whose subtree holds its agency label
// (SPEC.md §7). Only supervisor and integration tokens may post, and only
// alerts of their subtree; an alert without agency needs a root token.
func (s *Server) handleAlertCreate(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleSupervisor, RoleIntegration)
	if err != nil {
		return err
	}
	var w webhook
	if json.Valid(c.Body()) {
		if err := checkJSON(c.Body(), nil); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(c.Body(), &w); err != nil {
		return counter.Errorf(counter.CodeBadJSON, "", "malformed Alertmanager webhook: %v",
			"nội dung webhook Alertmanager không hợp lệ: %v", err)
	}
	if w.Version != "" && w.Version != "4" {
		return counter.Errorf(counter.CodeInvalid, "version", "webhook version %q is not 4", "phiên bản webhook %q không phải 4", w.Version)
	}
	root := s.Config != nil && s.Config.Root != nil && p.Agency == s.Config.Root.ID
	accepted, skipped := 0, 0
	for _, a := range w.Alerts {
		agency := a.Labels["agency"]
		known := s.Config != nil && s.Config.Agency(agency) != nil
		if (known && !p.Covers(s.Config, agency)) || (!known && !root) {
			skipped++
			continue
		}
		if a.Status == "" {
			a.Status = w.Status
		}
		if s.Hub != nil {
			s.Hub.Alert(a)
		}
		accepted++
	}
	return c.JSON(fiber.Map{"accepted": accepted, "skipped": skipped})
}
