package cluster

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Sync keeps the national-sync feed's record groups (POST /sync/dvcqg) in
// the cluster's bucket, so that a dossier's groups posted to different
// nodes are folded together (store.Store.SyncGroups' format: one JSON
// document per line, under the dossier's code). It implements the
// dashboard's SyncStore.
type Sync struct{ n *Node }

// Sync returns the cluster's sync-group store.
func (n *Node) Sync() *Sync { return &Sync{n} }

func syncKey(code string) string { return "s." + hex.EncodeToString([]byte(code)) }

// SyncGroups returns the stored groups of each of codes, oldest first.
func (s *Sync) SyncGroups(codes []string) (map[string][][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	out := make(map[string][][]byte, len(codes))
	for _, code := range codes {
		e, err := s.n.get(ctx, s.n.syncs, syncKey(code))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read sync groups: %w", kvUnavailable(err))
		}
		for _, line := range bytes.Split(e.Value(), []byte{'\n'}) {
			if len(line) > 0 {
				out[code] = append(out[code], bytes.Clone(line))
			}
		}
	}
	return out, nil
}

// AppendSyncGroups appends one group to each dossier's groups, each by
// compare-and-set on a quorum.
func (s *Sync) AppendSyncGroups(groups map[string][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	for code, g := range groups {
		if bytes.IndexByte(g, '\n') >= 0 {
			return fmt.Errorf("sync group of %s spans lines", code)
		}
		for {
			var old []byte
			var rev uint64
			e, err := s.n.get(ctx, s.n.syncs, syncKey(code))
			switch {
			case errors.Is(err, jetstream.ErrKeyNotFound):
			case err != nil:
				return fmt.Errorf("append sync groups: %w", kvUnavailable(err))
			default:
				old, rev = e.Value(), e.Revision()
			}
			v := append(append(bytes.Clone(old), g...), '\n')
			if rev == 0 {
				_, err = s.n.syncs.Create(ctx, syncKey(code), v)
			} else {
				_, err = s.n.syncs.Update(ctx, syncKey(code), v, rev)
			}
			if err == nil {
				break
			}
			if !errors.Is(err, jetstream.ErrKeyExists) {
				return fmt.Errorf("append sync groups: %w", kvUnavailable(err))
			}
		}
	}
	return nil
}
