package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// getAs GETs path with token and decodes the JSON answer into out (when
// not nil); it returns the status.
func (l *liveServer) getAs(t testing.TB, token, path string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, l.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), "body %s", b)
	}
	return res.StatusCode
}

type scorecardsBody struct {
	Period     counter.PeriodJSON  `json:"period"`
	Scorecards []counter.Scorecard `json:"scorecards"`
	Error      *struct {
		Code, Message, MessageVI, Field string
	} `json:"error"`
}

// TestScorecardsAgreeWithViolationsAndRollup: over demo history, for one
// period, each card's breaches by severity are the violations the list
// gives for its subtree and period (those that count), and its received,
// finished and on-time counts and breach total are the roll-up's.
func TestScorecardsAgreeWithViolationsAndRollup(t *testing.T) {
	l := startLive(t, 12)
	from, to := "2026-02-23", "2026-03-11"
	var body scorecardsBody
	require.Equal(t, http.StatusOK, l.getAs(t, "viewer-root", "/api/v1/scorecards?agency=phuong-haichau&from="+from+"&to="+to, &body))
	require.Equal(t, counter.PeriodJSON{From: from, To: to}, body.Period)
	require.Len(t, body.Scorecards, len(l.Config.Subtree("phuong-haichau")))
	require.Equal(t, "phuong-haichau", body.Scorecards[0].Agency)

	loc := l.Config.Calendar.Location
	start, _ := time.ParseInLocation(time.DateOnly, from, loc)
	endDay, _ := time.ParseInLocation(time.DateOnly, to, loc)
	end := endDay.AddDate(0, 0, 1).Add(-time.Second)
	q := "&from=" + url.QueryEscape(start.Format(time.RFC3339)) + "&to=" + url.QueryEscape(end.Format(time.RFC3339))

	var tree counter.RollupNode
	require.Equal(t, http.StatusOK, l.getAs(t, "viewer-root", "/api/v1/rollup?agency=phuong-haichau"+q, &tree))
	nodes := map[string]*counter.RollupNode{}
	var walk func(n *counter.RollupNode)
	walk = func(n *counter.RollupNode) {
		nodes[n.Agency] = n
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(&tree)

	sawBreach, sawDossier := false, false
	for _, c := range body.Scorecards {
		var want counter.SeverityCounts
		cursor := ""
		for {
			var page struct {
				Violations []counter.Violation `json:"violations"`
				NextCursor string              `json:"next_cursor"`
			}
			require.Equal(t, http.StatusOK, l.getAs(t, "viewer-root", "/api/v1/violations?limit=500&agency="+c.Agency+q+"&cursor="+url.QueryEscape(cursor), &page))
			for _, v := range page.Violations {
				if !v.Counts() {
					continue
				}
				switch v.Severity {
				case counter.SeverityHigh:
					want.High++
				case counter.SeverityMedium:
					want.Medium++
				case counter.SeverityLow:
					want.Low++
				}
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		require.Equal(t, want, c.Violations, "violations of %s", c.Agency)
		n := nodes[c.Agency]
		require.NotNil(t, n, c.Agency)
		total := 0
		for _, k := range n.Total {
			total += k
		}
		require.Equal(t, total, c.Violations.High+c.Violations.Medium+c.Violations.Low, "roll-up total of %s", c.Agency)
		require.Equal(t, [3]int{n.Received, n.Finished, n.OnTime}, [3]int{c.Received, c.Finished, c.OnTime}, "roll-up counts of %s", c.Agency)
		require.Equal(t, c.Name, n.Name)
		require.Equal(t, c.Head.Name, n.Head.Name)
		require.GreaterOrEqual(t, c.Decision766.Counted, c.Decision766.OnTime)
		require.Positive(t, c.Rank)
		require.LessOrEqual(t, c.Rank, c.RankOf)
		require.NotEmpty(t, c.Band)
		sawBreach = sawBreach || total > 0
		sawDossier = sawDossier || c.Received > 0
	}
	require.True(t, sawBreach && sawDossier, "the demo history should hold dossiers and breaches in the period")
	hc := body.Scorecards[0]
	require.NotNil(t, hc.OnTimeRate)
	require.InDelta(t, float64(hc.Decision766.OnTime)/float64(hc.Decision766.Counted), *hc.OnTimeRate, 1e-9)
}

// TestScorecardsScope: a ward head reads the ward's cards and no one
// else's: the city's and a neighbour's are 403; an unknown agency is 404;
// a bad period is 422 with the field named.
func TestScorecardsScope(t *testing.T) {
	l := startLive(t, 0)
	var body scorecardsBody
	require.Equal(t, http.StatusOK, l.getAs(t, "head-thachthang", "/api/v1/scorecards", &body))
	require.Equal(t, "p-thachthang", body.Scorecards[0].Agency, "without ?agency= the token's own")
	for _, c := range body.Scorecards {
		require.True(t, l.Config.Within(c.Agency, "p-thachthang"), c.Agency)
	}
	for _, path := range []string{
		"/api/v1/scorecards?agency=tp-danang",
		"/api/v1/scorecards?agency=phuong-haichau",
		"/api/v1/scorecards/trend?agency=tp-danang",
		"/api/v1/reports/scorecards.xlsx?agency=tp-danang",
		"/api/v1/reports/register.xlsx?agency=phuong-haichau",
		"/api/v1/reports/violations.xlsx?agency=tp-danang",
	} {
		body = scorecardsBody{}
		require.Equal(t, http.StatusForbidden, l.getAs(t, "head-thachthang", path, &body), path)
		require.Equal(t, counter.CodeForbidden, body.Error.Code, path)
		require.Empty(t, body.Scorecards)
	}
	tests := []struct {
		path   string
		status int
		field  string
	}{
		{"/api/v1/scorecards?agency=nowhere", http.StatusNotFound, "agency"},
		{"/api/v1/scorecards?from=2026-03-10&to=2026-03-01", http.StatusUnprocessableEntity, "to"},
		{"/api/v1/scorecards?from=yesterday", http.StatusUnprocessableEntity, "from"},
		{"/api/v1/scorecards?from=1900-01-01", http.StatusUnprocessableEntity, "from"},
		{"/api/v1/scorecards?from=2010-01-01&to=2026-01-01", http.StatusUnprocessableEntity, "to"},
		{"/api/v1/reports/other.xlsx", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		var e struct {
			Error struct{ Code, Field, Message, MessageVI string } `json:"error"`
		}
		require.Equal(t, tt.status, l.getAs(t, "viewer-root", tt.path, &e), tt.path)
		require.Equal(t, tt.field, e.Error.Field, tt.path)
		require.NotEmpty(t, e.Error.Message, tt.path)
	}
	require.Equal(t, http.StatusUnauthorized, l.getAs(t, "nobody", "/api/v1/scorecards", nil))
}

// TestScorecardTrend: twelve months, oldest first, each with the subtree's
// cards; the period of each card is its month.
func TestScorecardTrend(t *testing.T) {
	l := startLive(t, 3)
	var body struct {
		Agency string `json:"agency"`
		Months []scorecardsBody
	}
	require.Equal(t, http.StatusOK, l.getAs(t, "viewer-phuong-haichau", "/api/v1/scorecards/trend", &body))
	require.Equal(t, "phuong-haichau", body.Agency)
	require.Len(t, body.Months, 12)
	require.Equal(t, counter.PeriodJSON{From: "2025-04-01", To: "2025-04-30"}, body.Months[0].Period)
	require.Equal(t, counter.PeriodJSON{From: "2026-03-01", To: "2026-03-11"}, body.Months[11].Period)
	for _, m := range body.Months {
		require.Len(t, m.Scorecards, len(l.Config.Subtree("phuong-haichau")))
		require.Equal(t, m.Period, m.Scorecards[0].Period)
	}
	require.Positive(t, body.Months[11].Scorecards[0].Received)
	require.Zero(t, body.Months[0].Scorecards[0].Received)
}
