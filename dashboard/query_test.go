package dashboard_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
)

func TestDossierView(t *testing.T) {
	received := time.Date(2026, 3, 10, 8, 15, 0, 0, hcm)
	tests := []struct {
		name  string
		due   time.Time
		state string
	}{
		{"past due is overdue now", time.Date(2026, 3, 17, 17, 0, 0, 0, hcm), counter.ClockOverdue},
		{"due later today", time.Date(2026, 3, 18, 16, 0, 0, 0, hcm), counter.ClockDueToday},
		{"due far ahead", time.Date(2026, 4, 30, 17, 0, 0, 0, hcm), counter.ClockOnTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked string
			s := newServer(t, &mock.Ledger{
				FindDossierByCodeFn: func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
					asked = code
					d := &counter.Dossier{Code: code, Status: counter.DossierProcessing, ReceivedAt: &received, ClockStart: &received,
						DueAt: &tt.due, Clock: counter.Clock{State: counter.ClockIntake}} // stale on purpose
					return d, []counter.Event{{ID: "e1", Type: counter.Received, Dossier: code}}, nil, nil
				},
			})
			r := do(t, s, "GET", "/api/v1/dossiers/000.00.31.H17-260310-0001", nil)
			require.Equal(t, 200, r.Status, "body %s", r.Body)
			require.Equal(t, "000.00.31.H17-260310-0001", asked)
			var out struct {
				Dossier    counter.Dossier      `json:"dossier"`
				Events     []counter.Event      `json:"events"`
				Violations *[]counter.Violation `json:"violations"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &out))
			require.Equal(t, tt.state, out.Dossier.Clock.State)
			require.Len(t, out.Events, 1)
			require.NotNil(t, out.Violations)
			require.Empty(t, *out.Violations)
		})
	}
}

func TestDossierViewEscapedCode(t *testing.T) {
	var asked string
	s := newServer(t, &mock.Ledger{
		FindDossierByCodeFn: func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
			asked = code
			return nil, nil, nil, counter.Errorf(counter.CodeDossierNotFound, "", "no dossier %q", "không có hồ sơ %q", code)
		},
	})
	r := do(t, s, "GET", "/api/v1/dossiers/A%20B", nil)
	require.Equal(t, 404, r.Status)
	code, _, _, _ := apiError(t, r)
	require.Equal(t, counter.CodeDossierNotFound, code)
	require.Equal(t, "A B", asked)
}

func TestDossierIndex(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		want   counter.DossierFilter
		status int
		code   string
		field  string
	}{
		{name: "defaults", query: "", want: counter.DossierFilter{Agency: "tp-danang", Limit: 50}, status: 200},
		{name: "every parameter", query: "?agency=so-xd&state=overdue&procedure=1.009994&limit=500&cursor=abc",
			want: counter.DossierFilter{Agency: "so-xd", State: "overdue", Procedure: "1.009994", Limit: 500, Cursor: "abc"}, status: 200},
		{name: "unknown agency", query: "?agency=nowhere", status: 404, code: counter.CodeNotFound, field: "agency"},
		{name: "unknown state", query: "?state=late", status: 422, code: counter.CodeInvalidParam, field: "state"},
		{name: "unknown procedure", query: "?procedure=9.999", status: 422, code: counter.CodeInvalidParam, field: "procedure"},
		{name: "limit not a number", query: "?limit=ten", status: 422, code: counter.CodeInvalidParam, field: "limit"},
		{name: "limit zero", query: "?limit=0", status: 422, code: counter.CodeInvalidParam, field: "limit"},
		{name: "limit over max", query: "?limit=501", status: 422, code: counter.CodeInvalidParam, field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got counter.DossierFilter
			due := time.Date(2026, 3, 17, 17, 0, 0, 0, hcm)
			s := newServer(t, &mock.Ledger{
				FindDossiersFn: func(ctx context.Context, f counter.DossierFilter) ([]*counter.Dossier, string, error) {
					got = f
					return []*counter.Dossier{{Code: "D-1", Status: counter.DossierProcessing, ReceivedAt: &due, ClockStart: &due, DueAt: &due}}, "next-page", nil
				},
			})
			r := do(t, s, "GET", "/api/v1/dossiers"+tt.query, nil)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			if tt.code != "" {
				code, _, _, field := apiError(t, r)
				require.Equal(t, tt.code, code)
				require.Equal(t, tt.field, field)
				return
			}
			require.Equal(t, tt.want, got)
			var out struct {
				Dossiers   []counter.Dossier `json:"dossiers"`
				NextCursor string            `json:"next_cursor"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &out))
			require.Equal(t, "next-page", out.NextCursor)
			require.Len(t, out.Dossiers, 1)
			require.Equal(t, counter.ClockOverdue, out.Dossiers[0].Clock.State)
		})
	}
}

func TestViolationIndex(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		want   counter.ViolationFilter
		status int
		code   string
		field  string
	}{
		{name: "defaults", want: counter.ViolationFilter{Agency: "tp-danang", Limit: 50}, status: 200},
		{name: "every parameter",
			query: "?agency=so-xd-motcua&code=overdue&severity=high&status=open&dossier=D-1&from=2026-03-01T00:00:00%2B07:00&to=2026-04-01T00:00:00Z&limit=2&cursor=c2",
			want: counter.ViolationFilter{Agency: "so-xd-motcua", Code: "overdue", Severity: "high", Status: "open", Dossier: "D-1",
				From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("", 7*3600)), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Limit: 2, Cursor: "c2"},
			status: 200},
		{name: "unknown agency", query: "?agency=x", status: 404, code: counter.CodeNotFound, field: "agency"},
		{name: "unknown code", query: "?code=bribe", status: 422, code: counter.CodeInvalidParam, field: "code"},
		{name: "unknown severity", query: "?severity=urgent", status: 422, code: counter.CodeInvalidParam, field: "severity"},
		{name: "unknown status", query: "?status=closed", status: 422, code: counter.CodeInvalidParam, field: "status"},
		{name: "bad from", query: "?from=2026-03-01", status: 422, code: counter.CodeInvalidParam, field: "from"},
		{name: "bad to", query: "?to=tomorrow", status: 422, code: counter.CodeInvalidParam, field: "to"},
		{name: "to before from", query: "?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", status: 422, code: counter.CodeInvalidParam, field: "to"},
		{name: "bad limit", query: "?limit=-1", status: 422, code: counter.CodeInvalidParam, field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got counter.ViolationFilter
			s := newServer(t, &mock.Ledger{
				FindViolationsFn: func(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error) {
					got = f
					return nil, "", nil
				},
			})
			r := do(t, s, "GET", "/api/v1/violations"+tt.query, nil)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			if tt.code != "" {
				code, _, _, field := apiError(t, r)
				require.Equal(t, tt.code, code)
				require.Equal(t, tt.field, field)
				return
			}
			require.True(t, tt.want.From.Equal(got.From) && tt.want.To.Equal(got.To), "from %v to %v", got.From, got.To)
			tt.want.From, tt.want.To = got.From, got.To
			require.Equal(t, tt.want, got)
			require.JSONEq(t, `{"violations":[],"next_cursor":""}`, string(r.Body))
		})
	}
}

func TestCursorErrorFromLedger(t *testing.T) {
	s := newServer(t, &mock.Ledger{
		FindViolationsFn: func(ctx context.Context, f counter.ViolationFilter) ([]counter.Violation, string, error) {
			return nil, "", counter.Errorf(counter.CodeInvalidParam, "cursor", "invalid cursor", "cursor không hợp lệ")
		},
	})
	r := do(t, s, "GET", "/api/v1/violations?cursor=garbage", nil)
	require.Equal(t, 422, r.Status)
	code, _, _, field := apiError(t, r)
	require.Equal(t, counter.CodeInvalidParam, code)
	require.Equal(t, "cursor", field)
}

func TestRollupView(t *testing.T) {
	rate := 0.5
	tests := []struct {
		name   string
		query  string
		agency string
		from   time.Time
		status int
	}{
		{"whole tree", "", "tp-danang", time.Time{}, 200},
		{"period", "?agency=so-xd&from=2026-03-01T00:00:00Z", "so-xd", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 200},
		{"unknown agency", "?agency=x", "", time.Time{}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var agency string
			var from, to time.Time
			s := newServer(t, &mock.Ledger{
				RollupFn: func(ctx context.Context, a string, f, tto time.Time) (*counter.RollupNode, error) {
					agency, from, to = a, f, tto
					return &counter.RollupNode{Agency: a, Name: "n", Level: "city", Direct: map[string]int{"overdue": 1},
						Total: map[string]int{"overdue": 2}, Received: 2, Finished: 2, OnTime: 1, OnTimeRate: &rate,
						Children: []*counter.RollupNode{{Agency: "c", Direct: map[string]int{}, Total: map[string]int{"overdue": 1}}}}, nil
				},
			})
			r := do(t, s, "GET", "/api/v1/rollup"+tt.query, nil)
			require.Equal(t, tt.status, r.Status, "body %s", r.Body)
			if tt.status != 200 {
				return
			}
			require.Equal(t, tt.agency, agency)
			require.True(t, tt.from.Equal(from))
			require.True(t, to.IsZero())
			var node map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &node))
			require.Equal(t, tt.agency, node["agency"])
			require.Equal(t, 0.5, node["on_time_rate"])
			require.Len(t, node["children"], 1)
		})
	}
}

func TestConfigViews(t *testing.T) {
	s := newServer(t, &mock.Ledger{})
	r := do(t, s, "GET", "/api/v1/agencies", nil)
	require.Equal(t, 200, r.Status)
	var ag struct {
		Agencies  counter.Agency     `json:"agencies"`
		Officials []counter.Official `json:"officials"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &ag))
	require.Equal(t, "tp-danang", ag.Agencies.ID)
	require.Equal(t, "so-xd-motcua", ag.Agencies.Children[0].Children[0].ID)
	require.Equal(t, []string{"q1", "q2"}, ag.Agencies.Children[0].Children[0].Desks)
	require.Equal(t, []counter.Official{{ID: "cb-001", Name: "Phạm D", Agency: "so-xd-motcua"}}, ag.Officials)

	r = do(t, s, "GET", "/api/v1/procedures", nil)
	require.Equal(t, 200, r.Status)
	var pr struct {
		Procedures []counter.Procedure `json:"procedures"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &pr))
	require.Len(t, pr.Procedures, 1)
	require.Equal(t, "1.009994", pr.Procedures[0].Code)
	require.Equal(t, 15, pr.Procedures[0].LeadTime.Value)
}

func TestCalendarDue(t *testing.T) {
	tests := []struct {
		name  string
		query string
		due   string
		field string
	}{
		// Tuesday 10:00 + 3 working days: the day of from is not counted.
		{"working days", "?from=2026-03-10T10:00:00%2B07:00&value=3&unit=working_days", "2026-03-13T23:59:59+07:00", ""},
		// Friday + 3 working days skips the weekend.
		{"over a weekend", "?from=2026-03-13T10:00:00%2B07:00&value=3&unit=working_days", "2026-03-18T23:59:59+07:00", ""},
		// A UTC input is answered in the calendar's zone.
		{"answered in local time", "?from=2026-03-10T03:00:00Z&value=1&unit=working_days", "2026-03-11T23:59:59+07:00", ""},
		// Tuesday 16:00 + 2 working hours: one hour left today, one tomorrow.
		{"working hours", "?from=2026-03-10T16:00:00%2B07:00&value=2&unit=working_hours", "2026-03-11T08:30:00+07:00", ""},
		{"missing from", "?value=3&unit=days", "", "from"},
		{"bad from", "?from=10/03/2026&value=3&unit=days", "", "from"},
		{"missing value", "?from=2026-03-10T10:00:00Z&unit=days", "", "value"},
		{"negative value", "?from=2026-03-10T10:00:00Z&value=-1&unit=days", "", "value"},
		{"huge value", "?from=2026-03-10T10:00:00Z&value=99999999&unit=days", "", "value"},
		{"bad unit", "?from=2026-03-10T10:00:00Z&value=3&unit=weeks", "", "unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{})
			r := do(t, s, "GET", "/api/v1/calendar/due"+tt.query, nil)
			if tt.field != "" {
				require.Equal(t, 422, r.Status, "body %s", r.Body)
				code, _, _, field := apiError(t, r)
				require.Equal(t, counter.CodeInvalidParam, code)
				require.Equal(t, tt.field, field)
				return
			}
			require.Equal(t, 200, r.Status, "body %s", r.Body)
			var out map[string]string
			require.NoError(t, json.Unmarshal(r.Body, &out))
			require.Equal(t, tt.due, out["due_at"])
			require.NotEmpty(t, out["return_at"], "the slip's return hour")
		})
	}
}
