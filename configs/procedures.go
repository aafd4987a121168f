package configs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

var units = []calendar.Unit{calendar.WorkingDays, calendar.WorkingHours, calendar.Days}

// maxValue bounds lead times, budgets and rule durations: about forty
// years of working days, far beyond any procedure, and small enough that
// calendar arithmetic on it stays quick.
const maxValue = 10000

// decodeProcedures reads procedures.yaml (SPEC.md §2.2).
func decodeProcedures(d *decoder, n *node) []counter.Procedure {
	if n == nil {
		return nil
	}
	top, ok := d.object(n, topLevel, "procedures")
	if ok && !top.has("procedures") {
		d.addf(top.line, "missing key \"procedures\"")
	}
	var out []counter.Procedure
	seen := map[string]bool{}
	for _, it := range d.list(top.get("procedures"), "procedures") {
		label := "procedure"
		if code := peekString(it, "code"); code != "" {
			label = fmt.Sprintf("procedure %q", code)
		}
		o, ok := d.object(it, label, "code", "name", "lead_time", "instant", "documents", "steps", "basis")
		if !ok {
			continue
		}
		p := counter.Procedure{
			Code:  d.str(o.get("code"), "code"),
			Name:  d.str(o.get("name"), "name"),
			Basis: d.str(o.get("basis"), "basis"),
		}
		switch {
		case p.Code == "":
			d.addf(o.line, "procedure: missing code")
		case seen[p.Code]:
			d.addf(o.lines["code"], "duplicate procedure code %q", p.Code)
		}
		seen[p.Code] = true
		if p.Name == "" {
			d.addf(o.line, "%s: missing name", label)
		}
		if v := o.get("instant"); v != nil {
			p.Instant, _ = d.boolean(v, "instant")
		}
		if lt := o.get("lead_time"); lt != nil {
			p.LeadTime = d.duration(lt, label+": lead_time")
		} else if !p.Instant {
			d.addf(o.line, "%s: missing lead_time (only instant procedures may omit it)", label)
		}

		docs := map[string]bool{}
		for _, it := range d.list(o.get("documents"), "documents") {
			do, ok := d.object(it, "document", "code", "name", "in_national_db")
			if !ok {
				continue
			}
			doc := counter.Document{Code: d.str(do.get("code"), "code"), Name: d.str(do.get("name"), "name")}
			if v := do.get("in_national_db"); v != nil {
				doc.InNationalDB, _ = d.boolean(v, "in_national_db")
			}
			switch {
			case doc.Code == "":
				d.addf(do.line, "%s: document without a code", label)
			case docs[doc.Code]:
				d.addf(do.lines["code"], "%s: duplicate document code %q", label, doc.Code)
			case doc.Name == "":
				d.addf(do.line, "%s: document %q has no name", label, doc.Code)
			}
			docs[doc.Code] = true
			p.Documents = append(p.Documents, doc)
		}

		for _, it := range d.list(o.get("steps"), "steps") {
			so, ok := d.object(it, "step", "name", "budget")
			if !ok {
				continue
			}
			s := counter.Step{Name: d.str(so.get("name"), "name")}
			switch {
			case s.Name == "":
				d.addf(so.line, "%s: step without a name", label)
			case slices.ContainsFunc(p.Steps, func(x counter.Step) bool { return x.Name == s.Name }):
				d.addf(so.lines["name"], "%s: duplicate step %q", label, s.Name)
			}
			if b := so.get("budget"); b != nil {
				s.Budget = d.duration(b, fmt.Sprintf("%s: step %q budget", label, s.Name))
			} else {
				d.addf(so.line, "%s: step %q has no budget", label, s.Name)
			}
			p.Steps = append(p.Steps, s)
		}

		if p.Basis == "" {
			d.addf(o.line, "%s: missing basis (the legal text that sets the lead time)", label)
		}
		out = append(out, p)
	}
	return out
}

// duration reads {value, unit}; what prefixes its messages.
func (d *decoder) duration(n *node, what string) counter.Duration {
	o, ok := d.object(n, what, "value", "unit")
	if !ok {
		return counter.Duration{}
	}
	var out counter.Duration
	if v := o.get("value"); v == nil {
		d.addf(o.line, "%s has no value", what)
	} else if x, ok := d.integer(v, what+" value"); ok {
		switch {
		case x < 0:
			d.addf(v.line, "%s value %d is negative", what, x)
		case x > maxValue:
			d.addf(v.line, "%s value %d is too large (max %d)", what, x, maxValue)
		default:
			out.Value = x
		}
	}
	unit := calendar.Unit(d.str(o.get("unit"), what+" unit"))
	switch {
	case unit == "":
		d.addf(o.line, "%s has no unit", what)
	case !slices.Contains(units, unit):
		names := make([]string, len(units))
		for i, u := range units {
			names[i] = string(u)
		}
		d.addf(o.lines["unit"], "%s has unknown unit %q (want %s)", what, unit, strings.Join(names, "|"))
	default:
		out.Unit = unit
	}
	return out
}
