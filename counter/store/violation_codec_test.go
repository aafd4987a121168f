package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/stretchr/testify/require"
)

// TestViolationCodec: a violation reads back as the API showed it before it
// was stored (the same JSON), in the compact form and from a record written
// as JSON by an earlier build; scorecards read the same marks from both.
func TestViolationCodec(t *testing.T) {
	ict := time.FixedZone("", 7*3600)
	occurred := time.Date(2026, 11, 13, 23, 59, 59, 0, ict)
	withdrawn := time.Date(2026, 12, 1, 9, 30, 0, 5, ict)
	cases := []counter.Violation{
		{ID: "H17.100.05-261206-0001/overdue/H17.100.05-261206-0001-r", Code: "overdue", Severity: "high", Status: "open",
			Dossier: "H17.100.05-261206-0001", Agency: "so-nv-motcua", Official: "cb-001",
			Head:       counter.ViolationHead{Agency: "so-nv-motcua", Name: "Phan Tấn Bảo", Title: "Trưởng bộ phận một cửa"},
			OccurredAt: occurred, DetectedAt: time.Date(2026, 12, 6, 7, 8, 42, 636770145, ict),
			Basis: "Nghị định 118/2025/NĐ-CP Điều 18 khoản 2", Details: map[string]any{"due_at": "2026-11-13T23:59:59+07:00", "days": 3.5}},
		{ID: "D/x/late_return/e9", Code: "late_return", Severity: "low", Status: "withdrawn", Dossier: "D/x", Agency: "a",
			Head: counter.ViolationHead{Agency: "root", Name: "N"}, OccurredAt: occurred, DetectedAt: occurred,
			WithdrawnAt: &withdrawn, WithdrawnBy: "e10"},
		{ID: "desk:a:1/desk_unstaffed/2026-12-01/0", Code: "desk_unstaffed", Severity: "medium", Status: "open", Agency: "a",
			OccurredAt: occurred.In(time.UTC), DetectedAt: occurred},
		{ID: "odd", Code: "c", Dossier: "not-a-prefix", Agency: "a", OccurredAt: occurred, DetectedAt: occurred},
	}
	for _, v := range cases {
		t.Run(v.ID, func(t *testing.T) {
			want, err := json.Marshal(v)
			require.NoError(t, err)
			b, err := encodeViolation(&v)
			require.NoError(t, err)
			legacy := append(append([]byte(nil), b[:8]...), want...)
			for name, stored := range map[string][]byte{"compact": b, "json": legacy} {
				got, err := decodeViolation([]byte(v.ID), stored)
				require.NoError(t, err, name)
				gotJSON, err := json.Marshal(got)
				require.NoError(t, err)
				require.JSONEq(t, string(want), string(gotJSON), name)
				require.True(t, got.OccurredAt.Equal(v.OccurredAt), name)

				var m violationMark
				require.NoError(t, markViolation(stored, &m, interner{}), name)
				require.Equal(t, v.Status, m.Status, name)
				require.Equal(t, v.Severity, m.Severity, name)
				require.Equal(t, v.Agency, m.Agency, name)
				require.True(t, m.OccurredAt.Equal(v.OccurredAt), name)
			}
			require.Less(t, len(b), len(want), "the compact form is smaller than the JSON")
			for n := 9; n < len(b)-1; n++ {
				if v.Details != nil && n > len(b)-len(`{"days":3.5}`) {
					break // a cut inside details is a JSON error, tested by the decode below
				}
				_, err := decodeViolation([]byte(v.ID), b[:n])
				require.Error(t, err, "a record cut at %d bytes is refused, not misread", n)
			}
		})
	}
	_, err := decodeViolation([]byte("x"), []byte("short"))
	require.Error(t, err)
}
