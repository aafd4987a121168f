package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Event time over HTTP (SPEC.md §10.1): each case of issue 9's "Why", an
// integration syncing late or a desk typing a paper record in after the
// fact. The verdicts must be those of what happened at the counter, not
// of when motcua heard of it.

// postAt moves the server clock to now (sweeping what fell due) and posts
// an event that happened at at. It returns the status and the body.
func (a *api) postAt(now, at, typ, dossier, agency string, fields map[string]any) (int, map[string]any, string) {
	a.t.Helper()
	a.at(now)
	e := a.event(typ, dossier, agency, fields)
	e["at"] = local(at).Format(time.RFC3339)
	code, body := a.do("POST", "/api/v1/events", e)
	return code, body, e["id"].(string)
}

// violation returns the dossier's violation with code (the first), as JSON.
func (a *api) violation(dossier, code string) map[string]any {
	a.t.Helper()
	_, body := a.do("GET", "/api/v1/dossiers/"+dossier, nil)
	for _, v := range body["violations"].([]any) {
		if m := v.(map[string]any); m["code"] == code {
			return m
		}
	}
	return nil
}

func (a *api) rollupTotal(agency, code string) float64 {
	a.t.Helper()
	_, body := a.do("GET", "/api/v1/rollup?agency="+agency, nil)
	n, _ := body["total"].(map[string]any)[code].(float64)
	return n
}

func TestEventTimeSlipRecordedLate(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-1", counterHC, receipt(""))
	a.at("2026-03-02 09:16")
	require.Equal(t, []vkey{{"missing_slip", counterHC, "open"}}, a.violations("ET-1"), "15 minutes without a slip on record")
	require.Equal(t, float64(1), a.rollupTotal(wardHC, "missing_slip"))

	// The slip was handed over at 09:05; the desk types it in at 09:25.
	code, body, id := a.postAt("2026-03-02 09:25", "2026-03-02 09:05", "slip_issued", "ET-1", counterHC,
		map[string]any{"number": "15/2026", "due_at": "2026-03-05T16:00:00+07:00"})
	require.Equal(t, 201, code, "%v", body)
	require.Equal(t, []vkey{{"missing_slip", counterHC, "withdrawn"}}, a.violations("ET-1"))
	v := a.violation("ET-1", "missing_slip")
	require.Equal(t, id, v["withdrawn_by"], "the withdrawal names the event that showed the slip was given in time")
	require.Equal(t, "2026-03-02T09:25:00+07:00", v["withdrawn_at"])
	require.Zero(t, a.rollupTotal(wardHC, "missing_slip"), "a withdrawn verdict counts nowhere")
	pushed := body["violations"].([]any)
	require.Len(t, pushed, 1, "the withdrawal is answered (and pushed) like any change")
	require.Equal(t, "withdrawn", pushed[0].(map[string]any)["status"])
}

func TestEventTimeResultBeforeDeadlineSyncedAfter(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-2", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "ET-2", counterHC, map[string]any{"to": tckhHC})
	a.at("2026-03-05 16:01")
	require.Equal(t, []vkey{{"missing_apology", tckhHC, "open"}, {"overdue", tckhHC, "open"}}, a.violations("ET-2"))
	require.Equal(t, float64(1), a.rollupTotal(wardHC, "overdue"))

	// Finished at 15:00, synced at 16:30.
	code, body, _ := a.postAt("2026-03-05 16:30", "2026-03-05 15:00", "result_ready", "ET-2", tckhHC, nil)
	require.Equal(t, 201, code, "%v", body)
	require.Equal(t, []vkey{{"missing_apology", tckhHC, "withdrawn"}, {"overdue", tckhHC, "withdrawn"}}, a.violations("ET-2"))
	require.Zero(t, a.rollupTotal(wardHC, "overdue"))
	_, body = a.do("GET", "/api/v1/rollup?agency="+wardHC, nil)
	require.Zero(t, body["overdue_open"], "no dossier of the district is overdue")
	require.Equal(t, float64(1), body["on_time"], "finished on time, as it was")
	_, body = a.do("GET", "/api/v1/dossiers/ET-2", nil)
	require.Equal(t, "done_on_time", body["dossier"].(map[string]any)["clock"].(map[string]any)["state"])
}

func TestEventTimeTimelyApologyThenResultSyncedLate(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-3", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "ET-3", counterHC, map[string]any{"to": tckhHC})
	a.post("2026-03-04 10:00", "apology_issued", "ET-3", tckhHC, map[string]any{
		"reason": "Chờ xác minh", "new_due_at": "2026-03-09T16:00:00+07:00"})
	a.at("2026-03-09 16:01")
	require.Equal(t, []vkey{{"late_after_reschedule", tckhHC, "open"}, {"overdue", tckhHC, "open"}}, a.violations("ET-3"))
	code, body, _ := a.postAt("2026-03-09 17:00", "2026-03-09 15:00", "result_ready", "ET-3", tckhHC, nil)
	require.Equal(t, 201, code, "%v", body)
	require.Equal(t, []vkey{{"late_after_reschedule", tckhHC, "withdrawn"}, {"late_return", tckhHC, "open"}, {"overdue", tckhHC, "withdrawn"}}, a.violations("ET-3"),
		"finished before the new date: only the excused late return stands")
	require.Equal(t, "low", a.violation("ET-3", "late_return")["severity"])
}

func TestEventTimeTransferSyncedLate(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-4", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.at("2026-03-05 16:01")
	require.Equal(t, []vkey{{"late_transfer", counterHC, "open"}, {"missing_apology", counterHC, "open"}, {"overdue", counterHC, "open"}},
		a.violations("ET-4"), "as far as motcua knows, the counter kept it")

	// The transfer to the division happened on Monday at 09:30; the
	// integration syncs it on Thursday evening.
	code, body, _ := a.postAt("2026-03-05 16:30", "2026-03-02 09:30", "transferred", "ET-4", counterHC, map[string]any{"to": tckhHC})
	require.Equal(t, 201, code, "%v", body)
	require.Equal(t, []vkey{{"backdated_entry", counterHC, "open"}, {"late_transfer", counterHC, "withdrawn"}, {"missing_apology", tckhHC, "open"}, {"overdue", tckhHC, "open"}},
		a.violations("ET-4"), "charged to the unit that held it at the deadline; the transfer was on time (but recorded three days late)")
	_, body = a.do("GET", "/api/v1/rollup?agency="+wardHC, nil)
	var counterNode, tckhNode map[string]any
	for _, c := range body["children"].([]any) {
		switch n := c.(map[string]any); n["agency"] {
		case counterHC:
			counterNode = n
		case tckhHC:
			tckhNode = n
		}
	}
	require.Equal(t, map[string]any{"backdated_entry": float64(1)}, counterNode["direct"], "only the late recording stays on the counter's head")
	require.Equal(t, float64(1), tckhNode["direct"].(map[string]any)["overdue"])
	require.Equal(t, float64(1), tckhNode["overdue_open"])
	require.Zero(t, counterNode["overdue_open"])
	_, body = a.do("GET", "/api/v1/violations?agency="+counterHC, nil)
	for _, v := range body["violations"].([]any) {
		if m := v.(map[string]any); m["code"] != "backdated_entry" {
			require.Equal(t, "withdrawn", m["status"], "the counter's list keeps only what was withdrawn from it")
		}
	}
}

func TestEventTimeApologyDatedBeforeReturn(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-5", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "ET-5", counterHC, map[string]any{"to": tckhHC})
	a.post("2026-03-06 10:00", "result_ready", "ET-5", tckhHC, nil)
	a.post("2026-03-06 11:00", "returned", "ET-5", counterHC, nil)
	require.Equal(t, []vkey{{"late_return", tckhHC, "open"}, {"missing_apology", tckhHC, "open"}, {"overdue", tckhHC, "resolved"}}, a.violations("ET-5"))
	// The division had sent Form 04 on Wednesday; it reaches motcua after the return.
	code, body, _ := a.postAt("2026-03-06 15:00", "2026-03-04 10:00", "apology_issued", "ET-5", tckhHC, map[string]any{
		"reason": "Chờ xác minh", "new_due_at": "2026-03-09T16:00:00+07:00"})
	require.Equal(t, 201, code, "an event dated before the dossier ended is accepted: %v", body)
	require.Equal(t, []vkey{{"backdated_entry", tckhHC, "open"}, {"late_return", tckhHC, "open"}, {"missing_apology", tckhHC, "withdrawn"}, {"overdue", tckhHC, "withdrawn"}},
		a.violations("ET-5"), "recorded two days late: the one verdict about recording time")
	require.Equal(t, "low", a.violation("ET-5", "late_return")["severity"], "excused by the timely apology")
}

func TestEventTimeTransfersOutOfOrder(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "ET-6", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	// The division's onward transfer arrives before the counter's.
	onward := map[string]any{"to": tnmtHC}
	code, body, _ := a.postAt("2026-03-02 10:05", "2026-03-02 10:00", "transferred", "ET-6", tckhHC, onward)
	require.Equal(t, 409, code, "at 10:00 the counter still holds it, as far as the record goes: %v", body)
	require.Equal(t, "not_holder", body["error"].(map[string]any)["code"])
	code, body, first := a.postAt("2026-03-02 10:10", "2026-03-02 09:30", "transferred", "ET-6", counterHC, map[string]any{"to": tckhHC})
	require.Equal(t, 201, code, "%v", body)
	code, body, _ = a.postAt("2026-03-02 10:15", "2026-03-02 10:00", "transferred", "ET-6", tckhHC, onward)
	require.Equal(t, 201, code, "retried after the earlier transfer arrived: %v", body)
	_, body = a.do("GET", "/api/v1/dossiers/ET-6", nil)
	require.Equal(t, tnmtHC, body["dossier"].(map[string]any)["holder"])

	// A transfer dated 09:15 from the counter to another division would
	// leave the 09:30 transfer sent by a unit that no longer held it.
	code, body, _ = a.postAt("2026-03-02 10:20", "2026-03-02 09:15", "transferred", "ET-6", counterHC, map[string]any{"to": tnmtHC})
	require.Equal(t, 409, code, "%v", body)
	e := body["error"].(map[string]any)
	require.Equal(t, "conflicts_with_history", e["code"])
	require.Equal(t, first, e["field"], "the error names the recorded event it would break")
	require.Contains(t, e["message_vi"], "không hợp lệ")
	_, body = a.do("GET", "/api/v1/dossiers/ET-6", nil)
	require.Len(t, body["events"], 3, "a refused event stores nothing")

	// A former holder cannot act on it any more (SPEC.md §10.4).
	code, body, _ = a.postAt("2026-03-02 10:30", "2026-03-02 10:25", "result_ready", "ET-6", tckhHC, nil)
	require.Equal(t, 409, code, "%v", body)
	require.Equal(t, "not_holder", body["error"].(map[string]any)["code"])
	// ... but it could, dated when it still held it.
	code, body, _ = a.postAt("2026-03-02 10:30", "2026-03-02 10:00", "apology_issued", "ET-6", tckhHC, map[string]any{
		"reason": "Chờ xác minh", "new_due_at": "2026-03-09T16:00:00+07:00"})
	require.Equal(t, 409, code, "10:00 is the instant of the onward transfer, which came first: %v", body)
	code, body, _ = a.postAt("2026-03-02 10:30", "2026-03-02 09:59", "apology_issued", "ET-6", tckhHC, map[string]any{
		"reason": "Chờ xác minh", "new_due_at": "2026-03-09T16:00:00+07:00"})
	require.Equal(t, 201, code, "%v", body)
}

func TestEventTimeShiftRecordedLate(t *testing.T) {
	a := newAPI(t, "2026-03-02 07:25")
	for _, desk := range []string{"q1", "q2"} {
		a.post("2026-03-02 07:30", "shift_started", "", counterHC, map[string]any{"desk": desk, "official": clerkHC})
	}
	a.at("2026-03-02 07:50")
	_, body := a.do("GET", "/api/v1/violations?agency="+counterHC+"&code=desk_unstaffed", nil)
	require.Len(t, body["violations"], 1, "desk q3 unstaffed past the grace")
	require.Equal(t, "open", body["violations"].([]any)[0].(map[string]any)["status"])
	// The clerk of q3 started at 07:31 and the shift is typed in at 08:00.
	code, body, id := a.postAt("2026-03-02 08:00", "2026-03-02 07:31", "shift_started", "", counterHC, map[string]any{"desk": "q3", "official": "cb-249"})
	require.Equal(t, 201, code, "%v", body)
	_, body = a.do("GET", "/api/v1/violations?agency="+counterHC+"&code=desk_unstaffed", nil)
	v := body["violations"].([]any)[0].(map[string]any)
	require.Equal(t, "withdrawn", v["status"])
	require.Equal(t, id, v["withdrawn_by"])
	require.Zero(t, a.rollupTotal(counterHC, "desk_unstaffed"))
}
