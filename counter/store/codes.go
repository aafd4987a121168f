package store

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/motcua/motcua/counter"
)

// bucketCodes holds the last daily sequence issued per code prefix and day
// (POST /dossier-codes, SPEC.md §10.3): key prefix "\x00" YYMMDD, value
// the 8-byte big-endian sequence. Like tokens it lives outside the log:
// replay neither reads nor rebuilds it, so a code once issued is never
// issued again, even after a rebuild.
var bucketCodes = []byte("dossier_codes")

// MinCodeDigits is the least number of digits of a code's daily sequence.
const MinCodeDigits = 4

// maxCodeSkip bounds how many sequence numbers one call skips over codes
// already taken by dossiers (typed by hand, or imported).
const maxCodeSkip = 10000

// NextDossierCode issues the next dossier code of prefix (the agency's
// national unit code) for the day of now in the calendar's zone:
// "PREFIX-YYMMDD-NNNN", the sequence counting from 1 each day, at least
// MinCodeDigits digits. It never issues a code twice, nor one a dossier
// already has; the code is durable (fsync'd, unless NoSync) before it
// returns.
func (s *Store) NextDossierCode(prefix string, now time.Time) (string, error) {
	if prefix == "" || strings.ContainsRune(prefix, 0) {
		return "", fmt.Errorf("next dossier code: bad prefix %q", prefix)
	}
	if s.cfg != nil && s.cfg.Calendar != nil && s.cfg.Calendar.Location != nil {
		now = now.In(s.cfg.Calendar.Location)
	}
	day := now.Format("060102")
	key := []byte(prefix + "\x00" + day)
	var code string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCodes)
		var n uint64
		if v := b.Get(key); len(v) == 8 {
			n = beUint(v)
		}
		dossiers := tx.Bucket(bucketDossiers)
		for i := 0; ; i++ {
			if i == maxCodeSkip {
				return counter.Errorf(counter.CodeUnavailable, "agency", "no free dossier code left for %s today",
					"hôm nay không còn mã hồ sơ trống cho %s", prefix)
			}
			n++
			code = fmt.Sprintf("%s-%s-%0*d", prefix, day, MinCodeDigits, n)
			if dossiers.Get([]byte(code)) == nil {
				break
			}
		}
		return b.Put(key, u64(n))
	})
	if err != nil {
		return "", fmt.Errorf("next dossier code: %w", err)
	}
	return code, nil
}
