package configs

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
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
	top, _ := d.object(n, topLevel, append(slices.Clone(ruleKeys), "scorecard", "plausible_range", "dossier_code_formats", "versions")...)
	d.thresholds(top, &r)
	if x := top.get("plausible_range"); x != nil {
		o, ok := d.object(x, "plausible_range", "from", "to")
		from, ok1 := d.date(o.get("from"), "plausible_range from")
		to, ok2 := d.date(o.get("to"), "plausible_range to")
		switch {
		case !ok:
		case !o.has("from") || !o.has("to"):
			d.addf(x.line, "plausible_range: give both from and to")
		case !ok1 || !ok2:
		case before(to, from):
			d.addf(x.line, "plausible_range: to %s is before from %s", to, from)
		case before(from, counter.PlausibleMin) || before(counter.PlausibleMax, to):
			d.addf(x.line, "plausible_range: %s to %s is wider than the store can keep (%s to %s)",
				from, to, counter.PlausibleMin, counter.PlausibleMax)
		default:
			r.PlausibleRange = counter.DateRange{From: from, To: to}
		}
	}
	if x := top.get("scorecard"); x != nil {
		r.Scorecard = decodeScoreRules(d, x)
	}
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

var bandCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// decodeScoreRules reads the scorecard key of rules.yaml over
// counter.DefaultScoreRules: an absent key keeps its default; bands, when
// given, replace the default bands whole.
func decodeScoreRules(d *decoder, n *node) counter.ScoreRules {
	r := counter.DefaultScoreRules()
	o, _ := d.object(n, "scorecard", "weights", "share_766", "points_per_dossier", "min_dossiers", "bands")
	if v := o.get("weights"); v != nil {
		sevs := []string{counter.SeverityHigh, counter.SeverityMedium, counter.SeverityLow}
		w, _ := d.object(v, "scorecard.weights", sevs...)
		for _, sev := range sevs {
			x := w.get(sev)
			if x == nil {
				continue
			}
			if f, ok := d.number(x, "scorecard.weights."+sev); ok {
				if f < 0 {
					d.addf(x.line, "scorecard.weights.%s: %s is negative", sev, x.text)
				} else {
					r.Weights[sev] = f
				}
			}
		}
	}
	if x := o.get("share_766"); x != nil {
		if f, ok := d.number(x, "scorecard.share_766"); ok {
			if f < 0 || f > 1 {
				d.addf(x.line, "scorecard.share_766: %s is outside [0, 1]", x.text)
			} else {
				r.Share766 = f
			}
		}
	}
	if x := o.get("points_per_dossier"); x != nil {
		if f, ok := d.number(x, "scorecard.points_per_dossier"); ok {
			if f <= 0 {
				d.addf(x.line, "scorecard.points_per_dossier: %s is not positive", x.text)
			} else {
				r.PointsPerDossier = f
			}
		}
	}
	if x := o.get("min_dossiers"); x != nil {
		if v, ok := d.integer(x, "scorecard.min_dossiers"); ok {
			if v < 1 {
				d.addf(x.line, "scorecard.min_dossiers: %d is less than 1", v)
			} else {
				r.MinDossiers = v
			}
		}
	}
	if x := o.get("bands"); x != nil {
		items := d.list(x, "scorecard.bands")
		var bands []counter.Band
		ok := len(items) > 0
		if !ok {
			d.addf(x.line, "scorecard.bands: want at least one band")
		}
		for i, it := range items {
			what := "scorecard.bands[" + strconv.Itoa(i) + "]"
			b, _ := d.object(it, what, "code", "name", "min")
			band := counter.Band{Code: d.str(b.get("code"), what+".code"), Name: d.str(b.get("name"), what+".name")}
			switch {
			case !bandCodePattern.MatchString(band.Code):
				d.addf(it.line, "%s.code %q: want lower-case letters, digits and _", what, band.Code)
				ok = false
			case band.Name == "":
				d.addf(it.line, "%s.name is required", what)
				ok = false
			}
			for _, prev := range bands {
				if prev.Code == band.Code {
					d.addf(it.line, "%s.code %q is repeated", what, band.Code)
					ok = false
				}
			}
			m := b.get("min")
			if m == nil {
				d.addf(it.line, "%s.min is required", what)
				ok = false
			} else if f, good := d.number(m, what+".min"); !good {
				ok = false
			} else {
				band.Min = f
				if len(bands) > 0 && f >= bands[len(bands)-1].Min {
					d.addf(m.line, "%s.min %s is not below the band before it (list bands highest first)", what, m.text)
					ok = false
				}
			}
			bands = append(bands, band)
		}
		if ok && bands[len(bands)-1].Min > 0 {
			d.addf(x.line, "scorecard.bands: the last band must have min 0, so that every score has a band")
			ok = false
		}
		if ok {
			r.Bands = bands
		}
	}
	return r
}

func before(a, b calendar.Date) bool { return a.In(time.UTC).Before(b.In(time.UTC)) }

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
