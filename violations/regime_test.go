package violations_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

// regimeConfig is the test city with the land-use paper of procBuild held
// by the national databases, and desk q2 of the counter staffed by the
// commune (seconded_by).
func regimeConfig() *counter.Config {
	cfg := testConfig()
	p := cfg.Procedure(procBuild)
	for i := range p.Documents {
		if p.Documents[i].Code == "qsdd" {
			p.Documents[i].InNationalDB = true
		}
	}
	cfg.Agency(desk).SecondedBy = map[string]string{"q2": commune}
	return cfg
}

// shifted moves a history (and the instant it is judged at) so that it
// starts on day, keeping every gap between events: the same story, told
// under another rule version. Each day must be a Monday, so that working
// days fall alike.
func shifted(evs []counter.Event, now time.Time, from, day time.Time) ([]counter.Event, time.Time) {
	d := day.Sub(from)
	out := make([]counter.Event, len(evs))
	for i, e := range evs {
		e.At, e.RecordedAt = e.At.Add(d), e.RecordedAt.Add(d)
		if e.Slip != nil {
			s := *e.Slip
			s.DueAt = s.DueAt.Add(d)
			e.Slip = &s
		}
		out[i] = e
	}
	return out, now.Add(d)
}

// TestSameHistoryUnderEachVersion judges one history (a supplement request
// asking for a paper the national databases hold, then a result past the
// promise) received on a Monday of each rule version (SPEC.md §10.2): the
// dossier state names the version, each basis cites the decree of that
// version, and asking for the held paper is a breach only from v2025.
func TestSameHistoryUnderEachVersion(t *testing.T) {
	cfg := regimeConfig()
	base := history(
		received("2025-03-03 08:00", "2025-03-24 16:00"),
		ev(counter.SupplementRequested, "2025-03-04 09:00", desk, cbDesk, items("qsdd"), reason("thiếu giấy tờ đất")),
		ev(counter.SupplementReceived, "2025-03-05 09:00", desk, cbDesk),
		ev(counter.ResultReady, "2025-03-31 10:00", desk, cbDesk),
	)
	now := at("2025-04-01 10:00")
	for _, c := range []struct {
		day      string
		regime   string
		decree   string
		dbDoc    string // basis of database_document_requested, "" when none
		overdue  string // basis of late_return
		notInV18 bool
	}{
		{"2025-03-03 08:00", counter.RegimeV2018, "Nghị định 61/2018/NĐ-CP", "",
			"Nghị định 61/2018/NĐ-CP Điều 19 khoản 9; Điều 30 khoản 2 điểm c", false},
		{"2025-09-08 08:00", counter.RegimeV2025, "Nghị định 118/2025/NĐ-CP", "Nghị định 118/2025/NĐ-CP Điều 5 khoản 1",
			"Nghị định 118/2025/NĐ-CP Điều 17 khoản 3; Thông tư 03/2025/TT-VPCP Mẫu 04", true},
		{"2026-09-07 08:00", counter.RegimeV2026a, "Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP)",
			"Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP) Điều 4 khoản 2a; Điều 5 khoản 1",
			"Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP) Điều 17 khoản 3; Thông tư 03/2025/TT-VPCP Mẫu 04", true},
	} {
		t.Run(c.regime, func(t *testing.T) {
			evs, judged := shifted(base, now, at("2025-03-03 08:00"), at(c.day))
			d := fold(cfg, evs)
			require.Equal(t, c.regime, d.Regime, "the dossier state names its rule version")
			vs, _ := violations.New().EvaluateDossier(cfg, d, evs, judged)
			codes := map[string]counter.Violation{}
			for _, v := range vs {
				codes[v.Code] = v
				require.Contains(t, v.Basis, c.decree[:len("Nghị định 1")], "%s cites its version's decree", v.Code)
			}
			lr, ok := codes[counter.VLateReturn]
			require.True(t, ok, "the late result is a breach under every version: %v", briefs(vs, ""))
			require.Equal(t, c.overdue, lr.Basis)
			db, ok := codes[counter.VDatabaseDocumentRequested]
			if c.dbDoc == "" {
				require.False(t, ok, "asking for a paper the databases hold is no breach of Decree 61")
				return
			}
			require.True(t, ok, "asking for a paper the databases hold is a breach from v2025: %v", briefs(vs, ""))
			require.Equal(t, c.dbDoc, db.Basis)
			require.Equal(t, counter.SeverityHigh, db.Severity)
			require.Equal(t, desk, db.Agency)
			require.Equal(t, cbDesk, db.Official)
			require.Equal(t, []string{"qsdd"}, db.Details["items"])
		})
	}
}

// TestStoppedDossier: a stop notice after the applicant's request ends the
// dossier and its clock (Decree 118/2025 Art. 21): no overdue when the
// promised day passes afterwards, state `stopped`, clock closed.
func TestStoppedDossier(t *testing.T) {
	cfg := regimeConfig()
	evs := history(
		received("2026-03-02 08:00", "2026-03-23 16:00"),
		ev(counter.StopRequested, "2026-03-10 09:00", desk, cbDesk, reason("không có nhu cầu nữa")),
		ev(counter.StopNoticeIssued, "2026-03-11 09:00", desk, cbDesk),
	)
	d := fold(cfg, evs)
	require.Equal(t, counter.DossierStopped, d.Status)
	require.True(t, d.Ended())
	require.Equal(t, counter.ClockClosed, d.ClockAt(cfg, at("2026-04-01 09:00")).State)
	vs, next := violations.New().EvaluateDossier(cfg, d, evs, at("2026-04-01 09:00"))
	require.Empty(t, briefs(vs, counter.VOverdue), "a stopped dossier is never overdue")
	require.True(t, next.IsZero(), "nothing left to judge by time: %v", next)

	// Without the notice, the same dossier is overdue.
	vs, _ = violations.New().EvaluateDossier(cfg, fold(cfg, evs[:2]), evs[:2], at("2026-04-01 09:00"))
	require.NotEmpty(t, briefs(vs, counter.VOverdue))
}

// TestCrossBoundaryClock: from v2026a the clock of a dossier received
// outside the competent agency's area starts when the competent agency
// receives it (its first transfer); under v2025 it starts at receipt.
func TestCrossBoundaryClock(t *testing.T) {
	cfg := regimeConfig()
	base := history(
		received("2026-09-07 08:00", "", func(e *counter.Event) { e.CrossBoundary = true }),
		ev(counter.Transferred, "2026-09-14 08:00", desk, cbDesk, step(appr, "tham-dinh")),
	)
	d := fold(cfg, base)
	require.Equal(t, counter.RegimeV2026a, d.Regime)
	require.NotNil(t, d.ClockStart)
	require.True(t, d.ClockStart.Equal(at("2026-09-14 08:00")), "the clock starts at the competent agency: %v", d.ClockStart)
	want, err := cfg.Due(at("2026-09-14 08:00"), cfg.Procedure(procBuild).LeadTime)
	require.NoError(t, err)
	require.True(t, d.LegalDueAt.Equal(want), "due %v, want %v", d.LegalDueAt, want)

	// Before the transfer the clock has not started: nothing is due.
	first := fold(cfg, base[:1])
	require.Nil(t, first.ClockStart)
	require.Nil(t, first.DueAt)

	// The same story in v2025: the clock runs from the counter's receipt.
	evs, _ := shifted(base, at("2026-09-14 08:00"), at("2026-09-07 08:00"), at("2026-03-02 08:00"))
	d = fold(cfg, evs)
	require.Equal(t, counter.RegimeV2025, d.Regime)
	require.True(t, d.ClockStart.Equal(at("2026-03-02 08:00")), "v2025: clock from receipt, %v", d.ClockStart)
}

// TestSecondedDeskCharged: an unstaffed desk whose staff another agency
// seconds is also that agency's breach from v2025 (Decree 118/2025 Art.
// 11(8)), not under Decree 61.
func TestSecondedDeskCharged(t *testing.T) {
	cfg := regimeConfig()
	for _, c := range []struct {
		day  string
		want []string
	}{
		{"2026-03-10", []string{
			"desk_unstaffed so-xd-motcua 2026-03-10 10:15:00 open high",
			"desk_unstaffed px-hai-chau 2026-03-10 10:15:00 open high",
		}},
		{"2025-03-11", []string{"desk_unstaffed so-xd-motcua 2025-03-11 10:15:00 open high"}},
	} {
		t.Run(c.day, func(t *testing.T) {
			evs := history(shift(counter.ShiftStarted, c.day+" 07:30"), shift(counter.ShiftEnded, c.day+" 10:00"))
			for i := range evs {
				evs[i].Desk = "q2"
			}
			st := counter.DeskState{Agency: desk, Desk: "q2"}
			for _, e := range evs {
				st = violations.FoldDesk(st, e)
			}
			st.Watched = at(c.day + " 07:00")
			vs, _ := violations.New().EvaluateDesk(cfg, st, evs, at(c.day+" 11:00"))
			require.ElementsMatch(t, c.want, briefs(vs, ""))
			for _, v := range vs {
				require.Equal(t, cfg.HeadOfAt(v.Agency, v.OccurredAt), v.Head, "each is charged to its own head")
				if v.Agency == commune {
					require.Equal(t, desk, v.Details["counter"])
					require.Equal(t, "Nghị định 118/2025/NĐ-CP Điều 11 khoản 8", v.Basis)
				}
			}
		})
	}
}

// TestThresholdsPerVersion: rules.yaml may set a version's thresholds
// (`versions:`); a dossier is judged by those of its own version.
func TestThresholdsPerVersion(t *testing.T) {
	cfg := testConfig(func(r *counter.Rules) {
		v := *r
		v.SupplementWindow = counter.RuleDuration{Value: 10, Unit: "wd"}
		r.Versions = map[string]counter.Rules{counter.RegimeV2025: v}
	})
	base := history(
		received("2025-03-03 08:00", "2025-03-24 16:00"),
		ev(counter.SupplementRequested, "2025-03-10 09:00", desk, cbDesk, items("banve"), reason("bản vẽ thiếu")),
	)
	now := at("2025-03-11 09:00")
	vs, _ := violations.New().EvaluateDossier(cfg, fold(cfg, base), base, now)
	require.Len(t, briefs(vs, counter.VLateSupplementRequest), 1, "v2018: 3 working days")

	evs, judged := shifted(base, now, at("2025-03-03 08:00"), at("2025-09-08 08:00"))
	vs, _ = violations.New().EvaluateDossier(cfg, fold(cfg, evs), evs, judged)
	require.Empty(t, briefs(vs, counter.VLateSupplementRequest), "v2025 as configured: 10 working days")
}
