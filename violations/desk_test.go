package violations_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

func shift(typ counter.EventType, s string, opts ...func(*counter.Event)) counter.Event {
	return ev(typ, s, desk, cbDesk, append([]func(*counter.Event){deskName("q1")}, opts...)...)
}

func on(s string) counter.Event  { return shift(counter.ShiftStarted, s) }
func off(s string) counter.Event { return shift(counter.ShiftEnded, s) }

func TestDeskUnstaffed(t *testing.T) {
	cases := []struct {
		name    string
		watched string // "" = never watched
		events  []counter.Event
		now     string
		want    []string
		ids     []string // when set, the IDs in order
		next    string   // exact instant; "-" = none
	}{
		{name: "never opened after the counter's first shift",
			watched: "2026-03-10 07:00", now: "2026-03-10 07:50",
			want: []string{"desk_unstaffed so-xd-motcua 2026-03-10 07:45:00 open high"},
			ids:  []string{"desk:so-xd-motcua:q1/desk_unstaffed/2026-03-10/1"},
			next: "2026-03-11 00:00"},
		{name: "opened within the grace",
			watched: "2026-03-10 07:00", events: []counter.Event{on("2026-03-10 07:40")}, now: "2026-03-10 10:00",
			next: "-"},
		{name: "within the grace, the desk's grace is the next instant",
			watched: "2026-03-10 07:00", now: "2026-03-10 07:40",
			next: "2026-03-10 07:45:00.000000001"},
		{name: "a long break",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 10:00"), on("2026-03-10 10:10"), off("2026-03-10 10:30"), on("2026-03-10 10:50")},
			now:     "2026-03-10 12:00",
			want:    []string{"desk_unstaffed so-xd-motcua 2026-03-10 10:45:00 resolved high"},
			ids:     []string{"desk:so-xd-motcua:q1/desk_unstaffed/2026-03-10/3"},
			next:    "-"},
		{name: "office time counts across lunch",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 11:20"), on("2026-03-10 13:40")},
			now:     "2026-03-10 14:00",
			want:    []string{"desk_unstaffed so-xd-motcua 2026-03-10 13:35:00 resolved high"}},
		{name: "lunch alone is no breach",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 11:20"), on("2026-03-10 13:30")},
			now:     "2026-03-10 14:00"},
		{name: "exactly the grace is no breach",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 11:15"), on("2026-03-10 13:30")},
			now:     "2026-03-10 14:00"},
		{name: "grace running out at a closing breaches at the next opening",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 11:15"), on("2026-03-10 13:31")},
			now:     "2026-03-10 14:00",
			want:    []string{"desk_unstaffed so-xd-motcua 2026-03-10 13:30:00 resolved high"}},
		{name: "overnight: each day's grace starts afresh",
			watched: "2026-03-09 07:00",
			events:  []counter.Event{on("2026-03-09 07:30"), off("2026-03-09 16:50"), on("2026-03-10 07:40")},
			now:     "2026-03-10 08:00", next: "-"},
		{name: "an abandoned desk: one per day",
			watched: "2026-03-10 07:00",
			events:  []counter.Event{on("2026-03-10 07:30"), off("2026-03-10 10:00")},
			now:     "2026-03-12 08:00",
			want: []string{
				"desk_unstaffed so-xd-motcua 2026-03-10 10:15:00 resolved high",
				"desk_unstaffed so-xd-motcua 2026-03-11 07:45:00 resolved high",
				"desk_unstaffed so-xd-motcua 2026-03-12 07:45:00 open high",
			},
			ids: []string{
				"desk:so-xd-motcua:q1/desk_unstaffed/2026-03-10/2",
				"desk:so-xd-motcua:q1/desk_unstaffed/2026-03-11/1",
				"desk:so-xd-motcua:q1/desk_unstaffed/2026-03-12/1",
			},
			next: "2026-03-13 00:00"},
		{name: "closed for the weekend",
			watched: "2026-03-13 07:00",
			events:  []counter.Event{on("2026-03-13 07:30"), off("2026-03-13 17:00")},
			now:     "2026-03-14 10:00", next: "2026-03-16 07:45:00.000000001"},
		{name: "closed for Tết",
			watched: "2026-02-13 07:00",
			events:  []counter.Event{on("2026-02-13 07:30"), off("2026-02-13 17:00")},
			now:     "2026-02-18 10:00", next: "2026-02-23 07:45:00.000000001"},
		{name: "a counter that never opened a shift is not judged",
			now: "2026-03-12 08:00", next: "-"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			evs := history(c.events...)
			st := counter.DeskState{Agency: desk, Desk: "q1"}
			for _, e := range evs {
				st = violations.FoldDesk(st, e)
			}
			st.Watched = time.Time{}
			if c.watched != "" {
				st.Watched = at(c.watched)
			}
			vs, next := violations.New().EvaluateDesk(cfg, st, evs, at(c.now))
			want := c.want
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, briefs(vs, counter.VDeskUnstaffed))
			if c.ids != nil {
				var ids []string
				for _, v := range vs {
					ids = append(ids, v.ID)
				}
				require.Equal(t, c.ids, ids)
			}
			for _, v := range vs {
				require.Empty(t, v.Dossier)
				require.Equal(t, cfg.HeadOf(desk), v.Head)
				// The article of the rule version in force at the breach.
				require.Equal(t, violations.BasisFor(cfg.RegimeAt(v.OccurredAt), counter.VDeskUnstaffed), v.Basis)
			}
			switch c.next {
			case "":
			case "-":
				require.True(t, next.IsZero(), "next=%v, want none", next)
			default:
				require.Equal(t, at(c.next), next, "next=%v", next.In(hcm))
			}
		})
	}
}

func TestDeskBackdatedShift(t *testing.T) {
	cfg := testConfig()
	evs := history(shift(counter.ShiftStarted, "2026-03-10 07:30", recorded("2026-03-12 08:00")))
	st := violations.FoldDesk(counter.DeskState{}, evs[0])
	vs, _ := violations.New().EvaluateDesk(cfg, st, evs, at("2026-03-12 08:00"))
	require.Equal(t, []string{"backdated_entry so-xd-motcua 2026-03-10 07:30:00 open low"}, briefs(vs, ""))
	require.Equal(t, "desk:so-xd-motcua:q1/backdated_entry/e1", vs[0].ID)
}

func TestFoldDesk(t *testing.T) {
	st := counter.DeskState{}
	st = violations.FoldDesk(st, history(on("2026-03-10 07:30"))[0])
	require.Equal(t, counter.DeskState{Agency: desk, Desk: "q1", Open: true, Official: cbDesk,
		Since: at("2026-03-10 07:30"), Watched: at("2026-03-10 07:30")}, st)
	// A backdated shift_ended does not undo the later start.
	st2 := violations.FoldDesk(st, history(off("2026-03-10 07:00"))[0])
	require.True(t, st2.Open)
	require.Equal(t, at("2026-03-10 07:00"), st2.Watched)
	st3 := violations.FoldDesk(st2, history(off("2026-03-10 11:30"))[0])
	require.False(t, st3.Open)
	require.Empty(t, st3.Official)
	require.Equal(t, at("2026-03-10 11:30"), st3.Since)
	// Dossier events leave it alone.
	require.Equal(t, st3, violations.FoldDesk(st3, history(received(recvAt, promise))[0]))
}
