package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard"
)

// as makes the API answer every request as p (the token's role and scope).
func (a *api) as(p dashboard.Principal) {
	a.srv.Authenticator = dashboard.AuthenticatorFunc(func(string) (dashboard.Principal, error) { return p, nil })
}

// TestFormerHolderLosesWriteAccess reproduces issue 10's case 4 over HTTP:
// a counter that handed a dossier to a division can no longer record its
// supplement request, apology, result or rejection (4 of 4 were accepted),
// judged at each event's `at` (SPEC.md §10.4).
func TestFormerHolderLosesWriteAccess(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "WR-1", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 09:30", "transferred", "WR-1", counterHC, map[string]any{"to": tckhHC})
	a.as(dashboard.Principal{Name: "quầy Hải Châu", Role: dashboard.RoleDesk, Agency: counterHC})
	a.at("2026-03-03 10:00")
	for _, tc := range []struct {
		typ    string
		fields map[string]any
	}{
		{"supplement_requested", map[string]any{"items": []any{map[string]any{"code": "cccd"}}, "reason": "Thiếu CCCD"}},
		{"apology_issued", map[string]any{"reason": "Chậm", "new_due_at": "2026-03-09T16:00:00+07:00"}},
		{"result_ready", nil},
		{"rejected", map[string]any{"reason": "Không đủ điều kiện"}},
	} {
		code, body := a.do("POST", "/api/v1/events", a.event(tc.typ, "WR-1", counterHC, tc.fields))
		require.Equal(t, 409, code, "%s: %v", tc.typ, body)
		require.Equal(t, counter.CodeNotHolder, body["error"].(map[string]any)["code"], tc.typ)
	}
	// The division that holds it may; and the counter may still hand the result back.
	a.as(dashboard.Principal{Name: "phòng TC-KH", Role: dashboard.RoleIntegration, Agency: wardHC})
	a.post("2026-03-03 10:05", "result_ready", "WR-1", tckhHC, nil)
	a.as(dashboard.Principal{Name: "quầy Hải Châu", Role: dashboard.RoleDesk, Agency: counterHC})
	a.post("2026-03-03 10:10", "returned", "WR-1", counterHC, nil)
}

// TestComplaintResolvedOnlyOverTheSubject reproduces issue 10's case 5: a
// ward desk confirmed a complaint against another district's official and
// the breach landed on that district's head. Resolving is for a head or
// supervisor over the subject official's agency, or an integration scoped
// over it.
func TestComplaintResolvedOnlyOverTheSubject(t *testing.T) {
	a := newAPI(t, "2026-03-02 08:55")
	a.post("2026-03-02 09:00", "received", "WR-2", counterHC, receipt("2026-03-05T16:00:00+07:00"))
	a.post("2026-03-02 14:00", "complaint_filed", "WR-2", counterHC, map[string]any{
		"complaint": "K1", "category": "harassment", "subject_official": clerkHC})
	resolve := func() (int, map[string]any) {
		return a.do("POST", "/api/v1/events", a.event("complaint_resolved", "WR-2", counterHC, map[string]any{"complaint": "K1", "outcome": "upheld"}))
	}
	a.at("2026-03-03 09:00")
	for _, p := range []dashboard.Principal{
		{Role: dashboard.RoleDesk, Agency: counterHC},                // a desk, even the counter's own
		{Role: dashboard.RoleDesk, Agency: "tp-danang"},              // a desk, however high
		{Role: dashboard.RoleHead, Agency: "phuong-thanhkhe"},        // another ward's head
		{Role: dashboard.RoleIntegration, Agency: "phuong-thanhkhe"}, // another ward's system
		{Role: dashboard.RoleViewer, Agency: "tp-danang"},            // a kiosk
		{Role: dashboard.RoleSupervisor, Agency: tnmtHC},             // a supervisor beside the subject
	} {
		a.as(p)
		code, body := resolve()
		require.Contains(t, []int{403, 404}, code, "%+v: %v", p, body)
		require.Contains(t, []any{counter.CodeForbidden, counter.CodeDossierNotFound}, body["error"].(map[string]any)["code"], "%+v", p)
	}
	a.as(dashboard.Principal{Role: dashboard.RoleHead, Agency: wardHC})
	code, body := resolve()
	require.Equal(t, 201, code, "the ward's head over the subject official: %v", body)
	require.Equal(t, []vkey{{"complaint", counterHC, "confirmed"}, {"late_transfer", counterHC, "open"}}, a.violations("WR-2"),
		"confirmed, on the subject's unit (and the counter never passed the dossier on)")
}
