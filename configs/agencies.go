package configs

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/motcua/motcua/counter"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9-]+$`)
	codePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.-]*$`)
)

var levels = []string{counter.LevelCity, counter.LevelDepartment, counter.LevelDistrict,
	counter.LevelDivision, counter.LevelCommune, counter.LevelCounter}

// decodeAgencies reads agencies.yaml (SPEC.md §2.1). n is nil when the file
// is missing or unparsable; the problem is already recorded then.
func decodeAgencies(d *decoder, n *node) (*counter.Agency, []counter.Official) {
	if n == nil {
		return nil, nil
	}
	top, ok := d.object(n, topLevel, "agencies", "officials")
	seen := map[string]int{}  // agency id → line
	codes := map[string]int{} // national unit code → line
	var roots []*counter.Agency
	items := d.list(top.get("agencies"), "agencies")
	for _, it := range items {
		if a := d.agency(it, seen, codes); a != nil {
			roots = append(roots, a)
		}
	}
	switch {
	case !ok:
	case !top.has("agencies"):
		d.addf(top.line, "missing key \"agencies\"")
	case len(items) == 0:
		d.addf(top.lines["agencies"], "no root agency (want exactly one under agencies)")
	case len(items) > 1:
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = fmt.Sprintf("%q", peekString(it, "id"))
		}
		d.addf(items[1].line, "%d root agencies %s, want exactly one", len(items), strings.Join(ids, ", "))
	}

	var officials []counter.Official
	seenOfficial := map[string]bool{}
	for _, it := range d.list(top.get("officials"), "officials") {
		o, ok := d.object(it, "official", "id", "name", "agency")
		if !ok {
			continue
		}
		off := counter.Official{
			ID:     d.str(o.get("id"), "id"),
			Name:   d.str(o.get("name"), "name"),
			Agency: d.str(o.get("agency"), "agency"),
		}
		label := "official"
		switch {
		case off.ID == "":
			d.addf(o.line, "official: missing id")
		case seenOfficial[off.ID]:
			d.addf(o.lines["id"], "duplicate official id %q", off.ID)
		}
		if off.ID != "" {
			seenOfficial[off.ID] = true
			label = fmt.Sprintf("official %q", off.ID)
		}
		if off.Name == "" {
			d.addf(o.line, "%s: missing name", label)
		}
		switch {
		case off.Agency == "":
			d.addf(o.line, "%s: missing agency", label)
		case seen[off.Agency] == 0:
			d.addf(o.lines["agency"], "%s: unknown agency %q", label, off.Agency)
		}
		officials = append(officials, off)
	}
	if len(roots) != 1 {
		return nil, officials
	}
	return roots[0], officials
}

// agency reads one agency and, recursively, its children. seen collects
// ids with their lines, for uniqueness and for the officials' check; codes
// collects national unit codes, which must be unique too.
func (d *decoder) agency(n *node, seen, codes map[string]int) *counter.Agency {
	label := "agency"
	if id := peekString(n, "id"); id != "" {
		label = fmt.Sprintf("agency %q", id)
	}
	o, ok := d.object(n, label, "id", "name", "level", "code", "from", "until", "head", "heads", "successors", "desks", "children")
	if !ok {
		return nil
	}
	a := &counter.Agency{
		ID:    d.str(o.get("id"), "id"),
		Name:  d.str(o.get("name"), "name"),
		Level: d.str(o.get("level"), "level"),
		Code:  d.str(o.get("code"), "code"),
	}
	// A national code may return on another period's agency; the history
	// check refuses two in force on the same days.
	switch {
	case a.ID == "":
		d.addf(o.line, "agency: missing id")
	case !idPattern.MatchString(a.ID):
		d.addf(o.lines["id"], "invalid agency id %q (want [a-z0-9-]+)", a.ID)
	case seen[a.ID] > 0:
		d.addf(o.lines["id"], "duplicate agency id %q", a.ID)
	}
	if a.ID != "" && seen[a.ID] == 0 {
		seen[a.ID] = max(o.lines["id"], 1)
	}
	if a.Name == "" {
		d.addf(o.line, "%s: missing name", label)
	}
	switch {
	case a.Level == "":
		d.addf(o.line, "%s: missing level", label)
	case !slices.Contains(levels, a.Level):
		d.addf(o.lines["level"], "%s: unknown level %q (want %s)", label, a.Level, strings.Join(levels, "|"))
	}

	if v := o.get("code"); v != nil {
		a.Code = d.str(v, "code")
		if a.Code != "" && !codePattern.MatchString(a.Code) {
			d.addf(o.lines["code"], "%s: invalid code %q (want letters, digits, dots and dashes)", label, a.Code)
		}
	}
	a.From = d.dayField(o, "from", label)
	a.Until = d.dayField(o, "until", label)
	if a.From != "" && a.Until != "" && a.Until < a.From {
		d.addf(o.lines["until"], "%s: until %s is before from %s", label, a.Until, a.From)
	}

	switch {
	case o.has("head") && o.has("heads"):
		d.addf(o.lines["heads"], "%s: both head and heads (use one)", label)
	case o.has("heads"):
		d.heads(o, a, label)
	case !o.has("head"):
		d.addf(o.line, "%s: missing head", label)
	default:
		if h, ok := d.object(o.get("head"), "head", "name", "title"); ok {
			line := max(h.line, o.lines["head"])
			a.Head = counter.Head{Name: d.str(h.get("name"), "name"), Title: d.str(h.get("title"), "title")}
			if a.Head.Name == "" {
				d.addf(line, "%s: head has no name", label)
			}
			if a.Head.Title == "" {
				d.addf(line, "%s: head has no title", label)
			}
		}
	}

	for _, it := range d.list(o.get("successors"), "successors") {
		s := d.str(it, "successor")
		line := max(it.line, o.lines["successors"])
		switch {
		case it.kind != kindScalar:
		case s == "":
			d.addf(line, "%s: empty successor", label)
		case s == a.ID:
			d.addf(line, "%s: is its own successor", label)
		case slices.Contains(a.Successors, s):
			d.addf(line, "%s: duplicate successor %q", label, s)
		default:
			a.Successors = append(a.Successors, s)
		}
	}
	if d.lines != nil && a.ID != "" {
		d.lines[a.ID] = agencyLines{node: o.line, from: o.lines["from"], until: o.lines["until"],
			heads: o.lines["heads"], successors: o.lines["successors"], code: o.lines["code"]}
	}

	if o.has("desks") && a.Level != counter.LevelCounter && a.Level != "" {
		d.addf(o.lines["desks"], "%s: desks on a %s (only counter agencies have desks)", label, a.Level)
	}
	for _, it := range d.list(o.get("desks"), "desks") {
		var desk, by string
		if it.kind == kindMap {
			// {desk: "Quầy 3", seconded_by: agency}: a desk staffed by
			// another agency.
			do, ok := d.object(it, label+": desk", "desk", "seconded_by")
			if !ok {
				continue
			}
			desk, by = d.str(do.get("desk"), "desk"), d.str(do.get("seconded_by"), "seconded_by")
			if by == "" {
				d.addf(max(it.line, o.lines["desks"]), "%s: desk %q: seconded_by is empty", label, desk)
			}
		} else {
			desk = d.str(it, "desk")
		}
		switch {
		case it.kind == kindSeq || it.kind == kindBad:
		case desk == "":
			d.addf(max(it.line, o.lines["desks"]), "%s: empty desk name", label)
		case slices.Contains(a.Desks, desk):
			d.addf(max(it.line, o.lines["desks"]), "%s: duplicate desk %q", label, desk)
		default:
			a.Desks = append(a.Desks, desk)
			if by != "" {
				if a.SecondedBy == nil {
					a.SecondedBy = map[string]string{}
				}
				a.SecondedBy[desk] = by
			}
		}
	}

	for _, it := range d.list(o.get("children"), "children") {
		if ch := d.agency(it, seen, codes); ch != nil {
			a.Children = append(a.Children, ch)
		}
	}
	return a
}

// peekString returns the scalar under key in mapping n, without recording
// problems: it names an object in messages before the object is read.
func peekString(n *node, key string) string {
	if n == nil || n.kind != kindMap {
		return ""
	}
	for _, e := range n.keys {
		if e.key == key && e.val.kind == kindScalar {
			return strings.TrimSpace(e.val.text)
		}
	}
	return ""
}

// dayField reads an optional "YYYY-MM-DD" field of o; "" when absent or
// invalid (the problem is recorded).
func (d *decoder) dayField(o object, key, label string) string {
	v := o.get(key)
	if v == nil {
		return ""
	}
	day, ok := d.date(v, label+": "+key)
	if !ok {
		return ""
	}
	return day.String()
}

// heads reads `heads: [{name, title, from?, until?}]` into a.Heads.
func (d *decoder) heads(o object, a *counter.Agency, label string) {
	items := d.list(o.get("heads"), "heads")
	if len(items) == 0 && o.get("heads") != nil && o.get("heads").kind == kindSeq {
		d.addf(o.lines["heads"], "%s: heads is empty", label)
	}
	for _, it := range items {
		h, ok := d.object(it, "head", "name", "title", "from", "until")
		if !ok {
			continue
		}
		line := max(h.line, o.lines["heads"])
		t := counter.HeadTerm{Name: d.str(h.get("name"), "name"), Title: d.str(h.get("title"), "title"),
			From: d.dayField(h, "from", label+": head"), Until: d.dayField(h, "until", label+": head")}
		if t.Name == "" {
			d.addf(line, "%s: head has no name", label)
		}
		if t.Title == "" {
			d.addf(line, "%s: head has no title", label)
		}
		if t.From != "" && t.Until != "" && t.Until < t.From {
			d.addf(line, "%s: head %s: until %s is before from %s", label, t.Name, t.Until, t.From)
		}
		a.Heads = append(a.Heads, t)
	}
}
