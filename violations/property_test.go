package violations_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

// randomHistory builds a plausible dossier history with non-decreasing
// `at`, as the desk and integrations record it.
func randomHistory(r *rand.Rand) []counter.Event {
	t := at("2026-02-02 07:00").Add(time.Duration(r.IntN(60*24)) * time.Hour)
	step := func() {
		switch r.IntN(4) {
		case 0:
			t = t.Add(time.Duration(1+r.IntN(30)) * time.Minute)
		case 1:
			t = t.Add(time.Duration(1+r.IntN(8)) * time.Hour)
		default:
			t = t.Add(time.Duration(1+r.IntN(96)) * time.Hour)
		}
	}
	var evs []counter.Event
	add := func(e counter.Event) {
		e.At = t
		e.RecordedAt = t
		if r.IntN(12) == 0 {
			e.RecordedAt = t.Add(30 * time.Hour)
		}
		evs = append(evs, e)
		step()
	}
	agencies := []string{desk, appr, infra}
	officials := map[string]string{desk: cbDesk, appr: cbAppr, infra: cbInfra}
	codes := []string{"don", "qsdd", "banve", "banchinh", "=Sổ hộ khẩu"}
	pick := func() func(*counter.Event) {
		var xs []string
		for range 1 + r.IntN(2) {
			xs = append(xs, codes[r.IntN(len(codes))])
		}
		return items(xs...)
	}
	procs := []string{procBuild, procBuild, procDays, procInstant}
	p := procs[r.IntN(len(procs))]
	for range r.IntN(3) {
		add(ev(counter.IntakeSupplementRequested, "2026-01-01 00:00", desk, cbDesk, proc(p), pick(), reason([]string{"", "thiếu"}[r.IntN(2)])))
	}
	recv := ev(counter.Received, "2026-01-01 00:00", desk, cbDesk, proc(p),
		channel([]string{counter.ChannelDirect, counter.ChannelOnline}[r.IntN(2)]))
	if r.IntN(3) > 0 {
		recv.Slip = &counter.Slip{Number: "01", DueAt: t.Add(time.Duration(r.IntN(30*24)) * time.Hour)}
	}
	add(recv)
	holder, paused := desk, false
	complaints := 0
	for range r.IntN(14) {
		switch r.IntN(10) {
		case 0, 1:
			dest := agencies[r.IntN(len(agencies))]
			if dest == holder {
				continue
			}
			e := ev(counter.Transferred, "2026-01-01 00:00", holder, officials[holder], to(dest))
			if r.IntN(2) == 0 {
				e.Step = []string{"tham-dinh", "phe-duyet", "ky"}[r.IntN(3)]
			}
			add(e)
			holder = dest
		case 2:
			if paused {
				add(ev(counter.SupplementReceived, "2026-01-01 00:00", holder, officials[holder]))
			} else {
				add(ev(counter.SupplementRequested, "2026-01-01 00:00", holder, officials[holder], pick(), reason([]string{"", "thiếu"}[r.IntN(2)])))
			}
			paused = !paused
		case 3:
			e := ev(counter.ApologyIssued, "2026-01-01 00:00", holder, officials[holder])
			e.NewDueAt = t.Add(time.Duration(24+r.IntN(20*24)) * time.Hour)
			add(e)
		case 4:
			add(ev(counter.SlipIssued, "2026-01-01 00:00", desk, cbDesk, func(e *counter.Event) {
				e.Number, e.DueAt = "02", t.Add(time.Duration(r.IntN(30*24))*time.Hour)
			}))
		case 5:
			complaints++
			add(ev(counter.ComplaintFiled, "2026-01-01 00:00", desk, cbDesk, complaintID(fmt.Sprint("k", complaints)),
				subject([]string{"", cbDesk, cbAppr}[r.IntN(3)]), func(e *counter.Event) { e.Category = "attitude" }))
		case 6:
			if complaints > 0 {
				add(ev(counter.ComplaintResolved, "2026-01-01 00:00", dept, "", complaintID(fmt.Sprint("k", 1+r.IntN(complaints))),
					outcome([]string{"upheld", "unfounded"}[r.IntN(2)])))
			}
		case 7:
			add(ev(counter.ResultReady, "2026-01-01 00:00", holder, officials[holder]))
			if r.IntN(2) == 0 {
				add(ev(counter.Returned, "2026-01-01 00:00", desk, cbDesk))
			}
			return history(evs...)
		case 8:
			if r.IntN(4) == 0 {
				add(ev(counter.Withdrawn, "2026-01-01 00:00", desk, cbDesk))
				return history(evs...)
			}
		}
	}
	return history(evs...)
}

// fact is what must not change about a violation once raised.
type fact struct {
	Code, Agency, Severity string
	OccurredAt             time.Time
}

func facts(vs []counter.Violation) map[string]fact {
	out := map[string]fact{}
	for _, v := range vs {
		out[v.ID] = fact{v.Code, v.Agency, v.Severity, v.OccurredAt}
	}
	return out
}

// state is a violation's identity and status, what the store upserts.
func states(vs []counter.Violation) map[string]string {
	out := map[string]string{}
	for _, v := range vs {
		out[v.ID] = v.Status + " " + v.Agency + " " + v.OccurredAt.String()
	}
	return out
}

// TestEvaluateDossierProperties checks on random histories that the same
// events and clock give the same answer; that IDs are unique; that a
// violation once raised keeps its ID, code, agency, severity and
// occurred_at as events are appended and now advances; and that nothing
// changes by time alone before the `next` instant the engine announced.
func TestEvaluateDossierProperties(t *testing.T) {
	cfg := testConfig()
	eng := violations.New()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		evs := randomHistory(r)
		// nows[k] lies strictly after event k-1 and before event k: the
		// instant at which the k-event prefix is judged.
		nows := make([]time.Time, len(evs)+1)
		for k := 1; k <= len(evs); k++ {
			lo := evs[k-1].At
			hi := lo.Add(40 * 24 * time.Hour)
			if k < len(evs) {
				hi = evs[k].At
			}
			nows[k] = lo
			if gap := hi.Sub(lo); gap > 1 {
				nows[k] = lo.Add(1 + time.Duration(r.Int64N(int64(gap-1))))
			}
		}
		seen := map[string]fact{}
		for k := 1; k <= len(evs); k++ {
			prefix := evs[:k]
			d := fold(cfg, prefix)
			vs, next := eng.EvaluateDossier(cfg, d, prefix, nows[k])
			again, next2 := eng.EvaluateDossier(cfg, d, prefix, nows[k])
			require.Equal(t, vs, again, "seed %d k %d: not deterministic", seed, k)
			require.Equal(t, next, next2)
			got := facts(vs)
			require.Len(t, got, len(vs), "seed %d k %d: duplicate IDs", seed, k)
			for id, f := range seen {
				require.Contains(t, got, id, "seed %d k %d: %s vanished", seed, k, id)
				require.Equal(t, f, got[id], "seed %d k %d: %s changed", seed, k, id)
			}
			seen = got
			if !next.IsZero() {
				require.True(t, next.After(nows[k]), "seed %d k %d: next %v not after now", seed, k, next)
			}
			// Nothing changes by time alone before next.
			probe := []time.Time{nows[k].Add(time.Nanosecond)}
			if next.IsZero() {
				probe = append(probe, nows[k].Add(400*24*time.Hour))
			} else {
				probe = append(probe, nows[k].Add(next.Sub(nows[k])/2), next.Add(-time.Nanosecond))
			}
			for _, p := range probe {
				if !next.IsZero() && !p.Before(next) {
					continue
				}
				later, _ := eng.EvaluateDossier(cfg, d, prefix, p)
				require.Equal(t, states(vs), states(later), "seed %d k %d: changed at %v before next %v", seed, k, p, next)
			}
		}
	}
}

// TestEvaluateDeskProperties does the same for random shift histories.
func TestEvaluateDeskProperties(t *testing.T) {
	cfg := testConfig()
	eng := violations.New()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 11))
		tm := at("2026-02-09 06:00").Add(time.Duration(r.IntN(30*24*60)) * time.Minute)
		var evs []counter.Event
		for i := range r.IntN(16) {
			typ := counter.ShiftStarted
			if r.IntN(2) == 0 {
				typ = counter.ShiftEnded
			}
			e := shift(typ, "2026-01-01 00:00")
			e.At = tm
			evs = append(evs, e)
			_ = i
			tm = tm.Add(time.Duration(1+r.IntN(20*60)) * time.Minute)
		}
		evs = history(evs...)
		watched := at("2026-02-09 06:00")
		seen := map[string]fact{}
		for k := 0; k <= len(evs); k++ {
			now := tm
			if k < len(evs) {
				now = evs[k].At.Add(-time.Nanosecond)
			}
			st := counter.DeskState{Agency: desk, Desk: "q1", Watched: watched}
			for _, e := range evs[:k] {
				st = violations.FoldDesk(st, e)
			}
			vs, next := eng.EvaluateDesk(cfg, st, evs[:k], now)
			got := facts(vs)
			require.Len(t, got, len(vs), "seed %d k %d: duplicate IDs", seed, k)
			for id, f := range seen {
				require.Contains(t, got, id, "seed %d k %d: %s vanished", seed, k, id)
				require.Equal(t, f, got[id], "seed %d k %d: %s changed", seed, k, id)
			}
			seen = got
			// Judged from a later watch (a local midnight) with the events
			// from then on and the last one before, as a store bounding
			// the work does.
			if span := now.Sub(watched); span > 0 {
				c := watched.Add(time.Duration(r.Int64N(int64(span)))).In(hcm)
				cut := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, hcm)
				var part []counter.Event
				for _, e := range evs[:k] {
					if e.At.Before(cut) {
						part = []counter.Event{e}
					}
				}
				for _, e := range evs[:k] {
					if !e.At.Before(cut) {
						part = append(part, e)
					}
				}
				st2 := st
				st2.Watched = cut
				short, _ := eng.EvaluateDesk(cfg, st2, part, now)
				full := states(vs)
				for id, st := range states(short) {
					require.Equal(t, full[id], st, "seed %d k %d cut %v: %s differs from the full judgement", seed, k, cut, id)
				}
				cutDay := cut.In(hcm).Format(time.DateOnly)
				shortIDs := states(short)
				for _, v := range vs {
					if v.Code == counter.VDeskUnstaffed && v.Details["date"].(string) > cutDay {
						require.Contains(t, shortIDs, v.ID, "seed %d k %d cut %v: lost", seed, k, cut)
					}
				}
			}
			if !next.IsZero() {
				require.True(t, next.After(now))
				later, _ := eng.EvaluateDesk(cfg, st, evs[:k], next.Add(-time.Nanosecond))
				require.Equal(t, states(vs), states(later), "seed %d k %d: changed before next %v", seed, k, next)
			} else {
				later, _ := eng.EvaluateDesk(cfg, st, evs[:k], now.Add(10*24*time.Hour))
				require.Equal(t, states(vs), states(later), "seed %d k %d: changed with no next", seed, k)
			}
		}
	}
}
