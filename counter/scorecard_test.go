package counter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time { t := at(s); return &t }

// TestJudge766 is Decision 766 item 2.1, case by case. The period is March
// 2026; judge is its end unless a case says otherwise.
func TestJudge766(t *testing.T) {
	from := at("2026-03-01 00:00")
	end := at("2026-03-31 23:59")
	tests := []struct {
		name            string
		d               counter.Dossier
		judge           time.Time
		counted, onTime bool
	}{
		{"finished before the promised time",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-09 10:00")}, end, true, true},
		{"finished at the promised instant is on time",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-10 17:00")}, end, true, true},
		{"finished after the promised time",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-11 08:00")}, end, true, false},
		{"late though an apology moved the due time: the promise before it counts",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), DueAt: tp("2026-03-20 17:00"),
				Reschedules: 1, FinishedAt: tp("2026-03-15 08:00")}, end, true, false},
		{"open at the period end and not yet due: in progress on time",
			counter.Dossier{ReceivedAt: tp("2026-03-25 08:00"), PromisedDueAt: tp("2026-04-10 17:00")}, end, true, true},
		{"open at the period end and past due: late",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00")}, end, true, false},
		{"open, judged before the period ends (now), not yet due",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-20 17:00")}, at("2026-03-15 12:00"), true, true},
		{"waiting on a supplement asked before the due time: the request time is the end",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), PausedAt: tp("2026-03-05 09:00"),
				Supplements: counter.Supplements{Appraisal: 1}}, end, true, true},
		{"waiting on a supplement asked after the due time: late",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), PausedAt: tp("2026-03-12 09:00"),
				Supplements: counter.Supplements{Appraisal: 1}}, end, true, false},
		{"one supplement, then finished within the restarted period",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), ClockStart: tp("2026-03-12 08:00"), PromisedDueAt: tp("2026-03-27 17:00"),
				FinishedAt: tp("2026-03-26 10:00"), Supplements: counter.Supplements{Appraisal: 1}}, end, true, true},
		{"two supplement requests: late, however fast",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-27 17:00"), FinishedAt: tp("2026-03-03 10:00"),
				Supplements: counter.Supplements{Appraisal: 2}}, end, true, false},
		{"two supplement requests, still waiting: late",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-27 17:00"), PausedAt: tp("2026-03-04 10:00"),
				Supplements: counter.Supplements{Appraisal: 2}}, end, true, false},
		{"requests at the counter before receipt do not count",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-09 10:00"),
				Supplements: counter.Supplements{Intake: 3}}, end, true, true},
		{"received in an earlier period, finished in this one: counted",
			counter.Dossier{ReceivedAt: tp("2026-02-20 08:00"), PromisedDueAt: tp("2026-03-03 17:00"), FinishedAt: tp("2026-03-02 10:00")}, end, true, true},
		{"received in an earlier period, open through this one: counted, judged at its end",
			counter.Dossier{ReceivedAt: tp("2026-02-20 08:00"), PromisedDueAt: tp("2026-03-03 17:00")}, end, true, false},
		{"finished before the period: not counted",
			counter.Dossier{ReceivedAt: tp("2026-02-20 08:00"), PromisedDueAt: tp("2026-03-03 17:00"), FinishedAt: tp("2026-02-27 10:00")}, end, false, false},
		{"received after the judging instant: not counted",
			counter.Dossier{ReceivedAt: tp("2026-03-20 08:00"), PromisedDueAt: tp("2026-03-30 17:00")}, at("2026-03-15 12:00"), false, false},
		{"never received (intake): not counted",
			counter.Dossier{Status: counter.DossierIntake}, end, false, false},
		{"refused at intake: not counted",
			counter.Dossier{Status: counter.DossierRefused}, end, false, false},
		{"withdrawn after receipt ends processing at the withdrawal",
			counter.Dossier{Status: counter.DossierWithdrawn, ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"),
				FinishedAt: tp("2026-03-04 08:00")}, end, true, true},
		{"rejected after the due time: late",
			counter.Dossier{Status: counter.DossierRejected, ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"),
				FinishedAt: tp("2026-03-12 08:00")}, end, true, false},
		{"no slip: the legal due time is the promise",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), LegalDueAt: tp("2026-03-05 23:59"), FinishedAt: tp("2026-03-05 16:00")}, end, true, true},
		{"result ready on time, returned late: the first end counts",
			counter.Dossier{ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-10 09:00"),
				ReturnedAt: tp("2026-03-16 09:00")}, end, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counted, onTime := counter.Judge766(&tt.d, from, tt.judge)
			if counted != tt.counted || onTime != tt.onTime {
				t.Fatalf("counted=%v on_time=%v, want %v %v", counted, onTime, tt.counted, tt.onTime)
			}
		})
	}
}

// TestScore checks the formula and the bands of the defaults.
func TestScore(t *testing.T) {
	r := counter.DefaultScoreRules()
	rate := func(f float64) *float64 { return &f }
	tests := []struct {
		name    string
		rate    *float64
		counted int
		v       counter.SeverityCounts
		score   float64
		band    string
	}{
		{"perfect", rate(1), 100, counter.SeverityCounts{}, 100, counter.BandExcellent},
		{"no dossiers, no breaches", nil, 0, counter.SeverityCounts{}, 100, counter.BandExcellent},
		// 70·0.9 + 30·(1 − 15/100) = 63 + 25.5
		{"some late, some breaches", rate(0.9), 100, counter.SeverityCounts{High: 3, Medium: 2, Low: 2}, 88.5, counter.BandGood},
		// breach points are measured against at least 10 dossiers: 30·(1 − 6/10)
		{"small sample", rate(1), 2, counter.SeverityCounts{High: 2}, 82, counter.BandGood},
		{"breaches beyond the workload floor at zero", rate(0.5), 10, counter.SeverityCounts{High: 50}, 35, counter.BandNotCompleted},
		{"band boundary is inclusive", rate(0.5), 10, counter.SeverityCounts{}, 65, counter.BandCompleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := r.Score(tt.rate, tt.counted, tt.v)
			if s != tt.score {
				t.Fatalf("score=%v, want %v", s, tt.score)
			}
			if b := r.BandOf(s); b.Code != tt.band {
				t.Fatalf("band=%v, want %v", b.Code, tt.band)
			}
		})
	}
	r.Bands[2].Min = 65
	require.Equal(t, counter.BandCompleted, r.BandOf(65).Code)
	require.Equal(t, counter.BandNotCompleted, r.BandOf(64.9).Code)
}

// smallCity is a city with two districts, each with a counter, and a ward.
func smallCity() *counter.Config {
	root := &counter.Agency{ID: "tp", Name: "UBND thành phố", Level: counter.LevelCity, Head: counter.Head{Name: "A", Title: "Chủ tịch"},
		Children: []*counter.Agency{
			{ID: "q1", Name: "UBND quận 1", Level: counter.LevelDistrict, Head: counter.Head{Name: "B", Title: "Chủ tịch"},
				Children: []*counter.Agency{
					{ID: "q1-mc", Name: "Một cửa quận 1", Level: counter.LevelCounter, Head: counter.Head{Name: "C", Title: "Trưởng"}},
					{ID: "q1-p", Name: "Phòng quận 1", Level: counter.LevelDivision, Head: counter.Head{Name: "D", Title: "Trưởng phòng"}},
				}},
			{ID: "q2", Name: "UBND quận 2", Level: counter.LevelDistrict, Head: counter.Head{Name: "E", Title: "Chủ tịch"},
				Children: []*counter.Agency{
					{ID: "q2-mc", Name: "Một cửa quận 2", Level: counter.LevelCounter, Head: counter.Head{Name: "F", Title: "Trưởng"}},
				}},
		}}
	cal := &calendar.Calendar{Location: hcm, Weekend: map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{{Start: 8 * time.Hour, End: 17 * time.Hour}}}
	return counter.NewConfig(root, nil, nil, cal, counter.DefaultRules())
}

// TestComputeScorecards: counts come from the roll-up days of the period,
// breaches and the 766 rate from the subtree, ranks within each level; a
// dossier held by another district counts for both districts' rates.
func TestComputeScorecards(t *testing.T) {
	cfg := smallCity()
	now := at("2026-04-10 12:00")
	march := counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}
	plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: "tp", Periods: []counter.Period{march}, Now: now})
	require.Equal(t, []time.Time{march.End(hcm)}, plan.Instants())

	final := func(d counter.Dossier) counter.DossierTrack {
		d.UpdatedAt = at("2026-03-20 00:00")
		return counter.DossierTrack{Final: &d}
	}
	in := &counter.ScorecardInput{
		Days: map[string][]counter.DayCount{
			"q1":    {{Day: 20260228, Received: 9}, {Day: 20260302, Received: 2, Finished: 1, OnTime: 1}, {Day: 20260331, Finished: 1}},
			"q1-mc": {{Day: 20260302, Received: 2, Finished: 1, OnTime: 1}, {Day: 20260401, Received: 7}},
		},
		Violations: []counter.ViolationMark{
			{Agency: "q1-mc", Severity: counter.SeverityHigh, OccurredAt: at("2026-03-05 10:00")},
			{Agency: "q1-p", Severity: counter.SeverityLow, OccurredAt: at("2026-03-31 23:00")},
			{Agency: "q2-mc", Severity: counter.SeverityMedium, OccurredAt: at("2026-04-01 00:00")}, // after the period
		},
		Dossiers: []counter.DossierTrack{
			final(counter.Dossier{Agency: "q1-mc", Holder: "q1-p", ReceivedAt: tp("2026-03-02 08:00"), PromisedDueAt: tp("2026-03-10 17:00"),
				DueAt: tp("2026-03-10 17:00"), FinishedAt: tp("2026-03-09 10:00")}),
			final(counter.Dossier{Agency: "q1-mc", Holder: "q1-p", ReceivedAt: tp("2026-03-02 09:00"), PromisedDueAt: tp("2026-03-10 17:00"),
				DueAt: tp("2026-03-10 17:00"), Status: counter.DossierProcessing}), // open and overdue at the end
			final(counter.Dossier{Agency: "q2-mc", Holder: "q1-p", ReceivedAt: tp("2026-03-03 09:00"), PromisedDueAt: tp("2026-03-12 17:00"),
				DueAt: tp("2026-03-12 17:00"), FinishedAt: tp("2026-03-11 10:00")}),
		},
	}
	cards := counter.ComputeScorecards(cfg, plan, in)[0]
	byID := map[string]counter.Scorecard{}
	var order []string
	for _, c := range cards {
		byID[c.Agency] = c
		order = append(order, c.Agency)
	}
	require.Equal(t, []string{"tp", "q1", "q1-mc", "q1-p", "q2", "q2-mc"}, order)

	q1 := byID["q1"]
	require.Equal(t, 2, q1.Received)
	require.Equal(t, 2, q1.Finished)
	require.Equal(t, 1, q1.OnTime)
	require.Equal(t, counter.SeverityCounts{High: 1, Low: 1}, q1.Violations)
	require.Equal(t, counter.Count766{Counted: 3, OnTime: 2}, q1.Decision766)
	require.InDelta(t, 2.0/3, *q1.OnTimeRate, 1e-9)
	require.Equal(t, 1, q1.OverdueOpen)
	require.Equal(t, counter.Head{Name: "B", Title: "Chủ tịch"}, q1.Head)
	require.Equal(t, counter.PeriodJSON{From: "2026-03-01", To: "2026-03-31"}, q1.Period)

	q2 := byID["q2"]
	require.Equal(t, counter.Count766{Counted: 1, OnTime: 1}, q2.Decision766)
	require.Equal(t, counter.SeverityCounts{}, q2.Violations)
	require.Equal(t, 100.0, q2.Score)
	require.Equal(t, counter.BandExcellent, q2.Band)
	require.Equal(t, "Hoàn thành xuất sắc nhiệm vụ", q2.BandName)

	// Ranks: the two districts, then the counters, each among their level.
	require.Equal(t, [2]int{1, 2}, [2]int{q2.Rank, q2.RankOf})
	require.Equal(t, [2]int{2, 2}, [2]int{q1.Rank, q1.RankOf})
	require.Equal(t, [2]int{1, 1}, [2]int{byID["tp"].Rank, byID["tp"].RankOf})
	require.Equal(t, 2, byID["q1-mc"].RankOf)
	require.Equal(t, 1, byID["q2-mc"].Rank)
	require.Equal(t, byID["tp"].Decision766.Counted, 3)
}

// TestRankTies: equal scores share a rank and the next one skips.
func TestRankTies(t *testing.T) {
	cfg := smallCity()
	cfg.Agency("tp").Children = append(cfg.Agency("tp").Children,
		&counter.Agency{ID: "q3", Name: "UBND quận 3", Level: counter.LevelDistrict})
	cfg = counter.NewConfig(cfg.Root, nil, nil, cfg.Calendar, cfg.Rules)
	march := counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}
	plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: "tp", Periods: []counter.Period{march}, Now: at("2026-04-01 08:00")})
	in := &counter.ScorecardInput{Violations: []counter.ViolationMark{{Agency: "q2", Severity: counter.SeverityHigh, OccurredAt: at("2026-03-05 10:00")}}}
	ranks := map[string]int{}
	for _, c := range counter.ComputeScorecards(cfg, plan, in)[0] {
		if c.Level == counter.LevelDistrict {
			ranks[c.Agency] = c.Rank
		}
	}
	require.Equal(t, map[string]int{"q1": 1, "q3": 1, "q2": 3}, ranks)
}

// TestHeadTerms: a head who changes mid-period gives two cards, each for
// its part of the period, judged at its end.
func TestHeadTerms(t *testing.T) {
	cfg := smallCity()
	march := counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}
	headAt := func(agency string, t time.Time) counter.Head {
		if agency == "q2" && !t.Before(at("2026-03-16 00:00")) {
			return counter.Head{Name: "G", Title: "Chủ tịch"}
		}
		h := cfg.HeadOf(agency)
		return counter.Head{Name: h.Name, Title: h.Title}
	}
	plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: "q2", Periods: []counter.Period{march}, Now: at("2026-04-01 08:00"), HeadAt: headAt})
	require.Len(t, plan.Instants(), 2)
	in := &counter.ScorecardInput{Violations: []counter.ViolationMark{{Agency: "q2-mc", Severity: counter.SeverityHigh, OccurredAt: at("2026-03-20 10:00")}}}
	cards := counter.ComputeScorecards(cfg, plan, in)[0]
	require.Len(t, cards, 3)
	require.Equal(t, "E", cards[0].Head.Name)
	require.Equal(t, counter.PeriodJSON{From: "2026-03-01", To: "2026-03-15"}, cards[0].Period)
	require.Equal(t, 0, cards[0].Violations.High)
	require.Equal(t, "G", cards[1].Head.Name)
	require.Equal(t, counter.PeriodJSON{From: "2026-03-16", To: "2026-03-31"}, cards[1].Period)
	require.Equal(t, 1, cards[1].Violations.High)
	require.Equal(t, 2, cards[0].RankOf)
}

// TestMonths: twelve calendar months ending with the month of a day, the
// last cut at that day.
func TestMonths(t *testing.T) {
	ms := counter.Months(calendar.Date{Year: 2026, Month: 3, Day: 11}, 12)
	require.Len(t, ms, 12)
	require.Equal(t, counter.Period{From: calendar.Date{Year: 2025, Month: 4, Day: 1}, To: calendar.Date{Year: 2025, Month: 4, Day: 30}}, ms[0])
	require.Equal(t, calendar.Date{Year: 2026, Month: 2, Day: 28}, ms[10].To)
	require.Equal(t, counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 11}}, ms[11])
}
