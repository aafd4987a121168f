package cluster

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

// kvTimeout bounds one key-value operation.
const kvTimeout = 10 * time.Second

// Tokens keeps API tokens in the cluster's key-value bucket, so that a
// token works on every node and a revocation takes effect everywhere. Keys:
// "h.<hash>" → the token (JSON), "i.<hex id>" → its hash. It implements
// the dashboard's TokenStore.
type Tokens struct{ n *Node }

// Tokens returns the cluster's token store.
func (n *Node) Tokens() *Tokens { return &Tokens{n} }

func hashKey(hash string) (string, error) {
	if hash == "" || strings.Trim(hash, "0123456789abcdef") != "" {
		return "", fmt.Errorf("token hash %q is not lowercase hex", hash)
	}
	return "h." + hash, nil
}

func idKey(id string) string { return "i." + hex.EncodeToString([]byte(id)) }

// get reads key, retrying through a leader election of the bucket (a
// killed node may have led it) until ctx ends. Each try has a short
// timeout of its own: a request routed to a server that just died is
// never answered.
func (n *Node) get(ctx context.Context, kv jetstream.KeyValue, key string) (jetstream.KeyValueEntry, error) {
	wait := 50 * time.Millisecond
	for {
		try, cancel := context.WithTimeout(ctx, 750*time.Millisecond)
		e, err := kv.Get(try, key)
		cancel()
		if err == nil || errors.Is(err, jetstream.ErrKeyNotFound) || ctx.Err() != nil {
			return e, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

func kvUnavailable(err error) error {
	return fmt.Errorf("%w: %w", errUnavailable("the cluster's token store is unavailable", "kho mã truy cập của cụm tạm thời không sẵn sàng"), err)
}

// CreateToken stores t on a quorum. Returns CodeAlreadyExists when its id
// or hash is taken.
func (s *Tokens) CreateToken(t store.Token) error {
	if t.ID == "" || t.Hash == "" {
		return fmt.Errorf("create token: id and hash are required")
	}
	hk, err := hashKey(t.Hash)
	if err != nil {
		return err
	}
	v, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode token %s: %w", t.ID, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	exists := counter.Errorf(counter.CodeAlreadyExists, "", "token %q already exists", "mã truy cập %q đã tồn tại", t.ID)
	if _, err := s.n.tokens.Create(ctx, idKey(t.ID), []byte(t.Hash)); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return exists
		}
		return kvUnavailable(err)
	}
	if _, err := s.n.tokens.Create(ctx, hk, v); err != nil {
		if derr := s.n.tokens.Delete(ctx, idKey(t.ID)); derr != nil {
			s.n.log.Error("token id left without its token", "id", t.ID, "err", derr)
		}
		if errors.Is(err, jetstream.ErrKeyExists) {
			return exists
		}
		return kvUnavailable(err)
	}
	return nil
}

// getHash reads the token stored under hash with its revision.
func (s *Tokens) getHash(ctx context.Context, hash string) (*store.Token, uint64, error) {
	hk, err := hashKey(hash)
	if err != nil {
		return nil, 0, store.ErrTokenNotFound
	}
	e, err := s.n.get(ctx, s.n.tokens, hk)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, store.ErrTokenNotFound
	}
	if err != nil {
		return nil, 0, kvUnavailable(err)
	}
	var t store.Token
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return nil, 0, fmt.Errorf("decode token %s: %w", hk, err)
	}
	return &t, e.Revision(), nil
}

// TokenByHash returns the token whose hash is hash, revoked or not.
func (s *Tokens) TokenByHash(hash string) (*store.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	t, _, err := s.getHash(ctx, hash)
	return t, err
}

// Token returns the token with id.
func (s *Tokens) Token(id string) (*store.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	t, _, err := s.byID(ctx, id)
	return t, err
}

func (s *Tokens) byID(ctx context.Context, id string) (*store.Token, uint64, error) {
	e, err := s.n.get(ctx, s.n.tokens, idKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, store.ErrTokenNotFound
	}
	if err != nil {
		return nil, 0, kvUnavailable(err)
	}
	t, rev, err := s.getHash(ctx, string(e.Value()))
	if err == nil && t.ID != id {
		return nil, 0, store.ErrTokenNotFound
	}
	return t, rev, err
}

// RevokeToken marks the token with id revoked at at, on a quorum; a
// revoked token keeps its first revocation time.
func (s *Tokens) RevokeToken(id string, at time.Time) (*store.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	for {
		t, rev, err := s.byID(ctx, id)
		if err != nil {
			return nil, err
		}
		if t.RevokedAt != nil {
			return t, nil
		}
		t.RevokedAt = &at
		v, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("encode token %s: %w", id, err)
		}
		hk, _ := hashKey(t.Hash)
		_, err = s.n.tokens.Update(ctx, hk, v, rev)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) { // wrong last revision: changed meanwhile
			return nil, kvUnavailable(err)
		}
	}
}

// EnsureToken makes t the token of its id (the bootstrap token): created
// when absent, replaced when its hash differs, left alone (revoked or not)
// when the same. It reports whether it wrote anything.
func (s *Tokens) EnsureToken(t store.Token) (bool, error) {
	if t.ID == "" || t.Hash == "" {
		return false, fmt.Errorf("ensure token: id and hash are required")
	}
	hk, err := hashKey(t.Hash)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	old, _, err := s.byID(ctx, t.ID)
	switch {
	case errors.Is(err, store.ErrTokenNotFound):
	case err != nil:
		return false, err
	case old.Hash == t.Hash:
		return false, nil
	default:
		ok, _ := hashKey(old.Hash)
		if err := s.n.tokens.Delete(ctx, ok); err != nil {
			return false, kvUnavailable(err)
		}
	}
	if other, _, err := s.getHash(ctx, t.Hash); err == nil && other.ID != t.ID {
		return false, counter.Errorf(counter.CodeAlreadyExists, "", "that secret is already token %q", "mã này đã là mã truy cập %q", other.ID)
	}
	v, err := json.Marshal(t)
	if err != nil {
		return false, fmt.Errorf("encode token %s: %w", t.ID, err)
	}
	if _, err := s.n.tokens.Put(ctx, hk, v); err != nil {
		return false, kvUnavailable(err)
	}
	if _, err := s.n.tokens.Put(ctx, idKey(t.ID), []byte(t.Hash)); err != nil {
		return false, kvUnavailable(err)
	}
	return true, nil
}

// Tokens returns every token, revoked ones included, by id.
func (s *Tokens) Tokens() ([]store.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	keys, err := s.n.tokens.ListKeysFiltered(ctx, "h.>")
	if err != nil {
		return nil, kvUnavailable(err)
	}
	var out []store.Token
	for k := range keys.Keys() {
		t, _, err := s.getHash(ctx, strings.TrimPrefix(k, "h."))
		if errors.Is(err, store.ErrTokenNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// maxCodeSkip bounds how many sequence numbers one call skips over codes
// already taken by dossiers in the view.
const maxCodeSkip = 10000

// NextDossierCode issues the next code of prefix for the day of now
// (store.Store.NextDossierCode's format), the daily sequence kept in the
// cluster's bucket and advanced by compare-and-set, so that no two nodes
// issue the same code.
func (n *Node) NextDossierCode(prefix string, now time.Time) (string, error) {
	if n.cfg.Rollup() {
		return "", ErrReadOnly()
	}
	if prefix == "" || strings.ContainsRune(prefix, 0) {
		return "", fmt.Errorf("next dossier code: bad prefix %q", prefix)
	}
	if cfg := n.st.Config(); cfg != nil && cfg.Calendar != nil && cfg.Calendar.Location != nil {
		now = now.In(cfg.Calendar.Location)
	}
	day := now.Format("060102")
	key := "c." + hex.EncodeToString([]byte(prefix)) + "." + day
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	for {
		var seq, rev uint64
		e, err := n.get(ctx, n.codes, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return "", fmt.Errorf("next dossier code: %w", kvUnavailable(err))
		case len(e.Value()) == 8:
			seq, rev = binary.BigEndian.Uint64(e.Value()), e.Revision()
		}
		var code string
		for i := 0; ; i++ {
			if i == maxCodeSkip {
				return "", counter.Errorf(counter.CodeUnavailable, "agency", "no free dossier code left for %s today",
					"hôm nay không còn mã hồ sơ trống cho %s", prefix)
			}
			seq++
			code = fmt.Sprintf("%s-%s-%0*d", prefix, day, store.MinCodeDigits, seq)
			taken, err := n.st.HasDossier(code)
			if err != nil {
				return "", fmt.Errorf("next dossier code: %w", err)
			}
			if !taken {
				break
			}
		}
		v := binary.BigEndian.AppendUint64(nil, seq)
		if rev == 0 {
			_, err = n.codes.Create(ctx, key, v)
		} else {
			_, err = n.codes.Update(ctx, key, v, rev)
		}
		if err == nil {
			return code, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return "", fmt.Errorf("next dossier code: %w", kvUnavailable(err))
		}
		// Another node issued one meanwhile: read again.
	}
}
