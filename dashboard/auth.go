package dashboard

import (
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// Roles a token may have (SPEC.md §6.2).
const (
	RoleDesk        = "desk"
	RoleIntegration = "integration"
	RoleHead        = "head"
	RoleSupervisor  = "supervisor"
	RoleViewer      = "viewer"
)

// Roles lists every role, lowest first.
var Roles = []string{RoleViewer, RoleHead, RoleDesk, RoleIntegration, RoleSupervisor}

// roleRank orders roles for minting: no token mints a role ranked above
// its own. Readers rank lowest, writers next, supervisors highest.
var roleRank = map[string]int{RoleViewer: 1, RoleHead: 1, RoleDesk: 2, RoleIntegration: 2, RoleSupervisor: 3}

// Principal is who a token speaks for: a role within an agency's subtree.
type Principal struct {
	TokenID string `json:"token_id,omitempty"`
	Name    string `json:"name,omitempty"`
	Role    string `json:"role"`
	Agency  string `json:"agency"`
	// Official is the clerk a per-official desk token signs in; "" for
	// any other token.
	Official string `json:"official,omitempty"`
}

// Covers reports whether agency is within p's scope: p's agency or one of
// its descendants in cfg's tree. Unknown agencies are covered by no one.
func (p Principal) Covers(cfg *counter.Config, agency string) bool {
	return cfg != nil && p.Agency != "" && cfg.Within(agency, p.Agency)
}

// Is reports whether p has one of roles.
func (p Principal) Is(roles ...string) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
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

// OpenAuthenticator accepts every non-empty token, for tests and tools
// that run without a token store: Bootstrap (when set) is a supervisor of
// Root, any other token an integration of Root. serve never uses it.
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

// TokenAuthenticator checks tokens against the stored hashes. Each call
// reads the store, so a revocation takes effect on the next request.
type TokenAuthenticator struct {
	Tokens TokenStore
}

// Authenticate returns the principal of token. Returns CodeUnauthorized
// for a malformed, unknown or revoked token.
func (a TokenAuthenticator) Authenticate(token string) (Principal, error) {
	tok, err := ParseToken(token)
	if err != nil {
		return Principal{}, errUnauthorized()
	}
	t, err := a.Tokens.TokenByHash(HashToken(tok))
	if errors.Is(err, store.ErrTokenNotFound) {
		return Principal{}, errUnauthorized()
	}
	if err != nil {
		return Principal{}, err
	}
	if t.Revoked() {
		return Principal{}, errUnauthorized()
	}
	return Principal{TokenID: t.ID, Name: t.Name, Role: t.Role, Agency: t.Agency, Official: t.Official}, nil
}

func errUnauthorized() *counter.Error {
	return counter.Errorf(counter.CodeUnauthorized, "",
		"missing or invalid token: send Authorization: Bearer <token>",
		"thiếu hoặc sai mã truy cập: gửi Authorization: Bearer <mã>")
}

const principalKey = "motcua.principal"

// AccessTokenParam is the query parameter that may carry the token where
// a header cannot be set: kiosk wallboard URLs and the websocket (SPEC.md
// §6.3, §7).
const AccessTokenParam = "access_token"

// tokenOf returns the token of the request: the Authorization Bearer
// header, else the access_token query parameter; "" when neither is given.
func tokenOf(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		// fiber reuses the header buffer once the handler returns.
		return strings.Clone(strings.TrimSpace(token))
	}
	return strings.Clone(c.Query(AccessTokenParam))
}

// authenticate is the middleware that guards /api/v1: it requires a
// token, as "Authorization: Bearer <token>" or ?access_token=, and stores
// the principal in the context.
func (s *Server) authenticate(c *fiber.Ctx) error {
	p, err := s.authenticateRequest(c)
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	return c.Next()
}

// authenticateRequest returns the principal of the request's token (see
// tokenOf). Routes outside /api/v1 that need a token (the websocket) call
// it rather than an Authenticator directly, so that failures count
// against the limiter: a client whose failures exhaust AuthLimiter gets
// 429 until it refills, whatever it sends.
func (s *Server) authenticateRequest(c *fiber.Ctx) (Principal, error) {
	if p, ok := PrincipalOf(c); ok {
		return p, nil
	}
	ip := strings.Clone(c.IP())
	if l := s.AuthLimiter; l != nil {
		if wait := l.Blocked(ip, s.now()); wait > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			return Principal{}, counter.Errorf(counter.CodeTooManyRequests, "",
				"too many failed sign-ins from this address; retry later",
				"quá nhiều lần đăng nhập sai từ địa chỉ này; vui lòng thử lại sau")
		}
	}
	token := tokenOf(c)
	if token == "" {
		return Principal{}, errUnauthorized()
	}
	p, err := s.authenticator().Authenticate(token)
	if err != nil {
		if counter.ErrorCode(err) == counter.CodeUnauthorized && s.AuthLimiter != nil {
			s.AuthLimiter.Fail(ip, s.now())
		}
		return Principal{}, err
	}
	return p, nil
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
