package counter

// Redaction for readers who must not see personal data (SPEC.md §10.3):
// viewer tokens, that is kiosks and TVs in public rooms. What is dropped is
// the applicant, and every free-text field a clerk or citizen types, since
// such text may name or reach a person: reasons, complaint text, the names
// of papers asked for outside the catalogue, a paused dossier's reason.
// Codes, times, agencies, officials and catalogue names stay.

// Redacted returns a copy of d without the applicant and free text.
func (d *Dossier) Redacted() *Dossier {
	if d == nil {
		return nil
	}
	n := *d
	n.Applicant = nil
	n.PausedReason = ""
	n.Clock.PausedReason = ""
	return &n
}

// Redacted returns a copy of e without the applicant and free text.
func (e Event) Redacted() Event {
	e.Applicant = nil
	e.Reason = ""
	e.Text = ""
	e.Items = redactItems(e.Items)
	e.Documents = redactItems(e.Documents)
	return e
}

// redactItems keeps each item's catalogue code; a name typed for an item
// with no code is free text and goes.
func redactItems(items []Item) []Item {
	if items == nil {
		return nil
	}
	out := make([]Item, len(items))
	for i, it := range items {
		out[i] = Item{Code: it.Code}
		if it.Code != "" {
			out[i].Name = it.Name
		}
	}
	return out
}

// Hidden stands in for a free-text label a redacted reader may not see.
const Hidden = "***"

// Redacted returns a copy of v without the free text its details may
// quote: a complaint's text, and the names typed for papers asked for
// outside the catalogue (labels that are catalogue document codes of cfg
// stay).
func (v Violation) Redacted(cfg *Config) Violation {
	if len(v.Details) == 0 {
		return v
	}
	d := make(map[string]any, len(v.Details))
	for k, x := range v.Details {
		switch k {
		case "text", "reason":
			continue
		case "items":
			x = redactLabels(cfg, x)
		}
		d[k] = x
	}
	v.Details = d
	return v
}

// redactLabels hides every label of an item list that is not a catalogue
// document code. It takes the shapes details have before and after a
// round trip through JSON; any other shape is hidden whole.
func redactLabels(cfg *Config, x any) any {
	keep := func(s string) string {
		if cfg != nil && cfg.KnowsDocument(s) {
			return s
		}
		return Hidden
	}
	switch l := x.(type) {
	case []string:
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = keep(s)
		}
		return out
	case []any:
		out := make([]any, len(l))
		for i, s := range l {
			str, _ := s.(string)
			out[i] = keep(str)
		}
		return out
	}
	return Hidden
}
