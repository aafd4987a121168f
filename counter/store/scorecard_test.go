package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

var march = counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}

// scoreHistory records five dossiers around March 2026 (procedure 1.002:
// three working days):
//
//	D1 q1 counter, 02/3, on time; transferred to the division
//	D2 q1 counter, 30/3, open at the end of March, supplement asked in April
//	D3 ward counter, 25/2, finished late on 04/3: processed in March
//	D4 q2 counter, February only
//	D5 q1 counter, 03/3, two supplement requests: late for 766
func scoreHistory(t *testing.T) (*store.Store, *counter.Config) {
	t.Helper()
	c := &clock{}
	c.Set("2026-04-10 08:00")
	s := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: violations.New()})
	ev := func(id, typ, dossier, agency, when string) counter.Event {
		e := counter.Event{ID: id, Type: counter.EventType(typ), Dossier: dossier, At: at(when), Agency: agency}
		switch e.Type {
		case counter.Received:
			e.Procedure, e.Channel = "1.002", counter.ChannelDirect
			e.Applicant = &counter.Applicant{Name: "Người nộp " + dossier, Phone: "0905000000"}
		case counter.SupplementRequested:
			e.Items, e.Reason = []counter.Item{{Code: "giay_de_nghi", Name: "Giấy đề nghị"}}, "Thiếu chữ ký"
		case counter.Rejected:
			e.Reason = "Không đủ điều kiện"
		}
		return e
	}
	events := []counter.Event{
		ev("1a", "received", "D1", "q1-motcua", "2026-03-02 08:00"),
		ev("1b", "transferred", "D1", "q1-motcua", "2026-03-02 09:00"),
		ev("1c", "result_ready", "D1", "q1-tnmt", "2026-03-04 10:00"),
		ev("2a", "received", "D2", "q1-motcua", "2026-03-30 08:00"),
		ev("2b", "supplement_requested", "D2", "q1-motcua", "2026-04-01 09:00"),
		ev("3a", "received", "D3", "p1-motcua", "2026-02-25 08:00"),
		ev("3b", "rejected", "D3", "p1-motcua", "2026-03-04 10:00"),
		ev("4a", "received", "D4", "q2-motcua", "2026-02-10 08:00"),
		ev("4b", "result_ready", "D4", "q2-motcua", "2026-02-11 08:00"),
		ev("5a", "received", "D5", "q1-motcua", "2026-03-03 08:00"),
		ev("5b", "supplement_requested", "D5", "q1-motcua", "2026-03-03 09:00"),
		ev("5c", "supplement_received", "D5", "q1-motcua", "2026-03-04 09:00"),
		ev("5d", "supplement_requested", "D5", "q1-motcua", "2026-03-04 10:00"),
		ev("5e", "supplement_received", "D5", "q1-motcua", "2026-03-05 09:00"),
		ev("5f", "result_ready", "D5", "q1-motcua", "2026-03-05 10:00"),
	}
	events[1].To = "q1-tnmt"
	for _, e := range events {
		_, err := s.Record(context.Background(), []counter.Event{e})
		require.NoError(t, err, e.ID)
	}
	return s, testConfig()
}

// TestScorecardInput: the read gives the 766 judge what it needs: the
// dossiers of the subtree still open in the period, the state at the
// period's end of one that changed after it, the roll-up days, and only
// the violations that count.
func TestScorecardInput(t *testing.T) {
	s, cfg := scoreHistory(t)
	ctx := context.Background()
	now := at("2026-04-10 08:00")
	plan := counter.PlanScorecards(cfg, counter.ScorecardRequest{Agency: "tp", Periods: []counter.Period{march}, Now: now})
	in, err := s.ScorecardInputScan(ctx, plan)
	require.NoError(t, err)

	codes := map[string]*counter.DossierTrack{}
	for i := range in.Dossiers {
		codes[in.Dossiers[i].Final.Code] = &in.Dossiers[i]
	}
	require.Len(t, codes, 4, "D4 finished before March")
	require.NotContains(t, codes, "D4")
	// The light decoder reads what the full one does.
	for code, tr := range codes {
		d, _, _, err := s.FindDossierByCode(ctx, code)
		require.NoError(t, err)
		require.Equal(t, d.Agency, tr.Final.Agency, code)
		require.Equal(t, d.Holder, tr.Final.Holder, code)
		require.Equal(t, d.Status, tr.Final.Status, code)
		require.Equal(t, d.Supplements, tr.Final.Supplements, code)
		for _, p := range [][2]*time.Time{{d.ReceivedAt, tr.Final.ReceivedAt}, {d.FinishedAt, tr.Final.FinishedAt},
			{d.PromisedDueAt, tr.Final.PromisedDueAt}, {d.DueAt, tr.Final.DueAt}, {d.PausedAt, tr.Final.PausedAt}, {d.LegalDueAt, tr.Final.LegalDueAt}} {
			require.Equal(t, p[0] == nil, p[1] == nil, code)
			if p[0] != nil {
				require.True(t, p[0].Equal(*p[1]), code)
			}
		}
		require.True(t, d.UpdatedAt.Equal(tr.Final.UpdatedAt), code)
	}
	// D2 was asked for a supplement in April: at the end of March it ran.
	end := march.End(hcm)
	d2 := codes["D2"].At(end)
	require.NotNil(t, d2)
	require.Nil(t, d2.PausedAt)
	require.NotNil(t, codes["D2"].Final.PausedAt)
	require.Nil(t, codes["D1"].Past, "D1 did not change after March")

	cards := counter.ComputeScorecards(cfg, plan, in)[0]
	// The kept tracks and day counts give the same cards.
	fast, err := s.ScorecardInput(ctx, plan)
	require.NoError(t, err)
	require.Equal(t, cards, counter.ComputeScorecards(cfg, plan, fast)[0])
	by := map[string]counter.Scorecard{}
	for _, c := range cards {
		by[c.Agency] = c
	}
	// D1 on time, D2 running and not yet due, D3 late (ward, under q1), D5
	// two requests.
	require.Equal(t, counter.Count766{Counted: 4, OnTime: 2}, by["q1"].Decision766)
	require.Equal(t, counter.Count766{Counted: 1, OnTime: 1}, by["q1-tnmt"].Decision766, "D1 was held there")
	require.Equal(t, counter.Count766{Counted: 1, OnTime: 0}, by["p1"].Decision766)
	require.Equal(t, counter.Count766{}, by["q2"].Decision766)

	// Received, finished and on time are the roll-up's for March.
	node, err := s.Rollup(ctx, "tp", march.Start(hcm), march.End(hcm))
	require.NoError(t, err)
	var walk func(n *counter.RollupNode)
	walk = func(n *counter.RollupNode) {
		c := by[n.Agency]
		require.Equal(t, [3]int{n.Received, n.Finished, n.OnTime}, [3]int{c.Received, c.Finished, c.OnTime}, n.Agency)
		total := 0
		for _, k := range n.Total {
			total += k
		}
		require.Equal(t, total, c.Violations.High+c.Violations.Medium+c.Violations.Low, n.Agency)
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(node)
	require.Equal(t, 3, by["q1"].Received)
	require.Positive(t, by["tp"].Violations.High, "D5's second request is a breach")
}

// TestEachRegisterRow: the register lists the dossiers a counter of the
// subtree received in the period, oldest first, with the handovers, across
// read chunks.
func TestEachRegisterRow(t *testing.T) {
	s, _ := scoreHistory(t)
	ctx := context.Background()
	var rows []store.RegisterRow
	require.NoError(t, s.EachRegisterRow(ctx, "q1", march.Start(hcm), march.End(hcm), func(r store.RegisterRow) error {
		rows = append(rows, r)
		return nil
	}))
	var codes []string
	for _, r := range rows {
		codes = append(codes, r.Dossier.Code)
	}
	require.Equal(t, []string{"D1", "D5", "D2"}, codes, "D3 was received in February")
	require.True(t, rows[0].TransferredAt.Equal(at("2026-03-02 09:00")))
	require.Equal(t, "q1-tnmt", rows[0].TransferredTo)
	require.True(t, rows[0].ResultAt.Equal(at("2026-03-04 10:00")))
	require.Nil(t, rows[2].ResultAt)
	require.Equal(t, "Người nộp D1", rows[0].Dossier.Applicant.Name)

	rows = nil
	require.NoError(t, s.EachRegisterRow(ctx, "p1", at("2026-02-01 00:00"), march.End(hcm), func(r store.RegisterRow) error {
		rows = append(rows, r)
		return nil
	}))
	require.Len(t, rows, 1)
	require.Equal(t, "Không đủ điều kiện", rows[0].EndReason)

	stop := fmt.Errorf("stop")
	require.ErrorIs(t, s.EachRegisterRow(ctx, "tp", march.Start(hcm), march.End(hcm), func(store.RegisterRow) error { return stop }), stop)
	_, err := s.ScorecardInput(ctx, counter.PlanScorecards(testConfig(), counter.ScorecardRequest{Agency: "nowhere", Periods: []counter.Period{march}, Now: at("2026-04-10 08:00")}))
	require.Equal(t, counter.CodeNotFound, counter.ErrorCode(err))
}

// TestEachRegisterRowChunks: more rows than one read transaction gathers
// come out once each, in order.
func TestEachRegisterRowChunks(t *testing.T) {
	c := &clock{}
	c.Set("2026-04-10 08:00")
	s := MustOpenStore(t, store.Options{Now: c.Now, NoSync: true})
	const n = 600
	var batch []counter.Event
	for i := 0; i < n; i++ {
		batch = append(batch, received(fmt.Sprintf("e%d", i), fmt.Sprintf("C%04d", i), "q2-motcua", at("2026-03-02 08:00").Add(time.Duration(i)*time.Minute)))
	}
	_, err := s.Record(context.Background(), batch)
	require.NoError(t, err)
	i := 0
	require.NoError(t, s.EachRegisterRow(context.Background(), "tp", march.Start(hcm), march.End(hcm), func(r store.RegisterRow) error {
		require.Equal(t, fmt.Sprintf("C%04d", i), r.Dossier.Code)
		i++
		return nil
	}))
	require.Equal(t, n, i)
}

// TestEachRegisterRowTies: dossiers received at the same instant come in
// code order, even when their run is longer than a read chunk.
func TestEachRegisterRowTies(t *testing.T) {
	c := &clock{}
	c.Set("2026-04-10 08:00")
	s := MustOpenStore(t, store.Options{Now: c.Now, NoSync: true})
	const n = 300
	var batch []counter.Event
	for i := 0; i < n; i++ {
		batch = append(batch, received(fmt.Sprintf("t%d", i), fmt.Sprintf("T%04d", i), "q2-motcua", at("2026-03-02 08:00")))
	}
	batch = append(batch, received("late", "A-LATE", "q2-motcua", at("2026-03-03 08:00")))
	_, err := s.Record(context.Background(), batch)
	require.NoError(t, err)
	var codes []string
	require.NoError(t, s.EachRegisterRow(context.Background(), "q2", march.Start(hcm), march.End(hcm), func(r store.RegisterRow) error {
		codes = append(codes, r.Dossier.Code)
		return nil
	}))
	require.Len(t, codes, n+1)
	for i := 0; i < n; i++ {
		require.Equal(t, fmt.Sprintf("T%04d", i), codes[i])
	}
	require.Equal(t, "A-LATE", codes[n])
}
