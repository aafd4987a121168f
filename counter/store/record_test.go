package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/stretchr/testify/require"
)

func ev(id string, typ counter.EventType, dossier, agency, when string) counter.Event {
	return counter.Event{ID: id, Type: typ, Dossier: dossier, At: at(when), Agency: agency}
}

// TestAcceptance walks every acceptance rule of SPEC.md §3: each case
// records setup events, then one more that must be refused with the code
// and field given, leaving nothing behind.
func TestAcceptance(t *testing.T) {
	rcv := received("r1", "D1", "q1-motcua", at("2026-03-10 08:15"))
	tests := []struct {
		name  string
		setup []counter.Event
		e     counter.Event
		code  string
		field string
	}{
		{"unknown dossier", nil, ev("x", counter.ResultReady, "NOPE", "q1-motcua", "2026-03-10 09:00"), counter.CodeDossierNotFound, "dossier"},
		{"unknown procedure", nil, func() counter.Event { e := rcv; e.Procedure = "9.999"; return e }(), counter.CodeUnknownProcedure, "procedure"},
		{"unknown agency", nil, func() counter.Event { e := rcv; e.Agency = "nowhere"; return e }(), counter.CodeUnknownAgency, "agency"},
		{"unknown official", nil, func() counter.Event { e := rcv; e.Official = "cb-999"; return e }(), counter.CodeUnknownOfficial, "official"},
		{"official of another agency", nil, func() counter.Event { e := rcv; e.Official = "cb-4"; return e }(), counter.CodeUnknownOfficial, "official"},
		{"unknown transfer target", []counter.Event{rcv}, func() counter.Event {
			e := ev("x", counter.Transferred, "D1", "q1-motcua", "2026-03-10 09:00")
			e.To = "nowhere"
			return e
		}(), counter.CodeUnknownAgency, "to"},
		{"unknown desk", nil, counter.Event{ID: "s", Type: counter.ShiftStarted, At: at("2026-03-10 07:30"), Agency: "q1-motcua", Desk: "d9"}, counter.CodeUnknownDesk, "desk"},
		{"unknown document code", []counter.Event{rcv}, func() counter.Event {
			e := ev("x", counter.SupplementRequested, "D1", "q1-motcua", "2026-03-10 09:00")
			e.Items = []counter.Item{{Code: "no_such_paper"}}
			return e
		}(), counter.CodeUnknownDocument, "items[0].code"},
		{"in the future", nil, func() counter.Event { e := rcv; e.At = at("2026-03-10 12:06"); return e }(), counter.CodeEventInFuture, "at"},
		{"closed dossier", []counter.Event{rcv, ev("rr", counter.ResultReady, "D1", "q1-motcua", "2026-03-10 10:00"), ev("rt", counter.Returned, "D1", "q1-motcua", "2026-03-10 10:30")},
			func() counter.Event {
				e := ev("x", counter.ApologyIssued, "D1", "q1-motcua", "2026-03-10 11:00")
				e.NewDueAt = at("2026-03-20 11:00")
				return e
			}(), counter.CodeDossierClosed, "dossier"},
		{"before creation", []counter.Event{rcv}, ev("x", counter.ResultReady, "D1", "q1-motcua", "2026-03-09 10:00"), counter.CodeBeforeCreation, "at"},
		{"second received", []counter.Event{rcv}, func() counter.Event { e := rcv; e.ID = "r2"; e.At = at("2026-03-10 09:00"); return e }(), counter.CodeAlreadyReceived, "type"},
		{"transfer by non-holder", []counter.Event{rcv}, func() counter.Event {
			e := ev("x", counter.Transferred, "D1", "q1-tnmt", "2026-03-10 09:00")
			e.To = "q1-motcua"
			return e
		}(), counter.CodeNotHolder, "agency"},
		{"transfer to holder", []counter.Event{rcv}, func() counter.Event {
			e := ev("x", counter.Transferred, "D1", "q1-motcua", "2026-03-10 09:00")
			e.To = "q1-motcua"
			return e
		}(), counter.CodeInvalid, "to"},
		{"id reused with another body", []counter.Event{rcv}, func() counter.Event { e := rcv; e.Dossier = "D2"; return e }(), counter.CodeEventIDConflict, "id"},
		{"missing procedure on receipt", nil, func() counter.Event { e := rcv; e.Procedure = ""; return e }(), counter.CodeInvalid, "procedure"},
		{"bad channel", nil, func() counter.Event { e := rcv; e.Channel = "fax"; return e }(), counter.CodeInvalid, "channel"},
		{"supplement received with none open", []counter.Event{rcv}, ev("x", counter.SupplementReceived, "D1", "q1-motcua", "2026-03-10 09:00"), counter.CodeNoOpenSupplement, "type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{}
			c.Set("2026-03-10 12:00")
			s := MustOpenStore(t, store.Options{Now: c.Now})
			ctx := context.Background()
			for _, e := range tt.setup {
				_, err := s.Record(ctx, []counter.Event{e})
				require.NoError(t, err)
			}
			_, err := s.Record(ctx, []counter.Event{tt.e})
			require.Error(t, err)
			var ce *counter.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.code, ce.Code, "err=%v", err)
			require.Equal(t, tt.field, ce.Field)
			require.NotEmpty(t, ce.MessageVI)
			v, err := s.Verify()
			require.NoError(t, err)
			require.Equal(t, uint64(len(tt.setup)), v.Events, "a refused event must store nothing")
		})
	}
}

func TestComplaintOnClosedDossierIsAccepted(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	s := MustOpenStore(t, store.Options{Now: c.Now})
	ctx := context.Background()
	for _, e := range []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-10 08:00")),
		ev("w", counter.Withdrawn, "D1", "q1-motcua", "2026-03-10 09:00")} {
		_, err := s.Record(ctx, []counter.Event{e})
		require.NoError(t, err)
	}
	cf := ev("c1", counter.ComplaintFiled, "D1", "q1-motcua", "2026-03-10 10:00")
	cf.Complaint, cf.Category = "K1", "attitude"
	_, err := s.Record(ctx, []counter.Event{cf})
	require.NoError(t, err)
}

func TestIdempotentRetry(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	s := MustOpenStore(t, store.Options{Now: c.Now})
	ctx := context.Background()
	e := received("r1", "D1", "q1-motcua", at("2026-03-10 08:15"))
	e.Applicant = &counter.Applicant{Name: "Hoàng E", IDNumber: "048090000123"}
	first, err := s.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	require.False(t, first.Replayed)
	require.Empty(t, first.Events[0].Applicant.IDNumber, "id numbers are never stored in clear")
	require.NotEmpty(t, first.Events[0].Applicant.IDHash)

	c.Advance(time.Minute)
	again, err := s.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, first.Events[0].Seq, again.Events[0].Seq)
	require.True(t, first.Events[0].RecordedAt.Equal(again.Events[0].RecordedAt))

	v, err := s.Verify()
	require.NoError(t, err)
	require.Equal(t, uint64(1), v.Events)
}

func TestBatchIsAtomic(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	s := MustOpenStore(t, store.Options{Now: c.Now})
	ctx := context.Background()
	bad := ev("t1", counter.Transferred, "D1", "q1-motcua", "2026-03-10 09:00")
	bad.To = "q1-motcua"
	_, err := s.Record(ctx, []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-10 08:15")), bad})
	var ce *counter.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "events[1].to", ce.Field)
	_, _, _, err = s.FindDossierByCode(ctx, "D1")
	require.Equal(t, counter.CodeDossierNotFound, counter.ErrorCode(err), "the first event of a refused batch must not be stored")

	good := bad
	good.To = "q1-tnmt"
	res, err := s.Record(ctx, []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-10 08:15")), good})
	require.NoError(t, err)
	require.Len(t, res.Events, 2)
	require.Equal(t, "q1-tnmt", res.Dossiers[0].Holder)
	require.Equal(t, res.Events[0].RecordedAt, res.Events[1].RecordedAt, "a batch shares one recorded_at")
}

func TestDerivedState(t *testing.T) {
	c := &clock{}
	c.Set("2026-02-13 16:00")
	s := MustOpenStore(t, store.Options{Now: c.Now})
	ctx := context.Background()
	// Received on the Friday before Tết 2026 (16–20/02 off): 3 working days
	// count Mon 23, Tue 24, Wed 25, so the legal due time is 25/02 23:59:59.
	e := received("r1", "D1", "q1-motcua", at("2026-02-13 15:30"))
	e.Procedure = "1.002"
	_, err := s.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	d, evs, _, err := s.FindDossierByCode(ctx, "D1")
	require.NoError(t, err)
	require.Len(t, evs, 1)
	want := time.Date(2026, 2, 25, 23, 59, 59, 0, hcm)
	require.True(t, d.LegalDueAt.Equal(want), "legal_due_at=%v, want %v", d.LegalDueAt, want)
	require.True(t, d.DueAt.Equal(want))
	require.Equal(t, counter.ClockOnTrack, d.Clock.State)
	require.NotEmpty(t, d.TrackingKey)
}

func TestConcurrentWritersShareCommits(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	var mu sync.Mutex
	commits := 0
	s := MustOpenStore(t, store.Options{Now: c.Now, OnCommit: func(time.Duration) { mu.Lock(); commits++; mu.Unlock() }})
	ctx := context.Background()
	const writers, each = 16, 20
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				code := fmt.Sprintf("D-%d-%d", w, i)
				_, err := s.Record(ctx, []counter.Event{received(code, code, "q1-motcua", at("2026-03-10 08:15"))})
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	v, err := s.Verify()
	require.NoError(t, err)
	require.True(t, v.OK)
	require.Equal(t, uint64(writers*each), v.Events)
	ds, _, err := s.FindDossiers(ctx, counter.DossierFilter{Agency: "tp", Limit: 500})
	require.NoError(t, err)
	require.Len(t, ds, writers*each)
}

func TestFindDossiersPagesNewestFirstWithinSubtree(t *testing.T) {
	c := &clock{}
	c.Set("2026-03-10 12:00")
	s := MustOpenStore(t, store.Options{Now: c.Now})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		code := fmt.Sprintf("P%d", i)
		_, err := s.Record(ctx, []counter.Event{received(code, code, "p1-motcua", at("2026-03-10 08:00").Add(time.Duration(i)*time.Minute))})
		require.NoError(t, err)
	}
	_, err := s.Record(ctx, []counter.Event{received("other", "Q2", "q2-motcua", at("2026-03-10 09:00"))})
	require.NoError(t, err)

	var got []string
	cursor := ""
	for {
		ds, next, err := s.FindDossiers(ctx, counter.DossierFilter{Agency: "q1", Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, d := range ds {
			got = append(got, d.Code)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"P4", "P3", "P2", "P1", "P0"}, got, "district q1 sees its ward's dossiers, newest first, and not q2's")

	_, _, err = s.FindDossiers(ctx, counter.DossierFilter{Agency: "q1", Cursor: "!!"})
	require.Equal(t, counter.CodeInvalidParam, counter.ErrorCode(err))
	_, _, err = s.FindDossiers(ctx, counter.DossierFilter{Agency: "nowhere"})
	require.Equal(t, counter.CodeNotFound, counter.ErrorCode(err))
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/m.db"
	c := &clock{}
	c.Set("2026-03-10 12:00")
	opts := store.Options{Now: c.Now}
	s, err := store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	_, err = s.Record(context.Background(), []counter.Event{received("r1", "D1", "q1-motcua", at("2026-03-10 08:00"))})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = store.Open(path, testConfig(), opts)
	require.NoError(t, err)
	defer s.Close()
	d, _, _, err := s.FindDossierByCode(context.Background(), "D1")
	require.NoError(t, err)
	require.Equal(t, "q1-motcua", d.Holder)
	res, err := s.Record(context.Background(), []counter.Event{received("r2", "D2", "q1-motcua", at("2026-03-10 08:00"))})
	require.NoError(t, err)
	require.Equal(t, uint64(2), res.Events[0].Seq, "seq continues after reopen")
	require.Equal(t, d.TrackingKey, s.TrackingKey("D1"), "the key file survives restarts")
}

// TestRecordCallBound: a call carries at most the API's 1,000 events,
// refused whole with too_many_events beyond; a store opened for an
// offline import (Options.MaxCall) takes larger calls, stored as one.
func TestRecordCallBound(t *testing.T) {
	ctx := context.Background()
	calls := func(n int) []counter.Event {
		out := make([]counter.Event, n)
		for i := range out {
			out[i] = received(fmt.Sprintf("r%d", i), fmt.Sprintf("D%d", i), "q1-motcua", at("2026-03-10 08:00").Add(time.Duration(i)*time.Second))
		}
		return out
	}
	s := MustOpenStore(t, store.Options{})
	_, err := s.Record(ctx, calls(counter.MaxEventsPerBatch+1))
	require.Equal(t, counter.CodeTooManyEvents, counter.ErrorCode(err))
	seq, err := s.Seq()
	require.NoError(t, err)
	require.Zero(t, seq, "nothing of a refused call is stored")
	require.Equal(t, counter.MaxEventsPerBatch, s.MaxCall())

	big := MustOpenStore(t, store.Options{MaxCall: 2500})
	res, err := big.Record(ctx, calls(2500))
	require.NoError(t, err)
	require.Len(t, res.Events, 2500)
	_, err = big.Record(ctx, calls(2501))
	require.Equal(t, counter.CodeTooManyEvents, counter.ErrorCode(err))
}
