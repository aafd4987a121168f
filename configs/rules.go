package configs

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

var ruleDurationPattern = regexp.MustCompile(`^([0-9]+)(m|h|wd)$`)

var ruleKeys = []string{"slip_grace", "supplement_window", "apology_notice", "max_reschedules",
	"max_supplements", "bounce_limit", "desk_grace", "backdate_tolerance", "future_tolerance",
	"warning_fraction", "transfer_cutoff", "plausible_range"}

// decodeRules reads rules.yaml (SPEC.md §2.4) over counter.DefaultRules:
// a missing file, key or slip_grace channel keeps its default.
func decodeRules(d *decoder, n *node) counter.Rules {
	r := counter.DefaultRules()
	if n == nil {
		return r
	}
	top, _ := d.object(n, topLevel, ruleKeys...)

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
