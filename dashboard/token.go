package dashboard

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// Token format: TokenPrefix and the unpadded base64url of TokenBytes
// random bytes. Operator-chosen bootstrap secrets need not follow it.
const (
	TokenPrefix = "mc_"
	TokenBytes  = 32
	// MaxTokenLen bounds any token presented, so that no request makes the
	// server hash megabytes.
	MaxTokenLen = 256
)

var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(TokenBytes)

// TokenStore keeps API tokens as hashes; *store.Store implements it.
type TokenStore interface {
	// CreateToken stores t durably. Returns CodeAlreadyExists for a
	// duplicate id or hash.
	CreateToken(t store.Token) error
	// Token returns the token with id. Returns store.ErrTokenNotFound.
	Token(id string) (*store.Token, error)
	// TokenByHash returns the token with hash. Returns store.ErrTokenNotFound.
	TokenByHash(hash string) (*store.Token, error)
	// RevokeToken revokes the token with id durably. Returns
	// store.ErrTokenNotFound.
	RevokeToken(id string, at time.Time) (*store.Token, error)
}

// NewToken returns a new random token and a random id for it. Show the
// token once and store only HashToken(token).
func NewToken() (token, id string, err error) {
	b := make([]byte, TokenBytes+8)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:TokenBytes]),
		"tok-" + hex.EncodeToString(b[TokenBytes:]), nil
}

// ParseToken checks the shape of a presented token and returns it. A token
// with TokenPrefix must be exactly what NewToken makes; any other (an
// operator's MOTCUA_BOOTSTRAP_TOKEN) must be 1 to MaxTokenLen visible ASCII
// characters. It never looks the token up.
func ParseToken(s string) (string, error) {
	if s == "" || len(s) > MaxTokenLen {
		return "", errors.New("token length out of range")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "", errors.New("token holds a character that is not visible ASCII")
		}
	}
	if strings.HasPrefix(s, TokenPrefix) {
		if len(s) != tokenLen {
			return "", errors.New("malformed token")
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(TokenPrefix):])
		if err != nil || len(b) != TokenBytes {
			return "", errors.New("malformed token")
		}
	}
	return s, nil
}

// HashToken returns the hex SHA-256 of token, the only form it is stored in.
// The token has 256 random bits, so a plain hash resists guessing.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CanMint reports whether p may create a token of role for agency: p is a
// supervisor, agency is within its scope and role ranks no higher than its
// own (SPEC.md §6.2).
func (p Principal) CanMint(cfg *counter.Config, role, agency string) bool {
	r, ok := roleRank[role]
	return ok && p.Role == RoleSupervisor && r <= roleRank[p.Role] && p.Covers(cfg, agency)
}

func (s *Server) registerTokenRoutes(r fiber.Router) {
	r.Post("/tokens", s.handleTokenCreate)
	r.Delete("/tokens/:id", s.handleTokenDelete)
}

type tokenCreateJSON struct {
	Role   string `json:"role"`
	Agency string `json:"agency"`
	Name   string `json:"name"`
	// Official makes a per-official desk token: the clerk it signs in.
	Official string `json:"official,omitempty"`
}

// handleTokenCreate answers POST /api/v1/tokens: a supervisor mints a
// token within its scope, shown once: 201 {"token", "id"}.
func (s *Server) handleTokenCreate(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleSupervisor)
	if err != nil {
		return err
	}
	if s.Tokens == nil {
		return newError(counter.CodeUnavailable)
	}
	var in tokenCreateJSON
	body := c.Body()
	if !json.Valid(body) {
		return counter.Errorf(counter.CodeBadJSON, "", "body must be {\"role\", \"agency\", \"name\"}",
			"nội dung phải là {\"role\", \"agency\", \"name\"}")
	}
	if err := checkJSON(body, reflect.TypeOf(in)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return counter.Errorf(counter.CodeBadJSON, "", "body must be {\"role\", \"agency\", \"name\"}",
			"nội dung phải là {\"role\", \"agency\", \"name\"}")
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case !slices.Contains(Roles, in.Role):
		return errParam("role", "role must be one of %s", "role phải là một trong %s", strings.Join(Roles, ", "))
	case s.Config == nil || s.Config.Agency(in.Agency) == nil:
		return counter.Errorf(counter.CodeUnknownAgency, "agency", "unknown agency %q", "không có cơ quan %q", in.Agency)
	case in.Name == "" || len(in.Name) > 200:
		return errParam("name", "name is required (at most 200 bytes)", "cần name (tối đa 200 byte)")
	case in.Official != "" && in.Role != RoleDesk:
		return errParam("official", "only a desk token names an official", "chỉ mã truy cập của quầy mới gắn với cán bộ")
	case in.Official != "" && (s.Config.Official(in.Official) == nil || !s.Config.Within(s.Config.Official(in.Official).Agency, in.Agency)):
		return counter.Errorf(counter.CodeUnknownOfficial, "official", "official %q does not work at %s",
			"cán bộ %q không thuộc %s", in.Official, in.Agency)
	case !p.CanMint(s.Config, in.Role, in.Agency):
		field := "agency"
		if p.Covers(s.Config, in.Agency) {
			field = "role"
		}
		return counter.Errorf(counter.CodeForbidden, field, "a %s of %s cannot create a %s token for %s",
			"%s của %s không được tạo mã %s cho %s", p.Role, p.Agency, in.Role, in.Agency)
	}
	token, id, err := NewToken()
	if err != nil {
		return err
	}
	t := store.Token{ID: id, Hash: HashToken(token), Name: in.Name, Role: in.Role, Agency: in.Agency,
		Official: in.Official, CreatedAt: s.now()}
	if err := s.Tokens.CreateToken(t); err != nil {
		return err
	}
	s.logger().Info("token created", "id", id, "role", in.Role, "agency", in.Agency, "official", in.Official, "by", p.TokenID)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": token, "id": id})
}

// handleTokenDelete answers DELETE /api/v1/tokens/{id}: a supervisor
// revokes a token of its scope, at once, and closes the websockets it
// opened (SPEC.md §10.4). A token outside the scope is
// answered as if it did not exist.
func (s *Server) handleTokenDelete(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleSupervisor)
	if err != nil {
		return err
	}
	if s.Tokens == nil {
		return newError(counter.CodeUnavailable)
	}
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || id == "" {
		return errParam("id", "invalid token id", "mã định danh không hợp lệ")
	}
	id = strings.Clone(id)
	t, err := s.Tokens.Token(id)
	if err == nil && !p.Covers(s.Config, t.Agency) {
		err = store.ErrTokenNotFound
	}
	if err != nil {
		return err
	}
	t, err = s.Tokens.RevokeToken(id, s.now())
	if err != nil {
		return err
	}
	closed := 0
	if s.Hub != nil {
		closed = s.Hub.Revoke(id)
	}
	s.logger().Info("token revoked", "id", id, "by", p.TokenID, "websockets_closed", closed)
	return c.JSON(fiber.Map{"id": t.ID, "revoked_at": t.RevokedAt})
}
