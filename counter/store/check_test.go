package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

// buildSmallDB records a varied stream (receipts, transfers, desks,
// complaints, sweeps with breaches) and a token into a new database with
// its key file, and returns its path and the time it was built at.
func buildSmallDB(t testing.TB, events int) (string, time.Time) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "motcua.db")
	clock := &simClock{t: at("2026-03-02 07:30")}
	s, err := store.Open(path, testConfig(), store.Options{Now: clock.Now, Evaluator: violations.New(), NoSync: true})
	require.NoError(t, err)
	g := newGenerator(7, testConfig(), clock, "")
	ctx := context.Background()
	for n := 0; n < events; {
		if res, err := s.Record(ctx, g.next()); err == nil && !res.Replayed {
			n++
		}
		if g.n%40 == 0 {
			_, err := s.SweepUntil(clock.Now())
			require.NoError(t, err)
		}
	}
	_, err = s.SweepUntil(clock.Now())
	require.NoError(t, err)
	require.NoError(t, s.CreateToken(store.Token{ID: "t1", Hash: "h1", Name: "Bộ phận một cửa", Role: "desk", Agency: "q1-motcua", CreatedAt: clock.Now()}))
	require.NoError(t, s.Close())
	return path, clock.Now()
}

// flipOutcome is what one damaged copy did.
type flipOutcome int

const (
	flipHarmless   flipOutcome = iota // everything reads as before
	flipCorrupt                       // the page check refused the file
	flipChainBreak                    // pages sound, the hash chain caught it
	flipOther                         // refused for another clean reason (a damaged meta page or record, the key fingerprint)
)

// tryDamaged verifies and opens the damaged copy at path and reads through
// it, requiring no panic, and either the right answer or a clean refusal.
func tryDamaged(t *testing.T, path string, want *store.Verification, now time.Time) (out flipOutcome) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", path, r, debug.Stack())
		}
	}()
	v, verr := store.VerifyFile(path)
	switch {
	case errors.Is(verr, store.ErrCorrupt):
		out = flipCorrupt
		require.Contains(t, verr.Error(), "database file is corrupt: ")
	case verr != nil:
		t.Fatalf("verify: an error that is not ErrCorrupt: %v", verr)
	case !v.OK:
		out = flipChainBreak
		require.NotEmpty(t, v.Reason)
	case len(v.Warnings) > 0 || len(v.Views) > 0:
		out = flipOther
	default:
		require.Equal(t, want.Events, v.Events, "verify says ok: it must be the same chain")
		require.Equal(t, want.Head, v.Head, "verify says ok: it must be the same chain")
	}

	s, err := store.Open(path, testConfig(), store.Options{Now: func() time.Time { return now }, Evaluator: violations.New(), NoSync: true})
	if err != nil {
		var mismatch *store.KeyMismatchError
		switch {
		case errors.Is(err, store.ErrCorrupt):
			require.Equal(t, flipCorrupt, out, "Open refuses a file as corrupt that verify passed: %v", err)
		case errors.As(err, &mismatch):
			out = flipOther // the fingerprint itself was hit: a clean refusal
		default:
			t.Fatalf("open: not a clean refusal: %v", err)
		}
		return out
	}
	defer s.Close()
	require.NotEqual(t, flipCorrupt, out, "verify refused the file but Open took it")
	// Every read returns an answer or an error, never a panic.
	ctx := context.Background()
	for _, a := range []string{"tp", "q1", "q1-motcua", "q1-tnmt", "p1-motcua", "q2-motcua"} {
		_, _, _ = s.FindDossiers(ctx, counter.DossierFilter{Agency: a, Limit: 500})
		_, _, _ = s.FindViolations(ctx, counter.ViolationFilter{Agency: a, Limit: 500})
		_, _ = s.Rollup(ctx, a, time.Time{}, time.Time{})
		_, _ = s.Rollup(ctx, a, now.AddDate(0, 0, -7), now)
	}
	_, _ = s.Desks()
	_, _ = s.OpenCounts()
	_, _ = s.Tokens()
	_, _ = s.Token("t1")
	_, _ = s.Verify()
	_, _ = s.NextDue()
	// And writes go on: a sweep far ahead, a new dossier.
	_, _ = s.SweepUntil(now.Add(60 * 24 * time.Hour))
	_, _ = s.Record(ctx, []counter.Event{received("after-damage", "AFTER-1", "q1-motcua", now)})
	return out
}

var spreadFlips = flag.Int("flips", 200, "single-byte flips spread over the file in TestDamagedFileRefusedCleanly (more than 200 also flips every page's header)")

// TestDamagedFileRefusedCleanly flips single bytes all over copies of a
// real database (spread over the file, and in every page's header and
// first elements) and requires, every time, that verify, Open and the
// reads that follow either answer correctly or refuse cleanly, never
// panic, and that Open never takes a file verify refuses (or the reverse).
func TestDamagedFileRefusedCleanly(t *testing.T) {
	path, now := buildSmallDB(t, 300)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	key, err := os.ReadFile(path + ".key")
	require.NoError(t, err)
	want, err := store.VerifyFile(path)
	require.NoError(t, err)
	require.True(t, want.OK)
	fc, err := store.CheckFile(path)
	require.NoError(t, err)
	ps := fc.PageSize
	t.Logf("%d bytes, %d pages of %d, %d events", len(orig), fc.Pages, ps, want.Events)

	type flip struct {
		pos  int
		mask byte
	}
	var flips []flip
	// Spread: -flips positions over the pages in use, and a few in the
	// file's preallocated tail.
	used := int(fc.Pages) * ps
	for i := 0; i < *spreadFlips; i++ {
		flips = append(flips, flip{pos: (i*used) / *spreadFlips + i%7, mask: 1 << (i % 8)})
	}
	for i := 0; i < 5 && used < len(orig); i++ {
		flips = append(flips, flip{pos: used + i*(len(orig)-used)/5, mask: 0xff})
	}
	// Every sixth page's header (id, flags, count, overflow) and a field
	// of its first element headers (every page's with more -flips), and
	// both meta pages' fields.
	step := 6
	if *spreadFlips > 200 {
		step = 1
	}
	for p := 0; p < int(fc.Pages); p++ {
		if p%step != 0 && p >= 2 {
			continue
		}
		for _, off := range []int{0, 8, 10, 12, 16 + 4*(p%4), 32 + 4*((p/4)%4)} {
			flips = append(flips, flip{pos: p*ps + off, mask: byte(0x01 << (p % 8))})
		}
		if p < 2 {
			for off := 16; off < 16+64; off += 4 {
				flips = append(flips, flip{pos: p*ps + off, mask: 0x10})
			}
		}
	}
	counts := map[flipOutcome]int{}
	dir := t.TempDir()
	for i, f := range flips {
		if f.pos >= len(orig) {
			continue
		}
		copyPath := filepath.Join(dir, fmt.Sprintf("flip-%d.db", i))
		b := append([]byte(nil), orig...)
		b[f.pos] ^= f.mask
		require.NoError(t, os.WriteFile(copyPath, b, 0o600))
		require.NoError(t, os.WriteFile(copyPath+".key", key, 0o600))
		t.Run(fmt.Sprintf("byte %d ^%#02x", f.pos, f.mask), func(t *testing.T) {
			counts[tryDamaged(t, copyPath, want, now)]++
		})
		os.Remove(copyPath)
		os.Remove(copyPath + ".key")
	}
	t.Logf("%d flips: %d harmless, %d refused by the page check, %d by the hash chain, %d otherwise",
		len(flips), counts[flipHarmless], counts[flipCorrupt], counts[flipChainBreak], counts[flipOther])
	// The check can fail: each way of ending was seen.
	require.Positive(t, counts[flipHarmless])
	require.Positive(t, counts[flipCorrupt])
	require.Positive(t, counts[flipChainBreak])
}

// TestCheckFileFindsDamage names the problem for typical damage.
func TestCheckFileFindsDamage(t *testing.T) {
	path, _ := buildSmallDB(t, 60)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	fc, err := store.CheckFile(path)
	require.NoError(t, err)
	require.Empty(t, fc.Warnings)
	ps := fc.PageSize
	// Damage the root page of the tree the newer meta page points to.
	le := binary.LittleEndian
	m := 16 // meta 0
	if le.Uint64(orig[ps+16+48:]) > le.Uint64(orig[16+48:]) {
		m = ps + 16
	}
	root := int(le.Uint64(orig[m+16:]))
	require.Less(t, root, int(fc.Pages))
	tests := []struct {
		name string
		edit func(b []byte)
		want string
	}{
		{"page id", func(b []byte) { b[root*ps] ^= 0x40 }, "says it is page"},
		{"page type", func(b []byte) { b[root*ps+8] = 0x08 }, "has type"},
		{"meta page header", func(b []byte) { b[ps] ^= 1 }, "meta page 1 says it is page 0"},
		{"both meta pages", func(b []byte) { b[16+48] ^= 1; b[ps+16+48] ^= 1 }, "no valid meta page (meta 0: checksum mismatch)"},
		{"not a database", func(b []byte) { copy(b, make([]byte, 2*ps)) }, "no valid meta page (meta 0: not a bbolt meta page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := append([]byte(nil), orig...)
			tt.edit(b)
			p := filepath.Join(t.TempDir(), "bad.db")
			require.NoError(t, os.WriteFile(p, b, 0o600))
			_, err := store.CheckFile(p)
			require.ErrorIs(t, err, store.ErrCorrupt)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "database file is corrupt: "+p)
		})
	}
	t.Run("one meta page", func(t *testing.T) {
		b := append([]byte(nil), orig...)
		b[ps+16+48] ^= 1 // meta 1's txid: its checksum fails
		p := filepath.Join(t.TempDir(), "meta.db")
		require.NoError(t, os.WriteFile(p, b, 0o600))
		fc, err := store.CheckFile(p)
		require.NoError(t, err, "bbolt reads the other meta page")
		require.Len(t, fc.Warnings, 1)
		require.Contains(t, fc.Warnings[0], "meta page 1 is damaged")
	})
}
