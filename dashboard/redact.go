package dashboard

import "github.com/motcua/motcua/counter"

// SeesPersonalData reports whether p may receive applicant names, phones
// and free text (SPEC.md §10.3): head, supervisor, desk and integration
// tokens do; viewer tokens (kiosks, TVs in public rooms) never do.
func (p Principal) SeesPersonalData() bool {
	return p.Role != "" && p.Role != RoleViewer
}

// redactDossiers returns ds as p may see them.
func (s *Server) redactDossiers(p Principal, ds []*counter.Dossier) []*counter.Dossier {
	if p.SeesPersonalData() {
		return ds
	}
	out := make([]*counter.Dossier, len(ds))
	for i, d := range ds {
		out[i] = d.Redacted()
	}
	return out
}

// redactEvents returns events as p may see them.
func (s *Server) redactEvents(p Principal, events []counter.Event) []counter.Event {
	if p.SeesPersonalData() {
		return events
	}
	out := make([]counter.Event, len(events))
	for i, e := range events {
		out[i] = e.Redacted()
	}
	return out
}

// redactViolations returns vs as p may see them.
func (s *Server) redactViolations(p Principal, vs []counter.Violation) []counter.Violation {
	if p.SeesPersonalData() {
		return vs
	}
	out := make([]counter.Violation, len(vs))
	for i, v := range vs {
		out[i] = v.Redacted(s.Config)
	}
	return out
}
