package violations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

func filed(s, cid, subj string) counter.Event {
	return ev(counter.ComplaintFiled, s, desk, cbDesk, complaintID(cid), subject(subj),
		func(e *counter.Event) { e.Category = "harassment" })
}

func resolved(s, cid, out string) counter.Event {
	return ev(counter.ComplaintResolved, s, dept, "", complaintID(cid), outcome(out))
}

func TestComplaint(t *testing.T) {
	runRule(t, counter.VComplaint, []ruleCase{
		{name: "filed against an official: provisional, charged to their unit",
			events: []counter.Event{received(recvAt, promise), filed("2026-03-11 09:00", "k1", cbAppr)},
			now:    "2026-03-11 10:00",
			want:   []string{"complaint so-xd-qlxd 2026-03-11 09:00:00 provisional high"}},
		{name: "upheld: confirmed",
			events: []counter.Event{received(recvAt, promise), filed("2026-03-11 09:00", "k1", cbAppr), resolved("2026-03-20 09:00", "k1", "upheld")},
			now:    "2026-03-20 10:00",
			want:   []string{"complaint so-xd-qlxd 2026-03-11 09:00:00 confirmed high"}},
		{name: "unfounded: dismissed",
			events: []counter.Event{received(recvAt, promise), filed("2026-03-11 09:00", "k1", cbAppr), resolved("2026-03-20 09:00", "k1", "unfounded")},
			now:    "2026-03-20 10:00",
			want:   []string{"complaint so-xd-qlxd 2026-03-11 09:00:00 dismissed high"}},
		{name: "no subject: the holder when filed",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-10 10:00", desk, cbDesk, to(infra)),
				filed("2026-03-11 09:00", "k1", ""),
				ev(counter.Transferred, "2026-03-12 10:00", infra, cbInfra, to(appr)),
			},
			now:  "2026-03-20 10:00",
			want: []string{"complaint so-xd-ht 2026-03-11 09:00:00 provisional high"}},
		{name: "after the dossier ended, each complaint on its own",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Returned, "2026-03-20 10:00", desk, cbDesk),
				filed("2026-03-21 09:00", "k1", cbDesk),
				filed("2026-03-21 09:30", "k2", cbAppr),
				resolved("2026-03-25 09:00", "k2", "upheld"),
			},
			now: "2026-03-25 10:00",
			want: []string{
				"complaint so-xd-motcua 2026-03-21 09:00:00 provisional high",
				"complaint so-xd-qlxd 2026-03-21 09:30:00 confirmed high",
			}},
	})
}

func TestBackdatedEntry(t *testing.T) {
	runRule(t, counter.VBackdatedEntry, []ruleCase{
		{name: "recorded more than 24 hours after it happened",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 09:00", desk, cbDesk, to(appr)),
				ev(counter.ResultReady, "2026-03-20 09:00", appr, cbAppr, recorded("2026-03-21 09:00:01")),
			},
			now:  "2026-03-21 09:00:01",
			want: []string{"backdated_entry so-xd-qlxd 2026-03-20 09:00:00 open low"}},
		{name: "within the tolerance",
			events: []counter.Event{
				received(recvAt, promise, recorded("2026-03-11 08:15")),
			},
			now: "2026-03-11 08:15"},
		{name: "tolerance in hours from rules",
			rules: func(r *counter.Rules) { r.BackdateTolerance = counter.RuleDuration{Value: 2, Unit: "h"} },
			events: []counter.Event{
				received(recvAt, promise, recorded("2026-03-10 11:00")),
			},
			now:  "2026-03-10 11:00",
			want: []string{"backdated_entry so-xd-motcua 2026-03-10 08:15:00 open low"}},
	})
	t.Run("details", func(t *testing.T) {
		cfg := testConfig()
		evs := history(received(recvAt, promise, recorded("2026-03-12 08:15")))
		vs, _ := evaluate(cfg, evs, at("2026-03-12 08:15"))
		requireOne(t, vs, counter.VBackdatedEntry, func(v counter.Violation) {
			require.Equal(t, "D1/backdated_entry/e1", v.ID)
			require.Equal(t, cbDesk, v.Official)
			requireDetail(t, v, "recorded_at", "2026-03-12T08:15:00+07:00")
			requireDetail(t, v, "lag", "48h0m0s")
		})
	})
}
