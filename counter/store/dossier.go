package store

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// FindDossierByCode implements counter.Ledger. The state's clock is as of
// its last evaluation; callers showing it recompute it at their now.
func (s *Store) FindDossierByCode(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
	var (
		d  *counter.Dossier
		es []counter.Event
		vs []counter.Violation
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if d, err = s.getDossier(tx, code); err != nil || d == nil {
			return err
		}
		if es, err = dossierEvents(tx, code); err != nil {
			return err
		}
		vs, err = dossierViolations(tx, code)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if d == nil {
		return nil, nil, nil, counter.Errorf(counter.CodeDossierNotFound, "", "dossier %q not found", "không tìm thấy hồ sơ %q", code)
	}
	return d, es, vs, nil
}

// FindDossiers implements counter.Ledger: the dossiers received by or held
// at any time within the agency's subtree, newest first by creation.
// A State filter compares the clock as of now.
func (s *Store) FindDossiers(ctx context.Context, f counter.DossierFilter) ([]*counter.Dossier, string, error) {
	if s.cfg.Agency(f.Agency) == nil {
		return nil, "", counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", f.Agency)
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	now := s.opts.Now()
	out := []*counter.Dossier{}
	var next string
	err = s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(f.Agency), 0)
		walk := walkNewest(tx, bucketAgencyIdx, prefix, time.Time{}, after)
		var last []byte
		for k := walk.next(); k != nil; k = walk.next() {
			rest := k[len(prefix):]
			if len(rest) <= 8 {
				continue
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString(last)
				break
			}
			d, err := s.getDossier(tx, string(rest[8:]))
			if err != nil {
				return err
			}
			if d == nil || (f.Procedure != "" && d.Procedure != f.Procedure) {
				continue
			}
			d.Clock = d.ClockAt(s.cfg, now)
			if f.State != "" && d.Clock.State != f.State {
				continue
			}
			out = append(out, d)
			last = cp(rest)
		}
		return nil
	})
	return out, next, err
}
