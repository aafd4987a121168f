package dashboard

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// Scope rules (SPEC.md §6.2): a token sees and writes only its agency's
// subtree. Denials never carry data: 403 names the field at fault, and a
// dossier outside the scope is answered 404 exactly as a missing one.

// principal returns the request's principal; a route reached without the
// auth middleware gets CodeUnauthorized rather than a zero-scope principal.
func (s *Server) principal(c *fiber.Ctx) (Principal, error) {
	p, ok := PrincipalOf(c)
	if !ok {
		return Principal{}, errUnauthorized()
	}
	return p, nil
}

// requireRole returns the principal if it has one of roles, else
// CodeForbidden.
func (s *Server) requireRole(c *fiber.Ctx, roles ...string) (Principal, error) {
	p, err := s.principal(c)
	if err != nil {
		return p, err
	}
	if !p.Is(roles...) {
		return p, counter.Errorf(counter.CodeForbidden, "", "a %s token cannot do this", "mã truy cập vai trò %s không được làm việc này", p.Role)
	}
	return p, nil
}

// scopedAgency returns the agency query parameter, defaulting to the
// token's agency. Returns CodeNotFound for an agency not in the tree and
// CodeForbidden (field "agency") for one outside the token's subtree.
// Every handler that takes ?agency= reads it through here.
func (s *Server) scopedAgency(c *fiber.Ctx) (string, error) {
	p, err := s.principal(c)
	if err != nil {
		return "", err
	}
	if s.Config == nil {
		return "", newError(counter.CodeUnavailable)
	}
	id := query(c, "agency")
	if id == "" {
		id = p.Agency
	}
	if s.Config.Agency(id) == nil {
		return "", counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", id)
	}
	if !p.Covers(s.Config, id) {
		return "", errOutOfScope("agency", id)
	}
	return id, nil
}

func errOutOfScope(field, agency string) *counter.Error {
	return counter.Errorf(counter.CodeForbidden, field, "agency %q is outside the token's scope",
		"cơ quan %q nằm ngoài phạm vi của mã truy cập", agency)
}

// CanSeeDossier reports whether p may read d (counter.Dossier.VisibleTo:
// the one definition the store's index and the websocket use too).
func (p Principal) CanSeeDossier(cfg *counter.Config, d *counter.Dossier) bool {
	return d != nil && cfg != nil && p.Agency != "" && d.VisibleTo(cfg, p.Agency)
}

// ownViolations keeps the violations charged inside p's scope (SPEC.md
// §10.4: a reader of a dossier that moved on does not see the new
// holder's verdicts).
func (p Principal) ownViolations(cfg *counter.Config, vs []counter.Violation) []counter.Violation {
	out := make([]counter.Violation, 0, len(vs))
	for _, v := range vs {
		if p.Covers(cfg, v.Agency) || (cfg.Root != nil && p.Agency == cfg.Root.ID) {
			out = append(out, v)
		}
	}
	return out
}

func errDossierNotFound(code string) *counter.Error {
	// The same error the store gives for a dossier that does not exist, so
	// that a denial does not reveal existence.
	return counter.Errorf(counter.CodeDossierNotFound, "", "dossier %q not found", "không tìm thấy hồ sơ %q", code)
}

// writerContext checks that p may record events at all and returns ctx
// carrying p as the writer: the store checks each event's agency and
// dossier against p inside the write transaction (counter.Authorize), so
// that the scope is judged on the dossier as the write sees it.
func (s *Server) writerContext(ctx context.Context, p Principal, events []counter.Event) (context.Context, error) {
	resolving := len(events) > 0
	for _, e := range events {
		if e.Type != counter.ComplaintResolved {
			resolving = false
		}
	}
	if !p.Is(RoleDesk, RoleIntegration) && !(resolving && p.Is(RoleHead, RoleSupervisor)) {
		return nil, counter.Errorf(counter.CodeForbidden, "", "only desk and integration tokens record events",
			"chỉ mã truy cập của bộ phận tiếp nhận hoặc tích hợp mới được ghi sự kiện")
	}
	return counter.WithWriter(ctx, counter.Writer{Agency: p.Agency, Role: p.Role}), nil
}
