package dashboard

import (
	"context"
	"strconv"

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

// dossierAgencies returns every agency a dossier has been at: the
// receiving agency, the holder, and each agency that recorded or was sent
// one of its events.
func dossierAgencies(d *counter.Dossier, events []counter.Event) []string {
	out := []string{d.Agency, d.Holder}
	for _, e := range events {
		out = append(out, e.Agency)
		if e.To != "" {
			out = append(out, e.To)
		}
	}
	return out
}

// CanSeeDossier reports whether p may read d: its receiving agency or an
// agency that held it or acted on it is within p's scope. events are the
// dossier's events (nil to judge by d alone).
func (p Principal) CanSeeDossier(cfg *counter.Config, d *counter.Dossier, events []counter.Event) bool {
	if d == nil {
		return false
	}
	if cfg != nil && cfg.Root != nil && p.Agency == cfg.Root.ID {
		return true // even a dossier of an agency since removed from the tree
	}
	for _, a := range dossierAgencies(d, events) {
		if p.Covers(cfg, a) {
			return true
		}
	}
	return false
}

func errDossierNotFound(code string) *counter.Error {
	// The same error the store gives for a dossier that does not exist, so
	// that a denial does not reveal existence.
	return counter.Errorf(counter.CodeDossierNotFound, "", "dossier %q not found", "không tìm thấy hồ sơ %q", code)
}

// authorizeEvents checks a POST /events batch against p: only desk and
// integration tokens write; each event's agency (for a transfer, the
// sender) must be in scope; an event on an existing dossier the token
// cannot see is refused as if the dossier did not exist (404) or, for an
// event that would create it, 403 on "dossier".
func (s *Server) authorizeEvents(ctx context.Context, p Principal, events []counter.Event) error {
	if !p.Is(RoleDesk, RoleIntegration) {
		return counter.Errorf(counter.CodeForbidden, "", "only desk and integration tokens record events",
			"chỉ mã truy cập của bộ phận tiếp nhận hoặc tích hợp mới được ghi sự kiện")
	}
	prefix := func(i int, field string) string {
		if len(events) == 1 {
			return field
		}
		return "events[" + strconv.Itoa(i) + "]." + field
	}
	for i, e := range events {
		if s.Config.Agency(e.Agency) == nil {
			continue // the store refuses it as unknown_agency (422)
		}
		if !p.Covers(s.Config, e.Agency) {
			return errOutOfScope(prefix(i, "agency"), e.Agency)
		}
	}
	if s.Config.Root != nil && p.Agency == s.Config.Root.ID {
		return nil // the root's subtree holds every dossier: no lookups
	}
	seen := map[string]bool{}
	for i, e := range events {
		if e.Dossier == "" || seen[e.Dossier] {
			continue
		}
		seen[e.Dossier] = true
		d, evs, _, err := s.Ledger.FindDossierByCode(ctx, e.Dossier)
		switch counter.ErrorCode(err) {
		case "":
		case counter.CodeDossierNotFound:
			continue
		default:
			return err
		}
		if p.CanSeeDossier(s.Config, d, evs) {
			continue
		}
		if e.Type.Creates() {
			return counter.Errorf(counter.CodeForbidden, prefix(i, "dossier"), "dossier %q belongs outside the token's scope",
				"hồ sơ %q thuộc phạm vi khác", e.Dossier)
		}
		nf := errDossierNotFound(e.Dossier)
		nf.Field = prefix(i, "dossier")
		return nf
	}
	return nil
}
