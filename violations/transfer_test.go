package violations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

func TestStepOverrun(t *testing.T) {
	// tham-dinh: 10 working days from Wed 11/3 → end of Wed 25/3.
	toAppr := ev(counter.Transferred, "2026-03-11 09:00", desk, cbDesk, step(appr, "tham-dinh"))
	runRule(t, counter.VStepOverrun, []ruleCase{
		{name: "held past the step budget",
			events: []counter.Event{received(recvAt, promise), toAppr},
			now:    "2026-03-26 08:00",
			want:   []string{"step_overrun so-xd-qlxd 2026-03-25 23:59:59 open medium"}},
		{name: "within the budget",
			events: []counter.Event{received(recvAt, promise), toAppr},
			now:    "2026-03-25 23:59:59", next: "2026-03-25 23:59:59"},
		{name: "passed on in time",
			events: []counter.Event{received(recvAt, promise), toAppr,
				ev(counter.Transferred, "2026-03-24 09:00", appr, cbAppr, step(infra, "phe-duyet"))},
			now: "2026-03-24 10:00", next: "2026-03-27 23:59:59"},
		{name: "passed on late: resolved, and the next holder's step runs",
			events: []counter.Event{received(recvAt, promise), toAppr,
				ev(counter.Transferred, "2026-03-27 09:00", appr, cbAppr, step(infra, "phe-duyet")),
				ev(counter.ResultReady, "2026-04-03 09:00", infra, cbInfra)},
			now: "2026-04-03 10:00",
			want: []string{
				"step_overrun so-xd-qlxd 2026-03-25 23:59:59 resolved medium",
				"step_overrun so-xd-ht 2026-04-01 23:59:59 resolved medium",
			}},
		{name: "a budget in working hours",
			events: []counter.Event{received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 10:00", desk, cbDesk, step(appr, "ky"))},
			now:  "2026-03-11 16:01",
			want: []string{"step_overrun so-xd-qlxd 2026-03-11 16:00:00 open medium"}},
		{name: "no step named, or a step the procedure lacks",
			events: []counter.Event{received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 09:00", desk, cbDesk, to(appr)),
				ev(counter.Transferred, "2026-03-12 09:00", appr, cbAppr, step(infra, "khong-co"))},
			now: "2026-04-30 10:00"},
		{name: "the budget does not run while the citizen supplements, and restarts after",
			events: []counter.Event{received(recvAt, promise), toAppr,
				appraisal("2026-03-12 09:00", items("don")),
				ev(counter.SupplementReceived, "2026-03-30 09:00", desk, cbDesk)},
			now: "2026-04-10 10:00", next: "2026-04-13 23:59:59"},
	})
}

func TestResponsibilityBounce(t *testing.T) {
	tr := func(s, from, off, dest string) counter.Event {
		return ev(counter.Transferred, s, from, off, to(dest))
	}
	runRule(t, counter.VResponsibilityBounce, []ruleCase{
		{name: "sent back a second time",
			events: []counter.Event{
				received(recvAt, promise),
				tr("2026-03-10 09:00", desk, cbDesk, appr),
				tr("2026-03-11 09:00", appr, cbAppr, infra),
				tr("2026-03-12 09:00", infra, cbInfra, appr), // first return: allowed
				tr("2026-03-13 09:00", appr, cbAppr, infra),  // second: a breach by the sender
			},
			now:  "2026-03-13 10:00",
			want: []string{"responsibility_bounce so-xd-qlxd 2026-03-13 09:00:00 open high"}},
		{name: "back to the counter counts",
			events: []counter.Event{
				received(recvAt, promise),
				tr("2026-03-10 09:00", desk, cbDesk, appr),
				tr("2026-03-11 09:00", appr, cbAppr, desk),
				tr("2026-03-11 10:00", desk, cbDesk, appr),
			},
			now:  "2026-03-13 10:00",
			want: []string{"responsibility_bounce so-xd-motcua 2026-03-11 10:00:00 open high"}},
		{name: "a chain forward is no bounce",
			events: []counter.Event{
				received(recvAt, promise),
				tr("2026-03-10 09:00", desk, cbDesk, appr),
				tr("2026-03-11 09:00", appr, cbAppr, infra),
				tr("2026-03-12 09:00", infra, cbInfra, desk),
			},
			now: "2026-03-13 10:00"},
	})
}

func TestTransferDeadline(t *testing.T) {
	cfg := testConfig()
	for _, c := range []struct{ received, want string }{
		{"2026-03-10 08:15", "2026-03-10 23:59:59"},
		{"2026-03-10 15:00", "2026-03-10 23:59:59"},
		{"2026-03-10 15:00:01", "2026-03-11 12:00"},
		{"2026-03-13 16:00", "2026-03-16 12:00"},    // Friday → Monday noon
		{"2026-02-13 15:30", "2026-02-23 12:00"},    // the Friday before Tết → after Tết
		{"2026-03-14 09:00", "2026-03-16 23:59:59"}, // a Saturday (online) → the end of Monday
	} {
		t.Run(c.received, func(t *testing.T) {
			got := violations.TransferDeadline(cfg, at(c.received))
			require.Equal(t, at(c.want), got, "TransferDeadline=%v", got)
		})
	}
}

func TestLateTransfer(t *testing.T) {
	runRule(t, counter.VLateTransfer, []ruleCase{
		{name: "received in the morning, transferred the next day",
			events: []counter.Event{received(recvAt, promise), ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr))},
			now:    "2026-03-11 09:00",
			want:   []string{"late_transfer so-xd-motcua 2026-03-10 23:59:59 resolved low"}},
		{name: "still at the counter past the deadline",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-03-11 09:00",
			want:   []string{"late_transfer so-xd-motcua 2026-03-10 23:59:59 open low"}},
		{name: "received after 15:00, transferred by noon",
			events: []counter.Event{received("2026-03-10 15:30", promise), ev(counter.Transferred, "2026-03-11 11:59", desk, cbDesk, to(appr))},
			now:    "2026-03-11 13:00", next: promise},
		{name: "received after 15:00, transferred after noon",
			events: []counter.Event{received("2026-03-10 15:30", promise), ev(counter.Transferred, "2026-03-11 13:00", desk, cbDesk, to(appr))},
			now:    "2026-03-11 13:00",
			want:   []string{"late_transfer so-xd-motcua 2026-03-11 12:00:00 resolved low"}},
		{name: "the Friday before Tết: Monday after Tết at noon",
			events: []counter.Event{received("2026-02-13 15:30", "2026-03-13 16:00"), ev(counter.Transferred, "2026-02-23 11:00", desk, cbDesk, to(appr))},
			now:    "2026-02-23 11:00"},
		{name: "not yet due",
			events: []counter.Event{received("2026-02-13 15:30", "2026-03-13 16:00")},
			now:    "2026-02-18 11:00", next: "2026-02-23 12:00"},
		{name: "decided at the counter without a transfer: dismissed",
			events: []counter.Event{received(recvAt, promise), ev(counter.ResultReady, "2026-03-12 08:00", desk, cbDesk)},
			now:    "2026-03-12 09:00",
			want:   []string{"late_transfer so-xd-motcua 2026-03-10 23:59:59 dismissed low"}},
		{name: "finished at the counter the same day",
			events: []counter.Event{received(recvAt, promise), ev(counter.ResultReady, "2026-03-10 16:00", desk, cbDesk)},
			now:    "2026-03-12 09:00"},
		{name: "received by an agency that is not a counter",
			events: []counter.Event{ev(counter.Received, recvAt, commune, "", proc(procBuild), channel(counter.ChannelDirect), slip(promise))},
			now:    "2026-03-12 09:00"},
	})
}
