package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/motcua/motcua/counter"
	bolt "go.etcd.io/bbolt"
)

// Token is an API token as stored: never the token itself, only Hash, the
// hex SHA-256 of it (SPEC.md §6.2 "stored only as hashes"). Tokens live in
// their own bucket, outside the log: replay neither reads nor rebuilds them.
type Token struct {
	ID     string `json:"id"`
	Hash   string `json:"hash"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Agency string `json:"agency"`
	// Official, on a desk token, is the clerk it signs in: every event
	// recorded with it is that clerk's (a per-official desk token).
	Official  string     `json:"official,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Revoked reports whether t has been revoked.
func (t *Token) Revoked() bool { return t.RevokedAt != nil }

// ErrTokenNotFound is returned for a token id or hash that is not stored.
var ErrTokenNotFound = counter.Errorf(counter.CodeNotFound, "", "token not found", "không tìm thấy mã truy cập")

// Keys of the tokens bucket: one record per id, and an index from hash to id.
func tokenIDKey(id string) []byte     { return append([]byte("id\x00"), id...) }
func tokenHashKey(hash string) []byte { return append([]byte("hash\x00"), hash...) }

// CreateToken stores t; it is durable when CreateToken returns. Returns
// CodeAlreadyExists when t's id or hash is already stored.
func (s *Store) CreateToken(t Token) error {
	if t.ID == "" || t.Hash == "" {
		return fmt.Errorf("create token: id and hash are required")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b.Get(tokenIDKey(t.ID)) != nil || b.Get(tokenHashKey(t.Hash)) != nil {
			return counter.Errorf(counter.CodeAlreadyExists, "", "token %q already exists", "mã truy cập %q đã tồn tại", t.ID)
		}
		return putToken(b, t)
	})
}

func putToken(b *bolt.Bucket, t Token) error {
	v, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode token %s: %w", t.ID, err)
	}
	if err := b.Put(tokenIDKey(t.ID), v); err != nil {
		return fmt.Errorf("put token %s: %w", t.ID, err)
	}
	if err := b.Put(tokenHashKey(t.Hash), []byte(t.ID)); err != nil {
		return fmt.Errorf("index token %s: %w", t.ID, err)
	}
	return nil
}

func getToken(b *bolt.Bucket, id string) (*Token, error) {
	v := b.Get(tokenIDKey(id))
	if v == nil {
		return nil, ErrTokenNotFound
	}
	var t Token
	if err := json.Unmarshal(v, &t); err != nil {
		return nil, fmt.Errorf("decode token %s: %w", id, err)
	}
	return &t, nil
}

// Token returns the token with id. Returns ErrTokenNotFound if there is none.
func (s *Store) Token(id string) (*Token, error) {
	var t *Token
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = getToken(tx.Bucket(bucketTokens), id)
		return err
	})
	return t, err
}

// TokenByHash returns the token whose hash is hash, revoked or not.
// Returns ErrTokenNotFound if there is none.
func (s *Store) TokenByHash(hash string) (*Token, error) {
	var t *Token
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		id := b.Get(tokenHashKey(hash))
		if id == nil {
			return ErrTokenNotFound
		}
		var err error
		t, err = getToken(b, string(id))
		return err
	})
	return t, err
}

// RevokeToken marks the token with id revoked at at, durably, and returns
// it. Revoking a revoked token keeps the first revocation time. Returns
// ErrTokenNotFound if there is none.
func (s *Store) RevokeToken(id string, at time.Time) (*Token, error) {
	var t *Token
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var err error
		if t, err = getToken(b, id); err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		t.RevokedAt = &at
		return putToken(b, *t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Tokens returns every stored token, revoked ones included, by id.
func (s *Store) Tokens() ([]Token, error) {
	var out []Token
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTokens).Cursor()
		prefix := tokenIDKey("")
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var t Token
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode token %q: %w", k[len(prefix):], err)
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// EnsureToken makes t, identified by its id, the stored token of that id:
// it creates it when absent and replaces it when its hash differs (the
// old hash stops working). A stored token with the same hash is left as it
// is, revoked or not, so that restarting with the same secret never
// revives a revoked token. It reports whether it wrote anything.
func (s *Store) EnsureToken(t Token) (bool, error) {
	if t.ID == "" || t.Hash == "" {
		return false, fmt.Errorf("ensure token: id and hash are required")
	}
	wrote := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		old, err := getToken(b, t.ID)
		switch {
		case err == ErrTokenNotFound:
		case err != nil:
			return err
		case old.Hash == t.Hash:
			return nil
		default:
			if err := b.Delete(tokenHashKey(old.Hash)); err != nil {
				return fmt.Errorf("unindex token %s: %w", old.ID, err)
			}
		}
		if other := b.Get(tokenHashKey(t.Hash)); other != nil {
			if string(other) == t.ID {
				// The index names this id under a hash its record does not
				// hold: damage, not a clash.
				return &CorruptError{Path: s.db.Path(), Problems: []string{fmt.Sprintf("the token index names token %q under a hash its record does not hold", other)}}
			}
			return counter.Errorf(counter.CodeAlreadyExists, "", "that secret is already token %q", "mã này đã là mã truy cập %q", other)
		}
		wrote = true
		return putToken(b, t)
	})
	return wrote, err
}
