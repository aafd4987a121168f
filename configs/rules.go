package configs

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/motcua/motcua/counter"
)

var ruleDurationPattern = regexp.MustCompile(`^([0-9]+)(m|h|wd)$`)

var ruleKeys = []string{"slip_grace", "supplement_window", "apology_notice", "max_reschedules",
	"max_supplements", "bounce_limit", "desk_grace", "backdate_tolerance", "future_tolerance",
	"warning_fraction", "transfer_cutoff"}

// decodeRules reads rules.yaml (SPEC.md §2.4) over counter.DefaultRules:
// a missing file, key or slip_grace channel keeps its default.
//
// Two keys of SPEC.md §10.2 extend it: `dossier_code_formats`, the
// dossier-code formats a deployment expects (off when absent), and
// `versions: {v2018|v2025|v2026a: {...}}`, thresholds for the dossiers of
// one rule version, over the file's own values.
func decodeRules(d *decoder, n *node) counter.Rules {
	r := counter.DefaultRules()
	if n == nil {
		return r
	}
	top, _ := d.object(n, topLevel, append(slices.Clone(ruleKeys), "dossier_code_formats", "versions")...)
	d.thresholds(top, &r)
	if v := top.get("dossier_code_formats"); v != nil {
		r.DossierCodeFormats = d.codeFormats(v)
	}
	if v := top.get("versions"); v != nil {
		o, _ := d.object(v, "versions", counter.Regimes...)
		for _, id := range counter.Regimes {
			x := o.get(id)
			if x == nil {
				continue
			}
			vr := r
			vr.SlipGrace, vr.Versions = maps.Clone(r.SlipGrace), nil
			vo, _ := d.object(x, "versions."+id, ruleKeys...)
			d.thresholds(vo, &vr)
			if r.Versions == nil {
				r.Versions = map[string]counter.Rules{}
			}
			r.Versions[id] = vr
		}
	}
	return r
}

// codeFormats reads a list of format names (counter.FormatCircular01,
// counter.FormatCircular04) or {name, pattern} entries.
func (d *decoder) codeFormats(n *node) []counter.CodeFormat {
	var out []counter.CodeFormat
	names := []string{counter.FormatCircular01, counter.FormatCircular04}
	for _, it := range d.list(n, "dossier_code_formats") {
		var f counter.CodeFormat
		switch it.kind {
		case kindScalar:
			f.Name = d.str(it, "dossier_code_formats")
			if !counter.BuiltinCodeFormat(f.Name) {
				d.addf(it.line, "dossier_code_formats: unknown format %q (want %s, or {name, pattern})", f.Name, strings.Join(names, ", "))
				continue
			}
		case kindMap:
			o, ok := d.object(it, "dossier code format", "name", "pattern")
			if !ok {
				continue
			}
			f.Name, f.Pattern = d.str(o.get("name"), "name"), d.str(o.get("pattern"), "pattern")
			if f.Name == "" {
				d.addf(it.line, "dossier_code_formats: format without a name")
			}
			if f.Pattern == "" {
				if !counter.BuiltinCodeFormat(f.Name) {
					d.addf(it.line, "dossier_code_formats: format %q has no pattern and is not built in (%s)", f.Name, strings.Join(names, ", "))
					continue
				}
			} else if _, err := regexp.Compile(f.Pattern); err != nil {
				d.addf(o.lines["pattern"], "dossier_code_formats: format %q: invalid pattern: %v", f.Name, err)
				continue
			}
		default:
			d.addf(it.line, "dossier_code_formats: want a format name or {name, pattern}, got %s", it.kind)
			continue
		}
		if slices.ContainsFunc(out, func(g counter.CodeFormat) bool { return g.Name == f.Name }) {
			d.addf(it.line, "dossier_code_formats: duplicate format %q", f.Name)
			continue
		}
		out = append(out, f)
	}
	return out
}

// thresholds reads the keys of SPEC.md §2.4 from top into r.
func (d *decoder) thresholds(top object, r *counter.Rules) {
	if v := top.get("slip_grace"); v != nil {
		channels := []string{counter.ChannelDirect, counter.ChannelOnline, counter.ChannelPostal}
		o, _ := d.object(v, "slip_grace", channels...)
		for _, ch := range channels {
			if x := o.get(ch); x != nil {
				if rd, ok := d.ruleDuration(x, "slip_grace."+ch); ok {
					r.SlipGrace[ch] = rd
				}
			}
		}
	}
	// Slices, not maps: problems on one line must come out in a fixed order.
	for _, f := range []struct {
		key string
		dst *counter.RuleDuration
	}{
		{"supplement_window", &r.SupplementWindow},
		{"apology_notice", &r.ApologyNotice},
		{"desk_grace", &r.DeskGrace},
		{"backdate_tolerance", &r.BackdateTolerance},
		{"future_tolerance", &r.FutureTolerance},
	} {
		if x := top.get(f.key); x != nil {
			if rd, ok := d.ruleDuration(x, f.key); ok {
				*f.dst = rd
			}
		}
	}
	for _, f := range []struct {
		key string
		dst *int
		min int
	}{
		{"max_reschedules", &r.MaxReschedules, 0},
		{"max_supplements", &r.MaxSupplements, 1},
		{"bounce_limit", &r.BounceLimit, 0},
	} {
		x := top.get(f.key)
		if x == nil {
			continue
		}
		v, ok := d.integer(x, f.key)
		switch {
		case !ok:
		case v < f.min:
			d.addf(x.line, "%s: %d is less than %d", f.key, v, f.min)
		default:
			*f.dst = v
		}
	}
	if x := top.get("warning_fraction"); x != nil {
		if f, ok := d.number(x, "warning_fraction"); ok {
			if f <= 0 || f > 1 {
				d.addf(x.line, "warning_fraction: %s is outside (0, 1]", x.text)
			} else {
				r.WarningFraction = f
			}
		}
	}
	if x := top.get("transfer_cutoff"); x != nil {
		s := d.str(x, "transfer_cutoff")
		if _, ok := parseClock(s, false); !ok {
			d.addf(x.line, "transfer_cutoff %q: want HH:MM", s)
		} else {
			r.TransferCutoff = s
		}
	}
}

// ruleDuration parses "15m", "2h" or "1wd".
func (d *decoder) ruleDuration(n *node, what string) (counter.RuleDuration, bool) {
	s := d.str(n, what)
	if n.kind != kindScalar {
		return counter.RuleDuration{}, false
	}
	m := ruleDurationPattern.FindStringSubmatch(s)
	if m == nil {
		if strings.HasPrefix(s, "-") {
			d.addf(n.line, "%s: duration %q is negative", what, s)
		} else {
			d.addf(n.line, "%s: invalid duration %q (want a whole number and m, h or wd, like 15m, 2h, 1wd)", what, s)
		}
		return counter.RuleDuration{}, false
	}
	v, err := strconv.Atoi(m[1])
	if err != nil || v > maxValue {
		d.addf(n.line, "%s: duration %q is too large (max %d)", what, s, maxValue)
		return counter.RuleDuration{}, false
	}
	return counter.RuleDuration{Value: v, Unit: m[2]}, true
}
