package hub

import (
	"encoding/json"

	"github.com/gorilla/websocket"

	"github.com/motcua/motcua/counter"
)

// ServeRedacted is Serve for a client that must never receive personal
// data (SPEC.md §10.3): a viewer token's kiosk or TV. It gets dossiers and
// violations without applicants and free text; everything else as Serve.
func (h *Hub) ServeRedacted(conn *websocket.Conn, scope string) error {
	return h.ServeClient(conn, scope, "", true)
}

// redactedDossier encodes d's message for redacted clients.
func redactedDossier(d *counter.Dossier) []byte {
	b, err := json.Marshal(dossierMsg{Type: "dossier", Dossier: d.Redacted()})
	if err != nil {
		return nil
	}
	return b
}

// redactedViolation encodes v's message for redacted clients.
func (h *Hub) redactedViolation(v *counter.Violation) []byte {
	r := v.Redacted(h.cfg)
	b, err := json.Marshal(violationMsg{Type: "violation", Violation: &r})
	if err != nil {
		return nil
	}
	return b
}

// payload returns what client c gets of o: the redacted encoding for a
// redacted client. A message that has no redacted encoding is withheld
// from redacted clients (nil) rather than sent whole.
func (o *outgoing) payload(c *client) []byte {
	if !c.redact {
		return o.data
	}
	if o.personal {
		return o.redacted
	}
	return o.data
}
