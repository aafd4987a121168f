package violations_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.golden")

// scenario is testdata/<case>/events.json: one dossier's events in log
// order and the instant at which to judge them.
type scenario struct {
	Comment string          `json:"comment"`
	Now     time.Time       `json:"now"`
	Events  []counter.Event `json:"events"`
}

// golden is what want.golden holds.
type golden struct {
	Next       *time.Time          `json:"next"`
	Summary    []string            `json:"summary"`
	Violations []counter.Violation `json:"violations"`
}

// TestScenarios judges whole dossiers from testdata/<case>/events.json
// and compares every violation with testdata/<case>/want.golden (rewrite
// with -update, then read the diff).
func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "events.json"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			var sc scenario
			require.NoError(t, json.Unmarshal(raw, &sc))
			for i := range sc.Events {
				e := &sc.Events[i]
				e.Seq = uint64(i + 1)
				if e.RecordedAt.IsZero() {
					e.RecordedAt = e.At
				}
			}
			cfg := testConfig()
			vs, next := violations.New().EvaluateDossier(cfg, fold(cfg, sc.Events), sc.Events, sc.Now)
			out := golden{Summary: briefs(vs, ""), Violations: vs}
			if !next.IsZero() {
				n := next.In(hcm)
				out.Next = &n
			}
			for i := range out.Violations {
				v := &out.Violations[i]
				v.OccurredAt, v.DetectedAt = v.OccurredAt.In(hcm), v.DetectedAt.In(hcm)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			goldenPath := filepath.Join(dir, "want.golden")
			if *update {
				require.NoError(t, os.WriteFile(goldenPath, got, 0o644))
			}
			want, err := os.ReadFile(goldenPath)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), string(got))
		})
	}
}
