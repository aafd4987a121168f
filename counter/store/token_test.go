package store_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
)

func TestTokens(t *testing.T) {
	s := MustOpenStore(t, store.Options{})
	created := at("2026-03-10 08:00")
	tok := store.Token{ID: "t1", Hash: "aa11", Name: "desk 1", Role: "desk", Agency: "q1-motcua", CreatedAt: created}
	require.NoError(t, s.CreateToken(tok))

	tests := []struct {
		name string
		tok  store.Token
		code string
	}{
		{"same id", store.Token{ID: "t1", Hash: "bb22"}, counter.CodeAlreadyExists},
		{"same hash", store.Token{ID: "t2", Hash: "aa11"}, counter.CodeAlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.code, counter.ErrorCode(s.CreateToken(tt.tok)))
		})
	}

	got, err := s.TokenByHash("aa11")
	require.NoError(t, err)
	require.Equal(t, "t1", got.ID)
	require.Equal(t, "q1-motcua", got.Agency)
	require.False(t, got.Revoked())
	_, err = s.TokenByHash("bb22")
	require.ErrorIs(t, err, store.ErrTokenNotFound)
	_, err = s.Token("nope")
	require.ErrorIs(t, err, store.ErrTokenNotFound)

	revoked := at("2026-03-11 09:00")
	got, err = s.RevokeToken("t1", revoked)
	require.NoError(t, err)
	require.True(t, got.RevokedAt.Equal(revoked))
	got, err = s.RevokeToken("t1", revoked.Add(time.Hour))
	require.NoError(t, err)
	require.True(t, got.RevokedAt.Equal(revoked), "a second revocation keeps the first time")
	got, err = s.TokenByHash("aa11")
	require.NoError(t, err)
	require.True(t, got.Revoked(), "revocation is visible at once")
	_, err = s.RevokeToken("nope", revoked)
	require.ErrorIs(t, err, store.ErrTokenNotFound)

	all, err := s.Tokens()
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func TestEnsureToken(t *testing.T) {
	s := MustOpenStore(t, store.Options{})
	boot := store.Token{ID: "bootstrap", Hash: "h1", Role: "supervisor", Agency: "tp", CreatedAt: at("2026-03-10 08:00")}

	wrote, err := s.EnsureToken(boot)
	require.NoError(t, err)
	require.True(t, wrote)
	wrote, err = s.EnsureToken(boot)
	require.NoError(t, err)
	require.False(t, wrote, "the same secret again changes nothing")

	_, err = s.RevokeToken("bootstrap", at("2026-03-10 09:00"))
	require.NoError(t, err)
	wrote, err = s.EnsureToken(boot)
	require.NoError(t, err)
	require.False(t, wrote)
	got, err := s.TokenByHash("h1")
	require.NoError(t, err)
	require.True(t, got.Revoked(), "a restart with the same secret must not revive a revoked token")

	boot.Hash = "h2"
	wrote, err = s.EnsureToken(boot)
	require.NoError(t, err)
	require.True(t, wrote, "a new secret replaces the old")
	_, err = s.TokenByHash("h1")
	require.ErrorIs(t, err, store.ErrTokenNotFound, "the old secret stops working")
	got, err = s.TokenByHash("h2")
	require.NoError(t, err)
	require.False(t, got.Revoked())

	require.NoError(t, s.CreateToken(store.Token{ID: "other", Hash: "h3"}))
	boot.Hash = "h3"
	_, err = s.EnsureToken(boot)
	require.Equal(t, counter.CodeAlreadyExists, counter.ErrorCode(err))
}

// TestTokensSurviveReopen checks that token writes are durable and that the
// store keeps no token in clear (it is given none).
func TestTokensSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	s, err := store.Open(path, testConfig(), store.Options{})
	require.NoError(t, err)
	require.NoError(t, s.CreateToken(store.Token{ID: "t1", Hash: "abc", Role: "viewer", Agency: "q1"}))
	require.NoError(t, s.Close())

	s, err = store.Open(path, testConfig(), store.Options{})
	require.NoError(t, err)
	defer s.Close()
	got, err := s.TokenByHash("abc")
	require.NoError(t, err)
	require.Equal(t, "viewer", got.Role)
}

func TestSnapshot(t *testing.T) {
	s := MustOpenStore(t, store.Options{Now: func() time.Time { return at("2026-03-10 10:00") }})
	_, err := s.Record(context.Background(), []counter.Event{received("e1", "D-1", "q1-motcua", at("2026-03-10 08:00"))})
	require.NoError(t, err)

	r, size, err := s.Snapshot()
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.EqualValues(t, size, len(b))

	// A write after the snapshot is not in it, and the copy opens and verifies.
	_, err = s.Record(context.Background(), []counter.Event{received("e2", "D-2", "q1-motcua", at("2026-03-10 08:30"))})
	require.NoError(t, err)
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(copyPath, b, 0o600))
	v, err := store.VerifyFile(copyPath)
	require.NoError(t, err)
	require.True(t, v.OK)
	require.EqualValues(t, 1, v.Events)

	// An abandoned snapshot releases its read transaction on Close.
	r, _, err = s.Snapshot()
	require.NoError(t, err)
	require.NoError(t, r.Close())

	var buf bytes.Buffer
	_, err = store.BackupFile(filepath.Join(t.TempDir(), "absent.db"), &buf)
	require.Error(t, err)
}
