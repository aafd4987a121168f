package dashboard

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gorilla/websocket"

	"github.com/motcua/motcua/counter"
)

func (s *Server) registerWSRoutes() {
	s.app.Get("/ws", s.authenticate, s.handleWS)
}

// handleWS answers GET /ws?agency=: once the token (header or access_token
// query) is authenticated and agency lies in its scope, it upgrades to a
// websocket fed by the hub (SPEC.md §7), closed when its token is revoked
// (§10.4). Without agency, the token's own
// agency is the scope. Browsers must come from this origin.
func (s *Server) handleWS(c *fiber.Ctx) error {
	if s.Hub == nil {
		return newError(counter.CodeNotFound)
	}
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	up := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		CheckOrigin:     SameOrigin,
	}
	hub := s.Hub
	log := s.logger()
	p, _ := PrincipalOf(c)
	tokens := s.Tokens
	return adaptor.HTTPHandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // gorilla has answered (400 or 403)
		}
		if err := hub.ServeClient(conn, agency, p.TokenID, !p.SeesPersonalData()); err != nil {
			log.Warn("wallboard client refused", "err", err)
			return
		}
		// A revocation that came between the authentication and ServeToken
		// found no client to close: look again now that it is registered.
		if p.TokenID != "" && tokens != nil {
			if t, err := tokens.Token(p.TokenID); err == nil && t.Revoked() {
				hub.Revoke(p.TokenID)
			}
		}
	})(c)
}
