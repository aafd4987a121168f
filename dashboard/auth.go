package dashboard

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// Roles a token may have (SPEC.md §6.2).
const (
	RoleDesk        = "desk"
	RoleIntegration = "integration"
	RoleHead        = "head"
	RoleSupervisor  = "supervisor"
	RoleViewer      = "viewer"
)

// Principal is who a token speaks for: a role within an agency's subtree.
type Principal struct {
	TokenID string `json:"token_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Role    string `json:"role"`
	Agency  string `json:"agency"`
}

// Authenticator checks a bearer token.
type Authenticator interface {
	// Authenticate returns the principal of token. Returns an *counter.Error
	// with CodeUnauthorized for an unknown or revoked token.
	Authenticate(token string) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(token string) (Principal, error)

// Authenticate calls f(token).
func (f AuthenticatorFunc) Authenticate(token string) (Principal, error) { return f(token) }

// OpenAuthenticator accepts every non-empty token, until tokens are stored:
// Bootstrap (when set) is a supervisor of Root, any other token an
// integration of Root.
type OpenAuthenticator struct {
	Bootstrap string
	Root      string
}

// Authenticate returns the principal of token; it fails only for "".
func (a OpenAuthenticator) Authenticate(token string) (Principal, error) {
	if token == "" {
		return Principal{}, errUnauthorized()
	}
	if a.Bootstrap != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.Bootstrap)) == 1 {
		return Principal{Name: "bootstrap", Role: RoleSupervisor, Agency: a.Root}, nil
	}
	return Principal{Role: RoleIntegration, Agency: a.Root}, nil
}

func errUnauthorized() *counter.Error {
	return counter.Errorf(counter.CodeUnauthorized, "",
		"missing or invalid token: send Authorization: Bearer <token>",
		"thiếu hoặc sai mã truy cập: gửi Authorization: Bearer <mã>")
}

const principalKey = "motcua.principal"

// authenticate is the one middleware that guards /api/v1: it requires
// "Authorization: Bearer <token>" and stores the principal in the context.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return errUnauthorized()
	}
	// fiber reuses the header buffer once the handler returns.
	token = strings.Clone(strings.TrimSpace(token))
	if token == "" {
		return errUnauthorized()
	}
	p, err := s.authenticator().Authenticate(token)
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	return c.Next()
}

func (s *Server) authenticator() Authenticator {
	if s.Authenticator != nil {
		return s.Authenticator
	}
	root := ""
	if s.Config != nil && s.Config.Root != nil {
		root = s.Config.Root.ID
	}
	return OpenAuthenticator{Bootstrap: s.BootstrapToken, Root: root}
}

// PrincipalOf returns the principal the auth middleware stored in c.
func PrincipalOf(c *fiber.Ctx) (Principal, bool) {
	p, ok := c.Locals(principalKey).(Principal)
	return p, ok
}
