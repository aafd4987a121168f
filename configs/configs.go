package configs

import (
	"embed"
	"errors"
	"io/fs"
	_ "time/tzdata" // Asia/Ho_Chi_Minh must load on hosts without a zoneinfo database.

	"github.com/motcua/motcua/counter"
)

// The files of a configuration folder (SPEC.md §2), in the order problems
// are reported.
const (
	AgenciesFile   = "agencies.yaml"
	ProceduresFile = "procedures.yaml"
	CalendarFile   = "calendar.yaml"
	RulesFile      = "rules.yaml" // optional
)

var fileNames = []string{AgenciesFile, ProceduresFile, CalendarFile, RulesFile}

//go:embed *.yaml
var shipped embed.FS

// Embedded returns the configuration shipped with motcua: Da Nang's agency
// tree, a procedure catalogue, the national working calendar and the
// default rules. It is what `serve` uses without --config.
func Embedded() fs.FS { return shipped }

// Load reads and validates the configuration folder fsys (SPEC.md §2) and
// returns it indexed by counter.NewConfig. When anything is wrong it
// returns a nil config and a *Problems listing every problem in every
// file, not only the first. rules.yaml may be absent; any key it omits
// keeps its counter.DefaultRules value.
func Load(fsys fs.FS) (*counter.Config, error) {
	probs := &Problems{}
	read := func(name string, optional bool) *node {
		src, err := fs.ReadFile(fsys, name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !optional {
				probs.add(name, 0, "file is missing")
			}
			return nil
		case err != nil:
			probs.add(name, 0, "cannot read: %v", err)
			return nil
		}
		return parseYAML(name, src, probs)
	}

	var (
		agencies   = read(AgenciesFile, false)
		procedures = read(ProceduresFile, false)
		cal        = read(CalendarFile, false)
		rules      = read(RulesFile, true)
	)
	lines := map[string]agencyLines{}
	root, officials := decodeAgencies(&decoder{file: AgenciesFile, probs: probs, lines: lines}, agencies)
	procs := decodeProcedures(&decoder{file: ProceduresFile, probs: probs}, procedures)
	calendar := decodeCalendar(&decoder{file: CalendarFile, probs: probs}, cal)
	rs := decodeRules(&decoder{file: RulesFile, probs: probs}, rules)

	if len(probs.List) > 0 {
		probs.sort()
		return nil, probs
	}
	cfg := counter.NewConfig(root, officials, procs, calendar, rs)
	checkHistory(&decoder{file: AgenciesFile, probs: probs}, cfg, lines)
	if len(probs.List) > 0 {
		probs.sort()
		return nil, probs
	}
	return cfg, nil
}
