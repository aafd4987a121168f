package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Whole-dossier scenarios through the HTTP API with the shipped Da Nang
// configuration and the real rules: each asserts the exact set of
// violations a head would see. Household business registration (2.000720)
// takes 3 working days; its internal steps are budgeted, but transfers
// below name no step unless the case is about steps.
//
// The units are Hải Châu ward's of the 2025 map (the scenarios run in
// 2026, when the district and its counter no longer exist): its public
// administrative service centre and two of its divisions.
const (
	counterHC = "phuong-haichau-ttpvhcc"
	tckhHC    = "phuong-haichau-kthtdt" // Phòng Kinh tế, Hạ tầng và Đô thị
	tnmtHC    = "phuong-haichau-vp"     // Văn phòng HĐND và UBND
	clerkHC   = "cb-248"                // at the centre
	vpHC      = "cb-251"                // at the Văn phòng
	hkd       = "2.000720"
)

func receipt(slipDue string) map[string]any {
	f := map[string]any{"procedure": hkd, "channel": "direct", "official": clerkHC,
		"applicant": map[string]any{"name": "Nguyễn Thị Mai"}}
	if slipDue != "" {
		f["slip"] = map[string]any{"number": "15/2026", "due_at": slipDue}
	}
	return f
}

func TestScenarioBeforeTetOnTime(t *testing.T) {
	a := newAPI(t, "2026-02-13 09:55")
	// Friday before Tết (16–20/02 off). 3 working days: Mon 23, Tue 24,
	// Wed 25, so the legal limit is 25/02 23:59:59 and a slip for 25/02
	// 16:00 is within it.
	body := a.post("2026-02-13 10:00", "received", "HC-1", counterHC, receipt("2026-02-25T16:00:00+07:00"))
	d := body["dossiers"].([]any)[0].(map[string]any)
	require.Equal(t, "2026-02-25T23:59:59+07:00", d["legal_due_at"])
	require.Equal(t, "2026-02-25T16:00:00+07:00", d["due_at"])
	a.post("2026-02-13 10:30", "transferred", "HC-1", counterHC, map[string]any{"to": tckhHC})
	a.post("2026-02-24 10:00", "transferred", "HC-1", tckhHC, map[string]any{"to": counterHC})
	a.post("2026-02-24 15:00", "result_ready", "HC-1", counterHC, nil)
	a.post("2026-02-25 09:00", "returned", "HC-1", counterHC, nil)
	require.Empty(t, a.violations("HC-1"), "received across Tết and returned on time: nothing to answer for")
	_, body = a.do("GET", "/api/v1/dossiers/HC-1", nil)
	require.Equal(t, "done_on_time", body["dossier"].(map[string]any)["clock"].(map[string]any)["state"])
}

func TestScenarioSupplementRestartsTheClock(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "HC-2", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "HC-2", counterHC, map[string]any{"to": tckhHC})
	// Within 3 working days, once, for a listed paper, with a reason.
	a.post("2026-03-03 10:00", "supplement_requested", "HC-2", tckhHC, map[string]any{
		"items": []any{map[string]any{"code": "bien_ban_hop"}}, "reason": "Thiếu biên bản họp thành viên hộ gia đình"})
	_, body := a.do("GET", "/api/v1/dossiers/HC-2", nil)
	clock := body["dossier"].(map[string]any)["clock"].(map[string]any)
	require.Equal(t, "paused", clock["state"])
	require.Equal(t, "Thiếu biên bản họp thành viên hộ gia đình", clock["paused_reason"])
	// The complete dossier arrives Fri 06/03: the full 3 working days run
	// again (Mon 9, Tue 10, Wed 11), and the old slip's promise lapses.
	body = a.post("2026-03-06 09:00", "supplement_received", "HC-2", counterHC, nil)
	d := body["dossiers"].([]any)[0].(map[string]any)
	require.Equal(t, "2026-03-11T23:59:59+07:00", d["legal_due_at"])
	require.Equal(t, "2026-03-11T23:59:59+07:00", d["due_at"])
	a.post("2026-03-06 09:05", "slip_issued", "HC-2", counterHC, map[string]any{"number": "16/2026", "due_at": "2026-03-11T16:00:00+07:00"})
	a.post("2026-03-10 10:00", "transferred", "HC-2", tckhHC, map[string]any{"to": counterHC})
	a.post("2026-03-10 11:00", "result_ready", "HC-2", counterHC, nil)
	a.post("2026-03-11 09:00", "returned", "HC-2", counterHC, nil)
	require.Empty(t, a.violations("HC-2"), "past the first slip's time, but the clock restarted lawfully")
}

func TestScenarioApologyInTime(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "HC-3", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "HC-3", counterHC, map[string]any{"to": tckhHC})
	// Wed 10:00 is a full working day before Thu 16:00: a timely Form 04.
	a.post("2026-03-04 10:00", "apology_issued", "HC-3", tckhHC, map[string]any{
		"reason": "Chờ xác minh", "new_due_at": "2026-03-09T16:00:00+07:00"})
	a.post("2026-03-09 10:00", "result_ready", "HC-3", tckhHC, nil)
	require.Equal(t, []vkey{{"late_return", tckhHC, "open"}}, a.violations("HC-3"))
	_, body := a.do("GET", "/api/v1/violations?agency="+wardHC+"&code=late_return", nil)
	v := body["violations"].([]any)[0].(map[string]any)
	require.Equal(t, "low", v["severity"], "late but excused by a timely apology")
	require.Equal(t, true, v["details"].(map[string]any)["excused"])
	require.Equal(t, "Chủ tịch UBND phường", headTitle(a, wardHC), "the roll-up names the head who answers for it")
}

func TestScenarioLateReturnWithoutApology(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "HC-4", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "HC-4", counterHC, map[string]any{"to": tckhHC})
	a.at("2026-03-05 16:01")
	require.Equal(t, []vkey{{"missing_apology", tckhHC, "open"}, {"overdue", tckhHC, "open"}}, a.violations("HC-4"),
		"the deadline passing raises the breach at once, charged to the unit holding the dossier")
	a.post("2026-03-06 10:00", "result_ready", "HC-4", tckhHC, nil)
	require.Equal(t, []vkey{{"late_return", tckhHC, "open"}, {"missing_apology", tckhHC, "open"}, {"overdue", tckhHC, "resolved"}},
		a.violations("HC-4"))
}

func TestScenarioBouncedTransfers(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "HC-5", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "HC-5", counterHC, map[string]any{"to": tckhHC})
	a.post("2026-03-02 10:00", "transferred", "HC-5", tckhHC, map[string]any{"to": tnmtHC})
	a.post("2026-03-02 10:30", "transferred", "HC-5", tnmtHC, map[string]any{"to": tckhHC}) // first return: tolerated
	require.Empty(t, a.violations("HC-5"))
	a.post("2026-03-02 11:00", "transferred", "HC-5", tckhHC, map[string]any{"to": tnmtHC}) // second: đùn đẩy
	require.Equal(t, []vkey{{"responsibility_bounce", tckhHC, "open"}}, a.violations("HC-5"))
}

func TestScenarioComplaints(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "HC-6", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "HC-6", counterHC, map[string]any{"to": tnmtHC})
	a.post("2026-03-02 14:00", "complaint_filed", "HC-6", counterHC, map[string]any{
		"complaint": "K1", "category": "harassment", "subject_official": vpHC, "text": "Yêu cầu nộp thêm tiền"})
	a.post("2026-03-02 14:10", "complaint_filed", "HC-6", counterHC, map[string]any{"complaint": "K2", "category": "attitude"})
	require.Equal(t, []vkey{{"complaint", tnmtHC, "provisional"}, {"complaint", tnmtHC, "provisional"}}, a.violations("HC-6"),
		"charged to the official's unit, else to the unit holding the dossier")
	a.post("2026-03-03 09:00", "complaint_resolved", "HC-6", counterHC, map[string]any{"complaint": "K1", "outcome": "upheld"})
	a.post("2026-03-03 09:10", "complaint_resolved", "HC-6", counterHC, map[string]any{"complaint": "K2", "outcome": "unfounded"})
	require.Equal(t, []vkey{{"complaint", tnmtHC, "confirmed"}, {"complaint", tnmtHC, "dismissed"}}, a.violations("HC-6"))
	_, body := a.do("GET", "/api/v1/rollup?agency="+wardHC, nil)
	require.Equal(t, float64(1), body["total"].(map[string]any)["complaint"], "a complaint found unfounded counts nowhere")
}

func headTitle(a *api, agency string) string {
	_, body := a.do("GET", "/api/v1/rollup?agency="+agency, nil)
	return body["head"].(map[string]any)["title"].(string)
}
