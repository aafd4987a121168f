package hub

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
)

// The message shapes of SPEC.md §7.
type violationMsg struct {
	Type      string             `json:"type"`
	Violation *counter.Violation `json:"violation"`
}

type dossierMsg struct {
	Type    string           `json:"type"`
	Dossier *counter.Dossier `json:"dossier"`
}

type rollupMsg struct {
	Type   string              `json:"type"`
	Agency string              `json:"agency"`
	Node   *counter.RollupNode `json:"node"`
}

type alertMsg struct {
	Type  string `json:"type"`
	Alert Alert  `json:"alert"`
}

// Alert is one alert of an Alertmanager webhook (version 4), as pushed to
// wallboards in {"type": "alert", "alert": {...}}. Its "agency" label
// scopes it; an alert without one goes to clients of the root only.
type Alert struct {
	Status       string            `json:"status"` // firing or resolved
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint"`
}

// key identifies an alert across webhooks: its fingerprint, else its labels.
func (a *Alert) key() string {
	if a.Fingerprint != "" {
		return a.Fingerprint
	}
	b, _ := json.Marshal(a.Labels) // map keys are sorted
	return string(b)
}

// outgoing is one encoded message and the agencies whose subtrees may see it:
// a client gets it when its scope is one of them or an ancestor of one.
type outgoing struct {
	data   []byte
	within map[string]bool // the agencies and all their ancestors
	// personal: data may hold personal data; redacted clients get
	// redacted instead (see payload).
	personal bool
	redacted []byte
}

func (h *Hub) scopeSet(agencies ...string) map[string]bool {
	set := map[string]bool{}
	for _, a := range agencies {
		if a == "" {
			continue
		}
		for _, id := range h.cfg.Ancestors(a) {
			set[id] = true
		}
	}
	return set
}

func (h *Hub) readers(d *counter.Dossier) map[string]bool {
	set := map[string]bool{}
	for _, a := range d.Readers(h.cfg) {
		set[a] = true
	}
	return set
}

// Publish implements counter.Publisher: it sends each changed violation,
// dossier and roll-up node to the clients whose subtree holds it. A
// violation belongs to the agency charged, a dossier to every agency that
// may see it (Dossier.Readers), a node to its agency. It never blocks.
func (h *Hub) Publish(c counter.Change) {
	if h.cfg == nil {
		return
	}
	// Only what some connected client may see is encoded: with no board
	// open, or none over this part of the tree, a change costs nothing.
	scopes := h.scopes()
	if len(scopes) == 0 {
		return
	}
	seen := func(within map[string]bool) bool {
		for s := range scopes {
			if within[s] {
				return true
			}
		}
		return false
	}
	out := make([]outgoing, 0, len(c.Violations)+len(c.Dossiers)+len(c.Rollup))
	for i := range c.Violations {
		v := &c.Violations[i]
		within := h.scopeSet(v.Agency)
		if !seen(within) {
			continue
		}
		b, err := json.Marshal(violationMsg{Type: "violation", Violation: v})
		if err != nil {
			h.logger().Error("encode violation", "id", v.ID, "err", err)
			continue
		}
		out = append(out, outgoing{data: b, within: within, personal: true, redacted: h.redactedViolation(v)})
	}
	for _, d := range c.Dossiers {
		if d == nil {
			continue
		}
		// Who may see a dossier is one definition (counter.Dossier.Readers),
		// the same the API and the store's index use: a unit that passed a
		// dossier on keeps getting its updates.
		within := h.readers(d)
		if !seen(within) {
			continue
		}
		// Viewer boards hang in public rooms: they get the redacted
		// state (SPEC.md §10.3); heads, desks and supervisors the whole.
		b, err := json.Marshal(dossierMsg{Type: "dossier", Dossier: d})
		if err != nil {
			h.logger().Error("encode dossier", "code", d.Code, "err", err)
			continue
		}
		out = append(out, outgoing{data: b, within: within, personal: true, redacted: redactedDossier(d)})
	}
	for _, n := range c.Rollup {
		if n == nil {
			continue
		}
		within := h.scopeSet(n.Agency)
		if !seen(within) {
			continue
		}
		node := *n
		node.Children = nil
		b, err := json.Marshal(rollupMsg{Type: "rollup", Agency: n.Agency, Node: &node})
		if err != nil {
			continue
		}
		out = append(out, outgoing{data: b, within: within})
	}
	h.fanout(out, nil)
}

// scopes is the set of the connected clients' scopes.
func (h *Hub) scopes() map[string]bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	set := make(map[string]bool, len(h.clients))
	for c := range h.clients {
		set[c.scope] = true
	}
	return set
}

// fanout offers each message to every client it is for; extra, when not
// nil, also admits a client (alerts without agency for root clients).
func (h *Hub) fanout(out []outgoing, extra func(*client) bool) {
	if len(out) == 0 {
		return
	}
	var slow []*client
	h.mu.RLock()
	for c := range h.clients {
		for i := range out {
			if !out[i].within[c.scope] && (extra == nil || !extra(c)) {
				continue
			}
			data := out[i].payload(c)
			if data == nil {
				continue
			}
			select {
			case c.send <- data:
			default:
				slow = append(slow, c)
			}
			if len(slow) > 0 && slow[len(slow)-1] == c {
				break
			}
		}
	}
	h.mu.RUnlock()
	for _, c := range slow {
		h.logger().Warn("dropping slow wallboard client", "scope", c.scope)
		h.remove(c)
	}
}

// Alert records one alert of an Alertmanager webhook and pushes it to the
// clients whose subtree holds its agency label (root clients for an alert
// without a known agency). The last MaxAlerts firing alerts are kept and
// shown to clients that connect later; a resolved one is forgotten.
func (h *Hub) Alert(a Alert) {
	b, err := json.Marshal(alertMsg{Type: "alert", Alert: a})
	if err != nil {
		return
	}
	h.mu.Lock()
	k := a.key()
	h.alerts = slices.DeleteFunc(h.alerts, func(x Alert) bool { return x.key() == k })
	if a.Status != "resolved" {
		h.alerts = append(h.alerts, a)
		if over := len(h.alerts) - h.maxAlerts(); over > 0 {
			h.alerts = slices.Delete(h.alerts, 0, over)
		}
	}
	h.mu.Unlock()
	agency := a.Labels["agency"]
	var within map[string]bool
	if h.cfg != nil && h.cfg.Agency(agency) != nil {
		within = h.scopeSet(agency)
	}
	h.fanout([]outgoing{{data: b, within: within}}, func(c *client) bool { return within == nil && c.root })
}

// Alerts returns the firing alerts the hub keeps, oldest first.
func (h *Hub) Alerts() []Alert {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return slices.Clone(h.alerts)
}

// alertFor reports whether client c may see alert a.
func (h *Hub) alertFor(c *client, a *Alert) bool {
	agency := a.Labels["agency"]
	if h.cfg == nil || h.cfg.Agency(agency) == nil {
		return c.root
	}
	return h.cfg.Within(agency, c.scope)
}
