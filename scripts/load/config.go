package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// agencyNode is one node of GET /api/v1/agencies.
type agencyNode struct {
	ID       string        `json:"id"`
	Level    string        `json:"level"`
	Parent   string        `json:"parent"`
	Children []*agencyNode `json:"children"`
}

// official is one entry of the officials list of GET /api/v1/agencies.
type official struct {
	ID     string `json:"id"`
	Agency string `json:"agency"`
}

// procedure is one entry of GET /api/v1/procedures.
type procedure struct {
	Code     string `json:"code"`
	Instant  bool   `json:"instant"`
	LeadTime struct {
		Value int    `json:"value"`
		Unit  string `json:"unit"`
	} `json:"lead_time"`
	Documents []struct {
		Code string `json:"code"`
	} `json:"documents"`
}

// serverConfig is what the generator needs of the configuration a server
// loaded: the root agency (for the token's scope), the counters that
// receive dossiers with their officials, a division beside each counter to
// transfer to, and the procedures with a lead time.
type serverConfig struct {
	Root       string
	Counters   []counterDesk
	Procedures []procedure
}

// counterDesk is a one-stop counter and who works there.
type counterDesk struct {
	ID        string
	Officials []string
	// Division is a sibling division (same parent) a dossier can be
	// transferred to, with its officials; empty when the counter has none.
	Division          string
	DivisionOfficials []string
}

// client is a minimal JSON client for one server.
type client struct {
	base  string
	token string
	http  *http.Client
	// more are further nodes of a cluster (--url A,B,C): writer i posts
	// to the i-th address of base and more, round the list.
	more []string
}

// forWriter returns the client writer i posts through.
func (c *client) forWriter(i int) *client {
	if len(c.more) == 0 {
		return c
	}
	w := *c
	if k := i % (1 + len(c.more)); k > 0 {
		w.base = c.more[k-1]
	}
	return &w
}

func (c *client) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, snippet(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

// fetchConfig reads GET /agencies and GET /procedures of the server. at,
// when set, asks for the tree in force on that day (SPEC.md §10.2); only
// counters present in both trees are kept, so that backfilled events name
// agencies in force at their `at`.
func fetchConfig(ctx context.Context, c *client, at time.Time) (*serverConfig, error) {
	var ag struct {
		Agencies  *agencyNode `json:"agencies"`
		Officials []official  `json:"officials"`
	}
	if err := c.getJSON(ctx, "/api/v1/agencies", &ag); err != nil {
		return nil, err
	}
	if ag.Agencies == nil {
		return nil, fmt.Errorf("GET /api/v1/agencies: no agency tree")
	}
	var past struct {
		Agencies *agencyNode `json:"agencies"`
	}
	if !at.IsZero() {
		q := "/api/v1/agencies?at=" + url.QueryEscape(at.Format(time.DateOnly))
		if err := c.getJSON(ctx, q, &past); err != nil {
			return nil, err
		}
	}
	var procs struct {
		Procedures []procedure `json:"procedures"`
	}
	if err := c.getJSON(ctx, "/api/v1/procedures", &procs); err != nil {
		return nil, err
	}
	return buildConfig(ag.Agencies, past.Agencies, ag.Officials, procs.Procedures)
}

func buildConfig(root, past *agencyNode, officials []official, procs []procedure) (*serverConfig, error) {
	inPast := map[string]bool{}
	walk(past, func(n *agencyNode) { inPast[n.ID] = true })
	byAgency := map[string][]string{}
	for _, o := range officials {
		byAgency[o.Agency] = append(byAgency[o.Agency], o.ID)
	}
	cfg := &serverConfig{Root: root.ID}
	walk(root, func(n *agencyNode) {
		var division string
		for _, c := range n.Children {
			if c.Level == "division" && (past == nil || inPast[c.ID]) && division == "" {
				division = c.ID
			}
		}
		for _, c := range n.Children {
			if c.Level != "counter" || len(byAgency[c.ID]) == 0 || (past != nil && !inPast[c.ID]) {
				continue
			}
			cfg.Counters = append(cfg.Counters, counterDesk{ID: c.ID, Officials: byAgency[c.ID],
				Division: division, DivisionOfficials: byAgency[division]})
		}
	})
	for _, p := range procs {
		if p.Instant || p.LeadTime.Value <= 0 || p.LeadTime.Unit == "" {
			continue // no slip, no deadline to run out
		}
		cfg.Procedures = append(cfg.Procedures, p)
	}
	// The shortest lead times first: those are surely overdue when backfilled.
	slices.SortStableFunc(cfg.Procedures, func(a, b procedure) int { return leadHours(a) - leadHours(b) })
	if len(cfg.Counters) == 0 {
		return nil, fmt.Errorf("the server's configuration has no counter with officials")
	}
	if len(cfg.Procedures) == 0 {
		return nil, fmt.Errorf("the server's configuration has no procedure with a lead time")
	}
	return cfg, nil
}

// leadHours is a rough size of a procedure's lead time, for ordering.
func leadHours(p procedure) int {
	switch p.LeadTime.Unit {
	case "working_hours":
		return p.LeadTime.Value
	case "working_days":
		return 8 * p.LeadTime.Value
	default: // days
		return 6 * p.LeadTime.Value
	}
}

func walk(n *agencyNode, f func(*agencyNode)) {
	if n == nil {
		return
	}
	f(n)
	for _, c := range n.Children {
		walk(c, f)
	}
}

// withDivision returns the counters that have a division to transfer to.
func (c *serverConfig) withDivision() []counterDesk {
	var out []counterDesk
	for _, d := range c.Counters {
		if d.Division != "" {
			out = append(out, d)
		}
	}
	return out
}

// fetchDue asks GET /calendar/due for the due time of p received at from.
func fetchDue(ctx context.Context, c *client, from time.Time, p procedure) (time.Time, error) {
	q := url.Values{"from": {from.Format(time.RFC3339)}, "value": {fmt.Sprint(p.LeadTime.Value)},
		"unit": {p.LeadTime.Unit}}
	var out struct {
		DueAt time.Time `json:"due_at"`
	}
	if err := c.getJSON(ctx, "/api/v1/calendar/due?"+q.Encode(), &out); err != nil {
		return time.Time{}, err
	}
	return out.DueAt, nil
}

func snippet(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}
