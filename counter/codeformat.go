package counter

import (
	"regexp"
	"time"
)

// Built-in dossier-code formats (rules.yaml `dossier_code_formats`).
const (
	// FormatCircular01 is V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX: the
	// receiving agency's identifier read right to left, the receipt date
	// and a 4-digit daily sequence (Decree 61/2018 Art. 26; Circular
	// 01/2018/TT-VPCP Art. 19), e.g. 000.00.31.H17-260310-0001.
	FormatCircular01 = "circular01"
	// FormatCircular04 is MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX: the
	// processing agency's e-ID, the receipt date, two digits of the
	// system owner's e-ID and a daily sequence of 4 or more digits
	// (Circular 03/2025/TT-VPCP Art. 13(3), added by Circular 04/2025/TT-VPCP
	// from 25-1-2026), e.g. H17.100.05-261205-010001.
	FormatCircular04 = "circular04"
)

// CodeFormat is one accepted dossier-code format: a built-in Name, or a
// Name with a Pattern (a Go regular expression the whole code must match).
type CodeFormat struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern,omitempty"`
}

// builtinFormats holds the patterns of the built-in formats; the YYMMDD
// group is checked to be a real date besides.
var builtinFormats = map[string]string{
	FormatCircular01: `^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}-(?P<date>[0-9]{6})-[0-9]{4}$`,
	FormatCircular04: `^[A-Z][0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{2}-(?P<date>[0-9]{6})-[0-9]{2}[0-9]{4,}$`,
}

// BuiltinCodeFormat reports whether name is a built-in format.
func BuiltinCodeFormat(name string) bool {
	_, ok := builtinFormats[name]
	return ok
}

type codeFormat struct {
	name string
	re   *regexp.Regexp
	date int // index of the YYMMDD group, 0 if none
}

// compileCodeFormats compiles the configured formats; an unknown name or a
// bad pattern is skipped (the loader reports them).
func compileCodeFormats(fs []CodeFormat) []codeFormat {
	var out []codeFormat
	for _, f := range fs {
		p := f.Pattern
		if p == "" {
			p = builtinFormats[f.Name]
		}
		if p == "" {
			continue
		}
		re, err := regexp.Compile(p)
		if err != nil {
			continue
		}
		out = append(out, codeFormat{name: f.Name, re: re, date: re.SubexpIndex("date")})
	}
	return out
}

// CodeFormatOK reports whether code has one of the dossier-code formats
// of cfg's rules.yaml. With no format configured the check is off and
// every code is OK.
func CodeFormatOK(cfg *Config, code string) bool {
	if cfg == nil || len(cfg.formats) == 0 {
		return true
	}
	for _, f := range cfg.formats {
		m := f.re.FindStringSubmatch(code)
		if m == nil {
			continue
		}
		if f.date > 0 {
			if _, err := time.Parse("060102", m[f.date]); err != nil {
				continue
			}
		}
		return true
	}
	return false
}

// CodeFormatsOn reports whether cfg checks dossier-code formats.
func (c *Config) CodeFormatsOn() bool { return len(c.formats) > 0 }
