package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/dashboard"
)

// The law by receipt date and the map over time, over the API on the
// shipped configuration (issue 11, SPEC.md §10.2).

const (
	wardHC     = "phuong-haichau"         // a ward since 1-7-2025, heir of quận Hải Châu's counter
	counterWHC = "phuong-haichau-ttpvhcc" // its public administrative service centre
	clerkWHC   = "cb-248"
)

func (a *api) dossierState(code string) map[string]any {
	a.t.Helper()
	status, body := a.do("GET", "/api/v1/dossiers/"+code, nil)
	require.Equal(a.t, 200, status, "%v", body)
	return body["dossier"].(map[string]any)
}

// TestLawByReceiptDate: a dossier received 2025-03-03 at a district
// counter of the time is judged under Decree 61/2018, one received
// 2026-03-02 at a ward centre under Decree 118/2025; each state names its
// regime and each breach cites its version's article. A stop exists only
// under the 2025 law, and ends the dossier.
func TestLawByReceiptDate(t *testing.T) {
	a := newAPI(t, "2025-03-03 07:55")
	r := receipt("")
	r["official"] = "cb-064"
	a.post("2025-03-03 08:00", "received", "LAW-2018", "q-haichau-motcua", r)
	a.at("2025-03-03 09:00")
	require.Equal(t, "v2018", a.dossierState("LAW-2018")["regime"])
	v := a.violation("LAW-2018", "missing_slip")
	require.NotNil(t, v)
	require.Equal(t, "Nghị định 61/2018/NĐ-CP Điều 17 khoản 1 điểm c", v["basis"])

	f := receipt("")
	f["official"] = clerkWHC
	a.post("2026-03-02 08:00", "received", "LAW-2026", counterWHC, f)
	a.at("2026-03-02 09:00")
	require.Equal(t, "v2025", a.dossierState("LAW-2026")["regime"])
	v = a.violation("LAW-2026", "missing_slip")
	require.NotNil(t, v)
	require.Equal(t, "Nghị định 118/2025/NĐ-CP Điều 6 khoản 1; Điều 17 khoản 3; Thông tư 03/2025/TT-VPCP Mẫu 01", v["basis"])

	// Decree 61 has no stop: refused, naming the rule version.
	a.at("2026-03-03 08:00")
	status, body := a.do("POST", "/api/v1/events", a.event("stop_requested", "LAW-2018", counterWHC, nil))
	require.Equal(t, 422, status, "%v", body)
	code, _ := errorOf(body)
	require.Equal(t, "not_in_regime", code)

	// A stop notice needs the applicant's request first.
	status, body = a.do("POST", "/api/v1/events", a.event("stop_notice_issued", "LAW-2026", counterWHC, map[string]any{"official": clerkWHC}))
	require.Equal(t, 409, status, "%v", body)
	code, _ = errorOf(body)
	require.Equal(t, "no_stop_request", code)

	a.post("2026-03-03 08:10", "stop_requested", "LAW-2026", counterWHC, map[string]any{"official": clerkWHC, "reason": "không còn nhu cầu"})
	a.post("2026-03-03 09:00", "stop_notice_issued", "LAW-2026", counterWHC, map[string]any{"official": clerkWHC})
	d := a.dossierState("LAW-2026")
	require.Equal(t, "stopped", d["status"])
	require.Equal(t, "closed", d["clock"].(map[string]any)["state"])
	a.at("2026-04-30 09:00")
	require.Nil(t, a.violation("LAW-2026", "overdue"), "a stopped dossier is never overdue")
	status, _ = a.do("POST", "/api/v1/events", a.event("result_ready", "LAW-2026", counterWHC, map[string]any{"official": clerkWHC}))
	require.Equal(t, 409, status, "nothing follows a stop notice but complaints")
}

// TestSuccessorReadsPredecessorFiles: a token scoped to a ward created on
// 1-7-2025 reads the dossiers of the district counter whose files it
// inherited; a ward that inherited nothing from it does not even learn
// the dossier exists.
func TestSuccessorReadsPredecessorFiles(t *testing.T) {
	a := newAPI(t, "2025-03-03 07:55")
	r := receipt("2025-03-10T16:00:00+07:00")
	r["official"] = "cb-064"
	a.post("2025-03-03 08:00", "received", "OLD-1", "q-haichau-motcua", r)
	a.at("2026-12-05 09:00")

	scoped := func(agency string) {
		a.srv.Authenticator = dashboard.AuthenticatorFunc(func(string) (dashboard.Principal, error) {
			return dashboard.Principal{Name: "test", Role: dashboard.RoleHead, Agency: agency}, nil
		})
	}
	scoped(wardHC)
	status, body := a.do("GET", "/api/v1/dossiers/OLD-1", nil)
	require.Equal(t, 200, status, "the heir reads its predecessor's dossier: %v", body)
	status, body = a.do("GET", "/api/v1/dossiers?agency="+wardHC, nil)
	require.Equal(t, 200, status, "%v", body)
	var codes []string
	for _, d := range body["dossiers"].([]any) {
		codes = append(codes, d.(map[string]any)["code"].(string))
	}
	require.Contains(t, codes, "OLD-1", "and finds it in its listing")

	scoped("phuong-haivan")
	status, _ = a.do("GET", "/api/v1/dossiers/OLD-1", nil)
	require.Equal(t, 404, status, "a ward that inherited nothing from quận Hải Châu")
}

// TestDossierCodeFormatOverAPI: on the configuration as shipped, a code in
// a national format passes, and any other code is stored with a
// low-severity dossier_code_format, not refused (issue 11, point 5). A
// supplement asking for the citizen's identity card, which the national
// population database holds, is database_document_requested from v2025.
func TestDossierCodeFormatOverAPI(t *testing.T) {
	a := newAPIOf(t, "2026-03-02 07:55", nil)
	f := receipt("2026-03-05T16:00:00+07:00")
	f["official"] = clerkWHC
	a.post("2026-03-02 08:00", "received", "X-1", counterWHC, f)
	v := a.violation("X-1", "dossier_code_format")
	require.NotNil(t, v, "a code in no configured format is flagged")
	require.Equal(t, "low", v["severity"])

	national := "000.00.31.H17-260302-0001"
	a.post("2026-03-02 08:05", "received", national, counterWHC, f)
	require.Nil(t, a.violation(national, "dossier_code_format"), "the national format passes")

	a.post("2026-03-02 09:00", "supplement_requested", national, counterWHC,
		map[string]any{"official": clerkWHC, "items": []any{map[string]any{"code": "cccd"}}, "reason": "Căn cước hết hạn"})
	v = a.violation(national, "database_document_requested")
	require.NotNil(t, v, "the identity card is in the national database")
	require.Equal(t, "Nghị định 118/2025/NĐ-CP Điều 5 khoản 1", v["basis"])
}

// TestEndedAgencyRefusesNewEvents: after 30-6-2025 the district's units
// take no new events, 422 agency_not_in_force naming where the work went;
// a ward's centre takes none before 1-7-2025; a transfer to an ended unit
// is refused on "to". The heir carries the old file on, and the whole
// log replays as it was judged.
func TestEndedAgencyRefusesNewEvents(t *testing.T) {
	a := newAPI(t, "2025-06-30 07:55")
	r := receipt("")
	r["official"] = "cb-064"
	a.post("2025-06-30 08:00", "received", "OLD-2", "q-haichau-motcua", r)
	a.post("2025-06-30 09:00", "transferred", "OLD-2", "q-haichau-motcua", map[string]any{"to": "q-haichau-tckh", "official": "cb-064"})

	a.at("2025-07-01 10:00")
	refused := func(wantField string, e any) string {
		t.Helper()
		status, body := a.do("POST", "/api/v1/events", e)
		require.Equal(t, 422, status, "%v", body)
		code, field := errorOf(body)
		require.Equal(t, "agency_not_in_force", code)
		require.Equal(t, wantField, field)
		return body["error"].(map[string]any)["message_vi"].(string)
	}
	msg := refused("agency", a.event("result_ready", "OLD-2", "q-haichau-tckh", nil))
	require.Contains(t, msg, "2025-07-01")
	require.Contains(t, msg, "đơn vị kế thừa: phuong-hoacuong, phuong-haichau", "the refusal says where the work went")
	require.NotContains(t, msg, "EXTRA")
	refused("agency", a.event("received", "NEW-1", "q-haichau-motcua", r))
	a.at("2025-06-30 10:00")
	f := receipt("")
	f["official"] = clerkWHC
	refused("agency", a.event("received", "EARLY-1", counterWHC, f))

	a.at("2025-07-01 10:00")
	a.post("2025-07-01 10:00", "result_ready", "OLD-2", wardHC, nil) // the ward carries on the district's files
	a.post("2025-07-01 11:00", "received", "NEW-2", counterWHC, f)
	refused("to", a.event("transferred", "NEW-2", counterWHC, map[string]any{"to": "q-haichau-tckh"}))
	require.Equal(t, "result_ready", a.dossierState("OLD-2")["status"], "the heir finished the old file")
}

// TestRollupAcrossReform: a city roll-up over June–July 2025 shows the
// district of June and the ward of July, each under the parent it had and
// each with its own receipts; in 2026 the district shows only while it
// has something to count (an overdue file it still holds), and is gone
// after its heir closes the file, which the heir then answers for.
func TestRollupAcrossReform(t *testing.T) {
	a := newAPI(t, "2025-06-30 07:55")
	r := receipt("")
	r["official"] = "cb-064"
	a.post("2025-06-30 08:00", "received", "RB-1", "q-haichau-motcua", r)
	f := receipt("")
	f["official"] = clerkWHC
	a.post("2025-07-01 08:00", "received", "RB-2", counterWHC, f)
	a.at("2026-03-02 09:00")

	children := func(path string) map[string]float64 {
		t.Helper()
		status, body := a.do("GET", path, nil)
		require.Equal(t, 200, status, "%v", body)
		out := map[string]float64{}
		for _, c := range body["children"].([]any) {
			n := c.(map[string]any)
			out[n["agency"].(string)] = n["received"].(float64)
		}
		return out
	}
	span := children("/api/v1/rollup?agency=tp-danang&from=2025-06-01T00:00:00%2B07:00&to=2025-07-31T23:59:59%2B07:00")
	require.Equal(t, float64(1), span["q-haichau"], "the district, under the city as it was")
	require.Equal(t, float64(1), span[wardHC], "the ward, under the city")
	require.Contains(t, span, "q-thanhkhe", "a district in force in June shows, counting nothing")

	const y2026 = "/api/v1/rollup?agency=tp-danang&from=2026-01-01T00:00:00%2B07:00&to=2026-03-02T23:59:59%2B07:00"
	require.Contains(t, children(y2026), "q-haichau", "an ended district still holding an overdue file shows it")
	// The ward's centre, its heir, finishes the file: from then on it
	// holds it, and the late return is its own, under its head in office.
	a.post("2026-03-02 08:30", "result_ready", "RB-1", counterWHC, map[string]any{"official": clerkWHC})
	a.post("2026-03-02 08:40", "returned", "RB-1", counterWHC, map[string]any{"official": clerkWHC})
	v := a.violation("RB-1", "late_return")
	require.NotNil(t, v)
	require.Equal(t, counterWHC, v["agency"])
	require.Equal(t, "Hoàng Hữu Hằng", v["head"].(map[string]any)["name"])
	require.Equal(t, counterWHC, a.dossierState("RB-1")["holder"])
	later := children("/api/v1/rollup?agency=tp-danang&from=2026-03-03T00:00:00%2B07:00&to=2026-12-05T23:59:59%2B07:00")
	require.NotContains(t, later, "q-haichau", "no district once it has nothing to show")
	require.NotContains(t, later, "q-thanhkhe")
	require.Contains(t, later, wardHC)
	require.Contains(t, later, "so-xd", "departments go on")

	before := children("/api/v1/rollup?agency=tp-danang&from=2024-01-01T00:00:00%2B07:00&to=2024-12-31T23:59:59%2B07:00")
	require.NotContains(t, before, wardHC, "the ward did not exist in 2024")
}
