package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

var eventTimeRounds = flag.Int("eventtime.rounds", 6, "rounds of the event-time property test (20 histories each)")

// history makes random valid dossier histories on the test city: each
// candidate event is kept only if the rules accept it after the ones
// before it, judged in event time.
type history struct {
	r   *rand.Rand
	cfg *counter.Config
	n   int
}

func (h *history) id(code string) string { h.n++; return fmt.Sprintf("%s-e%d", code, h.n) }

// dossier returns one dossier's events, ordered by `at`.
func (h *history) dossier(code string, start time.Time) []counter.Event {
	r := h.r
	ctr := []string{"q1-motcua", "p1-motcua"}[r.IntN(2)]
	at := start
	rec := counter.Event{ID: h.id(code), Type: counter.Received, Dossier: code, At: at, Agency: ctr,
		Procedure: []string{"1.001", "1.002", "1.002", "1.003"}[r.IntN(4)], Channel: []string{"direct", "online"}[r.IntN(2)]}
	if r.IntN(2) == 0 {
		rec.Slip = &counter.Slip{Number: "01/2026", DueAt: at.Add(time.Duration(1+r.IntN(8)) * 24 * time.Hour)}
	}
	evs := []counter.Event{rec}
	d := counter.Fold(h.cfg, nil, rec)
	far := start.AddDate(1, 0, 0)
	for tries := 0; tries < 40 && len(evs) < 12 && !d.Ended(); tries++ {
		at = at.Add(time.Duration(5+r.IntN(24*60)) * time.Minute)
		if r.IntN(4) == 0 {
			at = at.Add(time.Duration(r.IntN(3)) * 24 * time.Hour)
		}
		e := counter.Event{ID: h.id(code), Dossier: code, At: at, Agency: d.Holder}
		switch r.IntN(11) {
		case 0:
			e.Type, e.Agency, e.Number, e.DueAt = counter.SlipIssued, ctr, "02/2026", at.Add(time.Duration(1+r.IntN(6))*24*time.Hour)
		case 1, 2:
			e.Type = counter.Transferred
			e.To = map[string]string{"q1-motcua": "q1-tnmt", "q1-tnmt": "q1-motcua", "p1-motcua": "q1-tnmt"}[d.Holder]
			if r.IntN(3) == 0 && d.Holder == "q1-tnmt" {
				e.To = ctr
			}
		case 3:
			e.Type, e.Items = counter.SupplementRequested, []counter.Item{{Code: "don"}}
			if r.IntN(2) == 0 {
				e.Reason = "Thiếu đơn"
			}
		case 4:
			e.Type = counter.SupplementReceived
		case 5:
			e.Type, e.NewDueAt, e.Reason = counter.ApologyIssued, at.Add(time.Duration(1+r.IntN(5))*24*time.Hour), "Chờ xác minh"
		case 6:
			e.Type, e.Agency, e.Complaint, e.Category = counter.ComplaintFiled, ctr, e.ID, "attitude"
		case 7:
			if len(d.Complaints) == 0 {
				continue
			}
			e.Type, e.Agency, e.Complaint, e.Outcome = counter.ComplaintResolved, ctr, d.Complaints[0].ID, []string{"upheld", "unfounded"}[r.IntN(2)]
		case 8, 9:
			e.Type = counter.ResultReady
		case 10:
			e.Type, e.Agency = counter.Returned, ctr
		}
		if e.Type == "" || (e.Type == counter.Transferred && (e.To == "" || e.To == d.Holder)) {
			continue
		}
		if counter.CheckShape(h.cfg, &e) != nil || counter.Accept(h.cfg, d, &e, far) != nil {
			continue
		}
		evs = append(evs, e)
		d = counter.Fold(h.cfg, d, e)
	}
	return evs
}

// delivery is one event and when it reaches motcua.
type delivery struct {
	e       counter.Event
	arrives time.Time
}

// TestEventTimeVerdictsIgnoreArrivalOrder is the property of SPEC.md
// §10.1: random valid histories, delivered one event at a time in a
// random order with random delays (the creating event first, refused
// events retried, a backlog at last resent as one batch), end with the
// same non-withdrawn verdicts as the same histories posted as one batch
// each, judged at the same instant. Both databases replay byte for byte
// (MustOpenStore). -eventtime.rounds N runs longer.
func TestEventTimeVerdictsIgnoreArrivalOrder(t *testing.T) {
	for round := 0; round < *eventTimeRounds; round++ {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			seed := uint64(round)*7919 + 17
			r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
			h := &history{r: r, cfg: testConfig()}
			histories := map[string][]counter.Event{}
			var all []delivery
			base := at("2026-03-02 07:45")
			for i := 0; i < 20; i++ {
				code := fmt.Sprintf("R%d-%02d", round, i)
				start := base.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
				evs := h.dossier(code, start)
				histories[code] = evs
				first := start.Add(time.Duration(r.IntN(120)) * time.Minute)
				all = append(all, delivery{evs[0], first})
				for _, e := range evs[1:] {
					lag := time.Duration(r.IntN(36*60)) * time.Minute
					if r.IntN(3) == 0 {
						lag = time.Duration(r.IntN(3)) * time.Minute
					}
					arr := e.At.Add(lag)
					if arr.Before(first) {
						arr = first.Add(time.Minute) // the creating event comes first
					}
					all = append(all, delivery{e, arr})
				}
			}
			slices.SortStableFunc(all, func(a, b delivery) int { return a.arrives.Compare(b.arrives) })

			ctx := context.Background()
			c := &clock{t: base}
			live := MustOpenStore(t, store.Options{Now: c.Now, Evaluator: violations.New()})
			var backlog []counter.Event
			post := func(evs ...counter.Event) error {
				_, err := live.Record(ctx, evs)
				var ce *counter.Error
				if err != nil && !errors.As(err, &ce) {
					t.Fatalf("storage failure: %v", err)
				}
				return err
			}
			for _, d := range all {
				if d.arrives.After(c.t) {
					c.t = d.arrives
				}
				_, err := live.SweepUntil(c.t)
				require.NoError(t, err)
				if post(d.e) != nil {
					backlog = append(backlog, d.e)
					continue
				}
				for progress := true; progress; {
					progress = false
					for i := 0; i < len(backlog); i++ {
						if post(backlog[i]) == nil {
							backlog = slices.Delete(backlog, i, i+1)
							progress = true
							i--
						}
					}
				}
			}
			// What is still refused goes again as one batch per dossier.
			byDossier := map[string][]counter.Event{}
			for _, e := range backlog {
				byDossier[e.Dossier] = append(byDossier[e.Dossier], e)
			}
			for code, evs := range byDossier {
				require.NoError(t, post(evs...), "the backlog of %s, resent together", code)
			}
			end := c.t.Add(time.Hour)
			c.t = end
			_, err := live.SweepUntil(end)
			require.NoError(t, err)

			bc := &clock{t: end}
			batch := MustOpenStore(t, store.Options{Now: bc.Now, Evaluator: violations.New()})
			for code, evs := range histories {
				_, err := batch.Record(ctx, evs)
				require.NoError(t, err, "history %s as one batch", code)
			}
			_, err = batch.SweepUntil(end)
			require.NoError(t, err)

			for code := range histories {
				dl, _, vl, err := live.FindDossierByCode(ctx, code)
				require.NoError(t, err)
				db, _, vb, err := batch.FindDossierByCode(ctx, code)
				require.NoError(t, err)
				require.Equal(t, verdicts(t, vb), verdicts(t, vl), "dossier %s: events %s", code, describe(histories[code]))
				require.Equal(t, db.Holder, dl.Holder, code)
				require.Equal(t, db.Status, dl.Status, code)
				require.Equal(t, db.DueAt, dl.DueAt, code)
				require.Equal(t, db.FinishedAt, dl.FinishedAt, code)
				require.Equal(t, db.Visible, dl.Visible, code)
			}
			rb, err := batch.Rollup(ctx, "tp", time.Time{}, time.Time{})
			require.NoError(t, err)
			rl, err := live.Rollup(ctx, "tp", time.Time{}, time.Time{})
			require.NoError(t, err)
			withoutBackdated(rb)
			withoutBackdated(rl)
			require.Equal(t, rb, rl, "the roll-up too")
		})
	}
}

// verdicts is the comparable part of a dossier's violations: those not
// withdrawn, without backdated_entry (the one verdict about recording
// time) and the detection instant.
func verdicts(t *testing.T, vs []counter.Violation) []string {
	var out []string
	for _, v := range vs {
		if v.Status == counter.StatusWithdrawn || v.Code == counter.VBackdatedEntry {
			continue
		}
		v.DetectedAt = time.Time{}
		v.OccurredAt = v.OccurredAt.UTC()
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func withoutBackdated(n *counter.RollupNode) {
	delete(n.Direct, counter.VBackdatedEntry)
	delete(n.Total, counter.VBackdatedEntry)
	for _, c := range n.Children {
		withoutBackdated(c)
	}
}

func describe(evs []counter.Event) string {
	out := ""
	for _, e := range evs {
		out += fmt.Sprintf("\n  %s %s %s %s→%s", e.At.Format("01-02 15:04"), e.Type, e.Agency, e.ID, e.To)
	}
	return out
}
