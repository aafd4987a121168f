package violations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// The base dossier: received Tue 10/3/2026 08:15 at the counter, 15
// working days (legal due Tue 31/3 23:59:59), slip promising 31/3 16:00.
const (
	recvAt  = "2026-03-10 08:15"
	promise = "2026-03-31 16:00"
)

func TestOverdue(t *testing.T) {
	runRule(t, counter.VOverdue, []ruleCase{
		{name: "unfinished past the promise, at the counter",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-04-01 09:00",
			want:   []string{"overdue so-xd-motcua 2026-03-31 16:00:00 open high"}},
		{name: "charged to the holder at the deadline, not the holder now",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
				ev(counter.Transferred, "2026-04-02 08:00", appr, cbAppr, to(infra)),
			},
			now:  "2026-04-03 09:00",
			want: []string{"overdue so-xd-qlxd 2026-03-31 16:00:00 open high"}},
		{name: "resolved once finished late",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ResultReady, "2026-04-01 10:00", desk, cbDesk),
			},
			now:  "2026-04-02 09:00",
			want: []string{"overdue so-xd-motcua 2026-03-31 16:00:00 resolved high"}},
		{name: "finished exactly at the promise is on time",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ResultReady, promise, desk, cbDesk),
			},
			now: "2026-04-10 09:00", next: "-"},
		{name: "exactly at the promise it has not yet passed",
			events: []counter.Event{received(recvAt, promise)},
			now:    promise, next: promise},
		{name: "without a slip the legal due time counts",
			events: []counter.Event{received(recvAt, "")},
			now:    "2026-04-01 00:00",
			want:   []string{"overdue so-xd-motcua 2026-03-31 23:59:59 open high"}},
		{name: "paused by a supplement request before the promise",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.SupplementRequested, "2026-03-12 09:00", desk, cbDesk, items("don"), reason("thiếu chữ ký")),
			},
			now: "2026-05-10 09:00", next: "-"},
		{name: "the full period restarts on supplement_received",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.SupplementRequested, "2026-03-12 09:00", desk, cbDesk, items("don"), reason("thiếu chữ ký")),
				ev(counter.SupplementReceived, "2026-03-20 09:00", desk, cbDesk),
			},
			now:  "2026-04-13 08:00",
			want: []string{"overdue so-xd-motcua 2026-04-10 23:59:59 open high"}},
		{name: "an overdue cycle is resolved when a supplement restarts the clock",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.SupplementRequested, "2026-04-01 09:00", desk, cbDesk, items("don"), reason("thiếu")),
				ev(counter.SupplementReceived, "2026-04-02 09:00", desk, cbDesk),
			},
			now:  "2026-04-03 08:00",
			want: []string{"overdue so-xd-motcua 2026-03-31 16:00:00 resolved high"},
			next: "2026-04-23 23:59:59"},
		{name: "posted a month late, already past its promise: overdue at once, at the promise",
			events: []counter.Event{received(recvAt, promise, recorded("2026-04-15 10:00"))},
			now:    "2026-04-15 10:00",
			want:   []string{"overdue so-xd-motcua 2026-03-31 16:00:00 open high"}},
		{name: "a timely apology moves the due time",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-27 10:00", appr, cbAppr, newDue("2026-04-07 16:00")),
			},
			now: "2026-04-03 09:00", next: "2026-04-07 16:00"},
		{name: "an apology after the deadline does not undo the overdue",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-04-01 10:00", appr, cbAppr, newDue("2026-04-07 16:00")),
			},
			now:  "2026-04-03 09:00",
			want: []string{"overdue so-xd-motcua 2026-03-31 16:00:00 open high"}},
		{name: "not received: no clock",
			events: []counter.Event{ev(counter.Submitted, "2026-03-01 08:00", desk, cbDesk, proc(procBuild), channel(counter.ChannelOnline))},
			now:    "2026-05-01 08:00", next: "-"},
		{name: "withdrawn before the promise",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Withdrawn, "2026-03-20 08:00", desk, cbDesk, reason("không có nhu cầu")),
			},
			now: "2026-05-01 08:00", next: "-"},
	})
}

func TestLateReturn(t *testing.T) {
	runRule(t, counter.VLateReturn, []ruleCase{
		{name: "result after the promise, no apology",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
				ev(counter.ResultReady, "2026-04-01 10:00", appr, cbAppr),
			},
			now:  "2026-04-01 10:00",
			want: []string{"late_return so-xd-qlxd 2026-04-01 10:00:00 open high"}},
		{name: "excused by a timely apology: low",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-27 10:00", desk, cbDesk, newDue("2026-04-07 16:00")),
				ev(counter.ResultReady, "2026-04-02 10:00", desk, cbDesk),
			},
			now:  "2026-04-02 10:00",
			want: []string{"late_return so-xd-motcua 2026-04-02 10:00:00 open low"}},
		{name: "an apology less than a working day ahead does not excuse",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-31 09:00", desk, cbDesk, newDue("2026-04-07 16:00")),
				ev(counter.ResultReady, "2026-04-02 10:00", desk, cbDesk),
			},
			now:  "2026-04-02 10:00",
			want: []string{"late_return so-xd-motcua 2026-04-02 10:00:00 open high"}},
		{name: "a rejection after the promise is late too",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Rejected, "2026-04-01 08:00", desk, cbDesk, reason("không đủ điều kiện")),
			},
			now:  "2026-04-01 08:00",
			want: []string{"late_return so-xd-motcua 2026-04-01 08:00:00 open high"}},
		{name: "on time",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ResultReady, "2026-03-30 10:00", desk, cbDesk),
				ev(counter.Returned, "2026-04-02 10:00", desk, cbDesk),
			},
			now: "2026-04-02 10:00"},
		{name: "open and late is overdue, not yet a late return",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-04-02 10:00"},
	})
	t.Run("details", func(t *testing.T) {
		cfg := testConfig()
		evs := history(
			received(recvAt, promise),
			ev(counter.ApologyIssued, "2026-03-27 10:00", desk, cbDesk, newDue("2026-04-07 16:00")),
			ev(counter.ResultReady, "2026-04-02 10:00", desk, cbDesk),
		)
		vs, _ := evaluate(cfg, evs, at("2026-04-02 10:00"))
		requireOne(t, vs, counter.VLateReturn, func(v counter.Violation) {
			requireDetail(t, v, "excused", true)
			requireDetail(t, v, "promised_due_at", "2026-03-31T16:00:00+07:00")
			requireDetail(t, v, "apology", "e2")
			require.Equal(t, "D1/late_return/e3", v.ID)
			require.Equal(t, cbDesk, v.Official)
		})
	})
}

func TestMissingApology(t *testing.T) {
	runRule(t, counter.VMissingApology, []ruleCase{
		{name: "promise passed unfinished with no apology",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
			},
			now:  "2026-03-31 16:01",
			want: []string{"missing_apology so-xd-qlxd 2026-03-31 16:00:00 open high"}},
		{name: "an apology too close to the promise",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-30 16:01", desk, cbDesk, newDue("2026-04-07 16:00")),
			},
			now:  "2026-04-01 08:00",
			want: []string{"missing_apology so-xd-motcua 2026-03-31 16:00:00 open high"}},
		{name: "an apology exactly one working day ahead is in time",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-30 16:00", desk, cbDesk, newDue("2026-04-07 16:00")),
			},
			now: "2026-04-01 08:00"},
		{name: "finished before the promise",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ResultReady, "2026-03-31 15:00", desk, cbDesk),
			},
			now: "2026-04-01 08:00", next: "-"},
		{name: "the promise has not passed yet",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-03-31 15:00", next: promise},
		{name: "paused over the promise",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.SupplementRequested, "2026-03-12 09:00", desk, cbDesk, items("don"), reason("thiếu")),
			},
			now: "2026-04-10 08:00"},
	})
}

func TestRepeatedReschedule(t *testing.T) {
	runRule(t, counter.VRepeatedReschedule, []ruleCase{
		{name: "a second apology",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
				ev(counter.ApologyIssued, "2026-03-27 10:00", appr, cbAppr, newDue("2026-04-07 16:00")),
				ev(counter.ApologyIssued, "2026-04-03 10:00", appr, cbAppr, newDue("2026-04-14 16:00")),
				ev(counter.ApologyIssued, "2026-04-10 10:00", appr, cbAppr, newDue("2026-04-21 16:00")),
			},
			now: "2026-04-10 10:00",
			want: []string{
				"repeated_reschedule so-xd-qlxd 2026-04-03 10:00:00 open high",
				"repeated_reschedule so-xd-qlxd 2026-04-10 10:00:00 open high",
			}},
		{name: "one apology is allowed",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-27 10:00", desk, cbDesk, newDue("2026-04-07 16:00")),
			},
			now: "2026-04-03 10:00"},
		{name: "max_reschedules 2 allows a second",
			rules: func(r *counter.Rules) { r.MaxReschedules = 2 },
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.ApologyIssued, "2026-03-27 10:00", desk, cbDesk, newDue("2026-04-07 16:00")),
				ev(counter.ApologyIssued, "2026-04-03 10:00", desk, cbDesk, newDue("2026-04-14 16:00")),
			},
			now: "2026-04-03 10:00"},
	})
}

func TestLateAfterReschedule(t *testing.T) {
	apology := ev(counter.ApologyIssued, "2026-03-27 10:00", appr, cbAppr, newDue("2026-04-07 16:00"))
	runRule(t, counter.VLateAfterReschedule, []ruleCase{
		{name: "still open after the new due time",
			events: []counter.Event{
				received(recvAt, promise),
				ev(counter.Transferred, "2026-03-11 08:00", desk, cbDesk, to(appr)),
				apology,
			},
			now:  "2026-04-08 08:00",
			want: []string{"late_after_reschedule so-xd-qlxd 2026-04-07 16:00:00 open high"}},
		{name: "finished after the new due time: resolved",
			events: []counter.Event{received(recvAt, promise), apology, ev(counter.ResultReady, "2026-04-08 09:00", appr, cbAppr)},
			now:    "2026-04-08 10:00",
			want:   []string{"late_after_reschedule so-xd-motcua 2026-04-07 16:00:00 resolved high"}},
		{name: "finished before the new due time",
			events: []counter.Event{received(recvAt, promise), apology, ev(counter.ResultReady, "2026-04-07 15:00", appr, cbAppr)},
			now:    "2026-04-08 10:00", next: "-"},
		{name: "not yet",
			events: []counter.Event{received(recvAt, promise), apology},
			now:    "2026-04-07 16:00", next: "2026-04-07 16:00"},
		{name: "no apology: plain overdue only",
			events: []counter.Event{received(recvAt, promise)},
			now:    "2026-04-08 10:00"},
	})
}
