package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/demo"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// run plays two working days of history before end on the shipped Da Nang
// configuration and returns the store and the simulator.
func run(t *testing.T, seed uint64, end time.Time) (*store.Store, *demo.Simulator) {
	t.Helper()
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	clock := &demo.Clock{Wall: func() time.Time { return end }}
	st, err := store.Open(filepath.Join(t.TempDir(), "demo.db"), cfg, store.Options{
		Now: clock.Now, Evaluator: violations.New(), Secret: []byte("0123456789abcdef0123456789abcdef"), NoSync: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	sim := demo.New(st, cfg, clock, 10, seed)
	sim.WarmupDays = 2
	sim.Sweep = st.SweepUntil
	empty, err := sim.Empty(context.Background())
	require.NoError(t, err)
	require.True(t, empty)
	require.NoError(t, sim.Warmup(context.Background(), end))
	return st, sim
}

func TestWarmup(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	end := time.Date(2026, 3, 11, 15, 0, 0, 0, loc) // a Wednesday afternoon
	st, sim := run(t, 7, end)
	accepted, refused := sim.Recorded()
	require.Zero(t, refused, "every planned event must pass the store's acceptance rules")
	require.Greater(t, accepted, 1000)

	// The board has something to show: open dossiers in several clock
	// states, and breaches of several kinds.
	ctx := context.Background()
	root, err := st.Rollup(ctx, "tp-danang", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Greater(t, root.Received, 300)
	for _, code := range []string{counter.VMissingSlip, counter.VLateReturn, counter.VOverdue, counter.VSlipBeyondLegalLimit} {
		require.Positive(t, root.Total[code], "code %s", code)
	}
	states := map[string]int{}
	ds, _, err := st.FindDossiers(ctx, counter.DossierFilter{Agency: "tp-danang", Limit: 500})
	require.NoError(t, err)
	for _, d := range ds {
		require.False(t, d.UpdatedAt.After(end), "dossier %s has an event after the clock", d.Code)
		states[d.ClockAt(st.Config(), end).State]++
	}
	for _, s := range []string{counter.ClockOnTrack, counter.ClockDoneOnTime} {
		require.Positive(t, states[s], "state %s in %v", s, states)
	}

	// The database is no longer empty: a second demo would refuse it.
	empty, err := sim.Empty(ctx)
	require.NoError(t, err)
	require.False(t, empty)
	require.ErrorIs(t, sim.Run(ctx), demo.ErrNotEmpty)
}

func TestDeterministic(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	end := time.Date(2026, 3, 10, 10, 0, 0, 0, loc)
	ids := func(seed uint64) []string {
		st, _ := run(t, seed, end)
		vs, _, err := st.FindViolations(context.Background(), counter.ViolationFilter{Agency: "tp-danang", Limit: 500})
		require.NoError(t, err)
		var out []string
		for _, v := range vs {
			out = append(out, v.ID)
		}
		slices.Sort(out)
		return out
	}
	a, b, c := ids(1), ids(1), ids(2)
	require.NotEmpty(t, a)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
}

// TestNewDaNang: a demo after 1-7-2025 runs on the tree in force, the 94
// units' service centres and the merged city agencies, never on an ended
// district or ward.
func TestNewDaNang(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	end := time.Date(2026, 12, 4, 15, 0, 0, 0, loc) // a Friday afternoon
	st, sim := run(t, 3, end)
	_, refused := sim.Recorded()
	require.Zero(t, refused)
	cfg := st.Config()
	ds, _, err := st.FindDossiers(context.Background(), counter.DossierFilter{Agency: "tp-danang", Limit: 500})
	require.NoError(t, err)
	require.NotEmpty(t, ds)
	centres := map[string]bool{}
	for _, d := range ds {
		require.True(t, cfg.InForce(d.Agency, end), "dossier %s at %s, an agency in force", d.Code, d.Agency)
		require.True(t, cfg.InForce(d.Holder, end), "dossier %s held by %s, an agency in force", d.Code, d.Holder)
		require.True(t, counter.CodeFormatOK(cfg, d.Code), "dossier code %s has a configured format", d.Code)
		if p := cfg.Agency(cfg.Agency(d.Agency).Parent); p != nil && p.Level == counter.LevelCommune {
			centres[d.Agency] = true
		}
	}
	require.Greater(t, len(centres), 20, "many ward and commune centres receive dossiers")
	vs, _, err := st.FindViolations(context.Background(), counter.ViolationFilter{Agency: "tp-danang", Limit: 500})
	require.NoError(t, err)
	for _, v := range vs {
		require.True(t, cfg.InForce(v.Agency, end), "violation %s charged to %s, in force", v.ID, v.Agency)
	}
}
