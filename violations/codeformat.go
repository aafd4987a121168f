package violations

import (
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
)

// dossierCodeFormat raises dossier_code_format (SPEC.md §10.2): the
// dossier's code has none of the formats configured in rules.yaml
// (`dossier_code_formats`; without any the check is off). It is a
// data-quality breach, low severity, charged to the agency and official of
// the event that created the dossier, which gave it its code, at that
// event's `at`. The basis is that of the dossier's rule version (by
// receipt, else creation date). A dossier has one code, so the verdict
// never changes by time alone. Status: open.

func dossierCodeFormat(tl *timeline) ([]counter.Violation, time.Time) {
	cfg := tl.cfg
	if len(tl.events) == 0 || !cfg.CodeFormatsOn() || counter.CodeFormatOK(cfg, tl.code) {
		return nil, time.Time{}
	}
	first := tl.events[0]
	v := counter.Violation{
		Severity:   counter.SeverityLow,
		Status:     counter.StatusOpen,
		Agency:     first.Agency,
		Official:   first.Official,
		OccurredAt: first.At,
		Details:    map[string]any{"code": tl.code, "formats": formatNames(cfg)},
	}
	return []counter.Violation{tl.raise(counter.VDossierCodeFormat, "1", v)}, time.Time{}
}

// formatNames lists the configured formats, comma-separated.
func formatNames(cfg *counter.Config) string {
	var out []string
	for _, f := range cfg.Rules.DossierCodeFormats {
		out = append(out, f.Name)
	}
	return strings.Join(out, ", ")
}
