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
// websocket fed by the hub (SPEC.md §7). Without agency, the token's own
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
	serve := hub.Serve
	if p, _ := PrincipalOf(c); !p.SeesPersonalData() {
		serve = hub.ServeRedacted
	}
	log := s.logger()
	return adaptor.HTTPHandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // gorilla has answered (400 or 403)
		}
		if err := serve(conn, agency); err != nil {
			log.Warn("wallboard client refused", "err", err)
		}
	})(c)
}
