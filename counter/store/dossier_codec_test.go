package store

import (
	"encoding/json"
	"testing"

	"github.com/motcua/motcua/counter"
	"github.com/stretchr/testify/require"
)

// TestDossierCodec: a stored state reads back field for field in the
// compact form and from the JSON an earlier build wrote; a record cut
// short is refused, never misread; scorecards read the same fields.
func TestDossierCodec(t *testing.T) {
	ca := int64(1796443731004000000)
	cases := []dossierRecord{
		{Code: "H17.100.05-261206-0001", Procedure: "2.000884", Agency: "so-nv-motcua", Holder: "so-nv-tccb", Status: "returned",
			Channel: "direct", Applicant: &counter.Applicant{Name: "Nguyễn Văn Hùng", Phone: "0900000000", IDHash: "ab"},
			CreatedAt: ca, ReceivedAt: ca, LegalDueAt: ca + 3_600_000_000_000*60, PromisedDueAt: ca + 1, DueAt: ca - 5, FinishedAt: ca + 7,
			ClockState: "done_on_time", ClockUsed: 0.4375, Intake: 1, Appraisal: 2, Reschedules: 1,
			SlipNumber: "H17.100.05-261206-0001", SlipDueAt: ca + 9, HasSlip: true, ClockStart: ca, PausedAt: ca + 11,
			PausedReason: "bổ sung", ReturnedAt: ca + 12, UpdatedAt: ca + 13, LastSeq: 102683, EventCount: 4,
			Complaints: []counter.Complaint{{ID: "c1", Category: "attitude", Outcome: "upheld"}, {ID: "c2", Category: "other", SubjectOfficial: "cb-1"}},
			Visible:    []string{"so-nv-motcua", "so-nv-tccb"}, Regime: "v2026a", StopRequested: ca + 14, StoppedAt: ca + 15, CrossBoundary: true},
		{Code: "D1", Procedure: "1.001", Agency: "a", Status: "intake", CreatedAt: 0, UpdatedAt: 5, SlipNumber: "other", HasSlip: true},
		{Code: "D2", Agency: "a", Status: "processing", CreatedAt: ca, UpdatedAt: ca},
	}
	for _, want := range cases {
		t.Run(want.Code, func(t *testing.T) {
			b := writeDossierRecord(&want)
			legacy, err := json.Marshal(&want)
			require.NoError(t, err)
			require.Less(t, len(b), len(legacy)*2/3, "the compact form takes well under the JSON's bytes")
			for name, stored := range map[string][]byte{"compact": b, "json": legacy} {
				var got dossierRecord
				require.NoError(t, unmarshalDossierRecord(stored, &got), name)
				require.Equal(t, want, got, name)
				var sc scoreDossier
				require.NoError(t, scanDossier(stored, &sc, interner{}), name)
				require.Equal(t, scoreDossier{Code: want.Code, Agency: want.Agency, Holder: want.Holder, Status: want.Status,
					CreatedAt: want.CreatedAt, ReceivedAt: want.ReceivedAt, LegalDueAt: want.LegalDueAt, PromisedDueAt: want.PromisedDueAt,
					DueAt: want.DueAt, FinishedAt: want.FinishedAt, Appraisal: want.Appraisal, Intake: want.Intake,
					PausedAt: want.PausedAt, UpdatedAt: want.UpdatedAt}, sc, name)
			}
			for n := 0; n < len(b); n++ {
				require.Error(t, unmarshalDossierRecord(b[:n], &dossierRecord{}), "cut at %d of %d bytes", n, len(b))
			}
		})
	}
}
