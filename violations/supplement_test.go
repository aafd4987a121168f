package violations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// intake is a Form 02 at the counter before receipt.
func intake(s string, opts ...func(*counter.Event)) counter.Event {
	return ev(counter.IntakeSupplementRequested, s, desk, cbDesk, append([]func(*counter.Event){proc(procBuild), reason("thiếu giấy tờ")}, opts...)...)
}

// appraisal is a supplement request by the appraisal division.
func appraisal(s string, opts ...func(*counter.Event)) counter.Event {
	return ev(counter.SupplementRequested, s, appr, cbAppr, append([]func(*counter.Event){reason("thiếu giấy tờ")}, opts...)...)
}

func TestRepeatedSupplement(t *testing.T) {
	runRule(t, counter.VRepeatedSupplement, []ruleCase{
		{name: "second intake request",
			events: []counter.Event{intake("2026-03-09 09:00", items("don")), intake("2026-03-09 14:00", items("don"))},
			now:    "2026-03-09 15:00",
			want:   []string{"repeated_supplement so-xd-motcua 2026-03-09 14:00:00 open high"}},
		{name: "second appraisal request, even after the first was answered",
			events: []counter.Event{
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("don")),
				ev(counter.SupplementReceived, "2026-03-13 09:00", desk, cbDesk),
				appraisal("2026-03-16 09:00", items("don")),
			},
			now:  "2026-03-16 10:00",
			want: []string{"repeated_supplement so-xd-qlxd 2026-03-16 09:00:00 open high"}},
		{name: "one per phase is allowed",
			events: []counter.Event{
				intake("2026-03-09 09:00", items("don")),
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("don")),
			},
			now: "2026-03-12 10:00"},
	})
	t.Run("phase", func(t *testing.T) {
		cfg := testConfig()
		evs := history(intake("2026-03-09 09:00", items("don")), intake("2026-03-09 14:00", items("don")))
		vs, _ := evaluate(cfg, evs, at("2026-03-10 08:00"))
		requireOne(t, vs, counter.VRepeatedSupplement, func(v counter.Violation) {
			requireDetail(t, v, "phase", "intake")
			requireDetail(t, v, "count", 2)
			require.Equal(t, "D1/repeated_supplement/e2", v.ID)
		})
	})
}

func TestInconsistentSupplement(t *testing.T) {
	runRule(t, counter.VInconsistentSupplement, []ruleCase{
		{name: "a later request asks for a new paper",
			events: []counter.Event{intake("2026-03-09 09:00", items("don")), intake("2026-03-09 14:00", items("don", "qsdd"))},
			now:    "2026-03-09 15:00",
			want:   []string{"inconsistent_supplement so-xd-motcua 2026-03-09 14:00:00 open high"}},
		{name: "the same papers again",
			events: []counter.Event{intake("2026-03-09 09:00", items("don", "qsdd")), intake("2026-03-09 14:00", items("qsdd"))},
			now:    "2026-03-09 15:00"},
		{name: "uncoded papers compare by name",
			events: []counter.Event{
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("=Sổ hộ khẩu")),
				ev(counter.SupplementReceived, "2026-03-13 09:00", desk, cbDesk),
				appraisal("2026-03-16 09:00", items("=sổ  hộ khẩu")),
			},
			now: "2026-03-16 10:00"},
		{name: "phases are judged apart",
			events: []counter.Event{
				intake("2026-03-09 09:00", items("don")),
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("qsdd")),
			},
			now: "2026-03-16 10:00"},
	})
	t.Run("items", func(t *testing.T) {
		cfg := testConfig()
		evs := history(intake("2026-03-09 09:00", items("don")), intake("2026-03-09 14:00", items("don", "qsdd", "=Sổ hộ khẩu")))
		vs, _ := evaluate(cfg, evs, at("2026-03-10 08:00"))
		requireOne(t, vs, counter.VInconsistentSupplement, func(v counter.Violation) {
			requireDetail(t, v, "items", []string{"qsdd", "Sổ hộ khẩu"})
			requireDetail(t, v, "phase", "intake")
		})
	})
}

func TestExtraDocument(t *testing.T) {
	runRule(t, counter.VExtraDocument, []ruleCase{
		{name: "a paper without a code",
			events: []counter.Event{intake("2026-03-09 09:00", items("don", "=Sổ hộ khẩu"))},
			now:    "2026-03-09 15:00",
			want:   []string{"extra_document so-xd-motcua 2026-03-09 09:00:00 open high"}},
		{name: "a paper of another procedure",
			events: []counter.Event{received(recvAt, promise), appraisal("2026-03-11 09:00", items("banchinh"))},
			now:    "2026-03-11 10:00",
			want:   []string{"extra_document so-xd-qlxd 2026-03-11 09:00:00 open high"}},
		{name: "listed papers only",
			events: []counter.Event{received(recvAt, promise), appraisal("2026-03-11 09:00", items("don", "banve"))},
			now:    "2026-03-11 10:00"},
	})
}

func TestLateSupplementRequest(t *testing.T) {
	runRule(t, counter.VLateSupplementRequest, []ruleCase{
		{name: "exactly three working days after receipt",
			events: []counter.Event{received(recvAt, promise), appraisal("2026-03-13 08:15", items("don"))},
			now:    "2026-03-13 09:00"},
		{name: "later than three working days",
			events: []counter.Event{received(recvAt, promise), appraisal("2026-03-13 08:16", items("don"))},
			now:    "2026-03-13 09:00",
			want:   []string{"late_supplement_request so-xd-qlxd 2026-03-13 08:16:00 open medium"}},
		{name: "the window skips Tết",
			events: []counter.Event{received("2026-02-12 10:00", ""), appraisal("2026-02-24 09:00", items("don"))},
			now:    "2026-02-24 10:00"},
		{name: "the window restarts with the complete dossier",
			events: []counter.Event{
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("don")),
				ev(counter.SupplementReceived, "2026-03-20 09:00", desk, cbDesk),
				appraisal("2026-03-24 09:00", items("don")),
			},
			now: "2026-03-24 10:00"},
		{name: "intake requests have no window",
			events: []counter.Event{intake("2026-03-09 09:00", items("don")), intake("2026-03-20 09:00", items("don"))},
			now:    "2026-03-24 10:00"},
	})
}

func TestMissingReason(t *testing.T) {
	noReason := reason("")
	runRule(t, counter.VMissingReason, []ruleCase{
		{name: "intake request without a reason",
			events: []counter.Event{intake("2026-03-09 09:00", items("don"), noReason)},
			now:    "2026-03-09 10:00",
			want:   []string{"missing_reason so-xd-motcua 2026-03-09 09:00:00 open medium"}},
		{name: "intake refusal without a reason",
			events: []counter.Event{ev(counter.IntakeRefused, "2026-03-09 09:00", desk, cbDesk, proc(procBuild), reason("  "))},
			now:    "2026-03-09 10:00",
			want:   []string{"missing_reason so-xd-motcua 2026-03-09 09:00:00 open medium"}},
		{name: "appraisal request and rejection without reasons",
			events: []counter.Event{
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("don"), noReason),
				ev(counter.SupplementReceived, "2026-03-13 09:00", desk, cbDesk),
				ev(counter.Rejected, "2026-03-20 09:00", appr, cbAppr),
			},
			now: "2026-03-20 10:00",
			want: []string{
				"missing_reason so-xd-qlxd 2026-03-11 09:00:00 open medium",
				"missing_reason so-xd-qlxd 2026-03-20 09:00:00 open medium",
			}},
		{name: "with reasons; a withdrawal needs none",
			events: []counter.Event{
				received(recvAt, promise),
				appraisal("2026-03-11 09:00", items("don")),
				ev(counter.Withdrawn, "2026-03-12 09:00", desk, cbDesk),
			},
			now: "2026-03-20 10:00"},
	})
}
