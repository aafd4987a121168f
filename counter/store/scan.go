package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
)

// A one-pass reader of the top-level fields of a stored JSON record, for
// the scorecard reads that look at a few fields of every dossier and
// violation of a year: encoding/json validates the whole record and then
// decodes it, which made those reads several times slower than the rest of
// the work (BenchmarkScorecardsYear). Records are ones this package wrote,
// so the reader only needs to be correct on valid JSON; it still fails
// rather than guesses on anything else.

var errScan = errors.New("malformed record")

// errStop ends a scan early without error: the fields wanted were found.
var errStop = errors.New("stop")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// endOfString returns the index after the closing quote of the string that
// starts at b[i] == '"'.
func endOfString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errScan
}

// endOfValue returns the index after the JSON value that starts at b[i].
func endOfValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errScan
	}
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, err := endOfString(b, j)
				if err != nil {
					return 0, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errScan
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
		j++
	}
	if j == i {
		return 0, errScan
	}
	return j, nil
}

// scanFields calls fn with the key (without quotes) and the raw value of
// each top-level field of the JSON object b.
func scanFields(b []byte, fn func(key, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errScan
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errScan
		}
		ke, err := endOfString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : ke-1]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return errScan
		}
		i = skipSpace(b, i+1)
		ve, err := endOfValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(key, b[i:ve]); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return errScan
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return errScan
		}
		i = skipSpace(b, i+1)
	}
}

// scanInt reads a JSON integer.
func scanInt(v []byte) (int64, error) {
	if len(v) == 0 {
		return 0, errScan
	}
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: not an integer %q", errScan, v)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// scanString reads a JSON string; one with escapes goes through
// encoding/json.
func scanString(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errScan
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			err := json.Unmarshal(v, &s)
			return s, err
		}
	}
	return string(inner), nil
}

// interner returns the strings a scan meets again and again (agency ids,
// statuses, severities) without allocating a copy of each: the agency's
// own id from the configuration, or the package's constant.
type interner struct{ cfg *counter.Config }

// knownWords are the statuses and severities records hold.
var knownWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{counter.StatusOpen, counter.StatusConfirmed, counter.StatusProvisional, counter.StatusDismissed,
		counter.StatusResolved, "withdrawn", counter.SeverityHigh, counter.SeverityMedium, counter.SeverityLow,
		counter.DossierIntake, counter.DossierIntakeSupplement, counter.DossierRefused, counter.DossierProcessing,
		counter.DossierPaused, counter.DossierResultReady, counter.DossierReturned, counter.DossierRejected, counter.DossierWithdrawn} {
		m[w] = w
	}
	return m
}()

// intern returns raw bytes as a string, sharing the known words' and the
// configured agency ids' strings.
func (n interner) intern(v []byte) string {
	if w, ok := knownWords[string(v)]; ok {
		return w
	}
	if n.cfg != nil {
		if a := n.cfg.Agency(string(v)); a != nil {
			return a.ID
		}
	}
	return string(v)
}

func (n interner) str(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		inner := v[1 : len(v)-1]
		if w, ok := knownWords[string(inner)]; ok {
			return w, nil
		}
		if n.cfg != nil {
			if a := n.cfg.Agency(string(inner)); a != nil {
				return a.ID, nil
			}
		}
	}
	return scanString(v)
}

// scanDossier reads the fields of a stored dossier (dossierRecord) that
// scoreDossier holds.
func scanDossier(b []byte, r *scoreDossier, names interner) error {
	if len(b) > 0 && b[0] == dossierBinary {
		var d dossierRecord
		if err := readDossierRecord(b, &d); err != nil {
			return err
		}
		*r = scoreDossier{Code: d.Code, Agency: names.intern([]byte(d.Agency)), Holder: names.intern([]byte(d.Holder)),
			Status: names.intern([]byte(d.Status)), CreatedAt: d.CreatedAt, ReceivedAt: d.ReceivedAt, LegalDueAt: d.LegalDueAt,
			PromisedDueAt: d.PromisedDueAt, DueAt: d.DueAt, FinishedAt: d.FinishedAt, Appraisal: d.Appraisal, Intake: d.Intake,
			PausedAt: d.PausedAt, UpdatedAt: d.UpdatedAt}
		return nil
	}
	return scanFields(b, func(key, v []byte) error {
		var err error
		switch string(key) {
		case "c":
			r.Code, err = scanString(v)
		case "a":
			r.Agency, err = names.str(v)
		case "h":
			r.Holder, err = names.str(v)
		case "s":
			r.Status, err = names.str(v)
		case "ca":
			r.CreatedAt, err = scanInt(v)
		case "ra":
			r.ReceivedAt, err = scanInt(v)
		case "ld":
			r.LegalDueAt, err = scanInt(v)
		case "pd":
			r.PromisedDueAt, err = scanInt(v)
		case "du":
			r.DueAt, err = scanInt(v)
		case "fa":
			r.FinishedAt, err = scanInt(v)
		case "pa":
			r.PausedAt, err = scanInt(v)
		case "ua":
			r.UpdatedAt, err = scanInt(v)
		case "sa":
			var n int64
			n, err = scanInt(v)
			r.Appraisal = int(n)
		case "si":
			var n int64
			n, err = scanInt(v)
			r.Intake = int(n)
		}
		return err
	})
}

// scanViolation reads the status, severity, agency and occurred_at of a
// stored violation's JSON.
func scanViolation(b []byte, m *violationMark, names interner) error {
	found := 0
	return scanFields(b, func(key, v []byte) error {
		var err error
		switch string(key) {
		case "occurred_at":
			var s string
			if s, err = scanString(v); err == nil {
				m.OccurredAt, err = time.Parse(time.RFC3339Nano, s)
			}
		case "status":
			m.Status, err = names.str(v)
		case "severity":
			m.Severity, err = names.str(v)
		case "agency":
			m.Agency, err = names.str(v)
		default:
			return nil
		}
		if found++; err == nil && found == 4 {
			return errStop // the details that follow are not needed
		}
		return err
	})
}

// scanDay reads the received, finished and on-time counts of a per-day
// roll-up tally.
func scanDay(b []byte, d *scoreDay) error {
	return scanFields(b, func(key, v []byte) error {
		var (
			n   int64
			err error
		)
		switch string(key) {
		case "r":
			n, err = scanInt(v)
			d.Received = int(n)
		case "f":
			n, err = scanInt(v)
			d.Finished = int(n)
		case "o":
			n, err = scanInt(v)
			d.OnTime = int(n)
		}
		return err
	})
}
