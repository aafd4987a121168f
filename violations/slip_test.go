package violations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

func TestMissingSlip(t *testing.T) {
	online := func(s string) counter.Event {
		return ev(counter.Received, s, desk, cbDesk, proc(procBuild), channel(counter.ChannelOnline))
	}
	runRule(t, counter.VMissingSlip, []ruleCase{
		{name: "direct receipt without a slip past 15 minutes",
			events: []counter.Event{received(recvAt, "")},
			now:    "2026-03-10 08:31",
			want:   []string{"missing_slip so-xd-motcua 2026-03-10 08:30:00 open high"}},
		{name: "within the grace",
			events: []counter.Event{received(recvAt, "")},
			now:    "2026-03-10 08:29", next: "2026-03-10 08:30"},
		{name: "slip given within the grace",
			events: []counter.Event{received(recvAt, ""), ev(counter.SlipIssued, "2026-03-10 08:25", desk, cbDesk, slipIssued(promise))},
			now:    "2026-03-11 08:00"},
		{name: "slip given late: resolved",
			events: []counter.Event{received(recvAt, ""), ev(counter.SlipIssued, "2026-03-10 09:00", desk, cbDesk, slipIssued(promise))},
			now:    "2026-03-11 08:00",
			want:   []string{"missing_slip so-xd-motcua 2026-03-10 08:30:00 resolved high"}},
		{name: "slip on the receipt",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-03-11 08:00"},
		{name: "instant procedures need none",
			events: []counter.Event{ev(counter.Received, recvAt, desk, cbDesk, proc(procInstant), channel(counter.ChannelDirect))},
			now:    "2026-03-11 08:00"},
		{name: "online: one working day, over the weekend",
			events: []counter.Event{online("2026-03-13 10:00"), ev(counter.SlipIssued, "2026-03-16 09:00", desk, cbDesk, slipIssued(promise))},
			now:    "2026-03-17 08:00"},
		{name: "online: none by Monday 10:00",
			events: []counter.Event{online("2026-03-13 10:00")},
			now:    "2026-03-16 10:01",
			want:   []string{"missing_slip so-xd-motcua 2026-03-16 10:00:00 open high"}},
		{name: "online slip_grace 2wd",
			rules: func(r *counter.Rules) {
				r.SlipGrace = map[string]counter.RuleDuration{counter.ChannelOnline: {Value: 2, Unit: "wd"}}
			},
			events: []counter.Event{online("2026-03-13 10:00")},
			now:    "2026-03-16 10:01", next: "2026-03-17 10:00"},
		{name: "finished within the grace",
			events: []counter.Event{received(recvAt, ""), ev(counter.ResultReady, "2026-03-10 08:20", desk, cbDesk)},
			now:    "2026-03-11 08:00"},
	})
}

func TestSlipBeyondLegalLimit(t *testing.T) {
	runRule(t, counter.VSlipBeyondLegalLimit, []ruleCase{
		{name: "slip later than the legal due time",
			events: []counter.Event{received(recvAt, "2026-04-02 16:00")},
			now:    "2026-03-10 09:00",
			want:   []string{"slip_beyond_legal_limit so-xd-motcua 2026-03-10 08:15:00 open medium"}},
		{name: "slip at the end of the legal day",
			events: []counter.Event{received(recvAt, "2026-03-31 23:59:59")},
			now:    "2026-03-10 09:00"},
		{name: "a later slip_issued beyond the limit, by the agency issuing it",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
				ev(counter.SlipIssued, "2026-03-12 08:00", appr, cbAppr, slipIssued("2026-04-03 16:00")),
			},
			now:  "2026-03-12 09:00",
			want: []string{"slip_beyond_legal_limit so-xd-qlxd 2026-03-12 08:00:00 open medium"}},
		{name: "after a supplement the new legal due time counts",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.SupplementRequested, "2026-03-12 09:00", desk, cbDesk, items("don"), reason("thiếu")),
				ev(counter.SupplementReceived, "2026-03-20 09:00", desk, cbDesk),
				ev(counter.SlipIssued, "2026-03-20 09:10", desk, cbDesk, slipIssued("2026-04-10 16:00")),
			},
			now: "2026-03-20 10:00"},
	})
	t.Run("details", func(t *testing.T) {
		cfg := testConfig()
		vs, _ := evaluate(cfg, history(received(recvAt, "2026-04-02 16:00")), at("2026-03-10 09:00"))
		requireOne(t, vs, counter.VSlipBeyondLegalLimit, func(v counter.Violation) {
			requireDetail(t, v, "legal_due_at", "2026-03-31T23:59:59+07:00")
			requireDetail(t, v, "due_at", "2026-04-02T16:00:00+07:00")
			require.Equal(t, cbDesk, v.Official)
		})
	})
}
