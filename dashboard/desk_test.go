package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
)

// call sends method path with body as token and returns status and body.
func (l *liveServer) call(t testing.TB, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, l.URL+path, r)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, out
}

var nationalCodeRE = regexp.MustCompile(`^[0-9A-Z.]+-\d{6}-\d{4,}$`)

// TestDossierCodes: codes come from the server in the national shape, one
// sequence per counter and day, never twice, in scope only.
func TestDossierCodes(t *testing.T) {
	l := startLive(t, 0)
	seen := map[string]bool{}
	for i := range 3 {
		status, body := l.call(t, "POST", "/api/v1/dossier-codes", "desk-hc-cb064", map[string]string{"agency": "phuong-haichau-ttpvhcc"})
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var out struct{ Code string }
		require.NoError(t, json.Unmarshal(body, &out))
		require.Regexp(t, nationalCodeRE, out.Code)
		require.True(t, strings.HasSuffix(out.Code, "-260311-000"+string(rune('1'+i))), "code %s", out.Code)
		require.False(t, seen[out.Code])
		seen[out.Code] = true
	}
	// A code a dossier already holds is skipped.
	e := counter.Event{ID: "taken", Type: counter.IntakeRefused, Dossier: "PHUONG.HAICHAU.TTPVHCC-260311-0004", At: liveNow.Add(-time.Minute),
		Agency: "phuong-haichau-ttpvhcc", Procedure: "1.000894", Reason: "thiếu giấy"}
	status, _ := l.post(t, "desk-root", e)
	require.Equal(t, http.StatusCreated, status)
	status, body := l.call(t, "POST", "/api/v1/dossier-codes", "desk-root", map[string]string{"agency": "phuong-haichau-ttpvhcc"})
	require.Equal(t, http.StatusCreated, status)
	require.Contains(t, string(body), "-260311-0005")

	for _, tt := range []struct {
		name, token string
		body        any
		want        int
	}{
		{"viewer", "viewer-root", map[string]string{"agency": "phuong-haichau-ttpvhcc"}, http.StatusForbidden},
		{"head", "head-root", map[string]string{"agency": "phuong-haichau-ttpvhcc"}, http.StatusForbidden},
		{"other counter", "desk-hc-cb064", map[string]string{"agency": "q-thanhkhe-motcua"}, http.StatusForbidden},
		{"unknown agency", "desk-root", map[string]string{"agency": "nowhere"}, http.StatusUnprocessableEntity},
		{"bad body", "desk-root", map[string]any{"agency": 3}, http.StatusBadRequest},
		{"no token", "", map[string]string{"agency": "phuong-haichau-ttpvhcc"}, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := l.call(t, "POST", "/api/v1/dossier-codes", tt.token, tt.body)
			require.Equal(t, tt.want, status, "%s", body)
		})
	}
}

// TestDossierCodesDurable: a restart never issues a code again.
func TestDossierCodesDurable(t *testing.T) {
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "codes.db")
	open := func() *store.Store {
		st, err := store.Open(path, cfg, store.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
		require.NoError(t, err)
		return st
	}
	st := open()
	a, err := st.NextDossierCode("000.00.31.H17", liveNow)
	require.NoError(t, err)
	require.Equal(t, "000.00.31.H17-260311-0001", a)
	require.NoError(t, st.Close())
	st = open()
	defer st.Close()
	b, err := st.NextDossierCode("000.00.31.H17", liveNow)
	require.NoError(t, err)
	require.Equal(t, "000.00.31.H17-260311-0002", b)
	c, err := st.NextDossierCode("000.00.31.H17", liveNow.AddDate(0, 0, 1))
	require.NoError(t, err)
	require.Equal(t, "000.00.31.H17-260312-0001", c, "the sequence starts again each day")
}

// TestPerOfficialDeskToken: a clerk's desk token charges every event to
// that clerk and cannot record in another's name.
func TestPerOfficialDeskToken(t *testing.T) {
	l := startLive(t, 0)
	e := counter.Event{ID: "po-1", Type: counter.ShiftStarted, At: liveNow.Add(-time.Minute), Agency: "phuong-haichau-ttpvhcc", Desk: "q1"}
	status, out := l.post(t, "desk-hc-cb064", e)
	require.Equal(t, http.StatusCreated, status)
	var evs []counter.Event
	require.NoError(t, json.Unmarshal(out["events"], &evs))
	require.Equal(t, "cb-248", evs[0].Official)

	e = counter.Event{ID: "po-2", Type: counter.ShiftStarted, At: liveNow.Add(-time.Minute), Agency: "phuong-haichau-ttpvhcc", Desk: "q2", Official: "cb-249"}
	status, out = l.post(t, "desk-hc-cb064", e)
	require.Equal(t, http.StatusForbidden, status)
	var er struct{ Error counter.Error }
	require.NoError(t, json.Unmarshal(mustJSON(t, out), &er))
	require.Equal(t, "official", er.Error.Field)

	status, body := l.call(t, "GET", "/api/v1/session", "desk-hc-cb064", nil)
	require.Equal(t, http.StatusOK, status)
	var s struct {
		Role, Agency, Official string
		OfficialName           string `json:"official_name"`
		PersonalData           bool   `json:"personal_data"`
	}
	require.NoError(t, json.Unmarshal(body, &s))
	require.Equal(t, "phuong-haichau-ttpvhcc", s.Agency)
	require.Equal(t, "Hoàng Hữu Hải", s.OfficialName)
	require.True(t, s.PersonalData)
}

func mustJSON(t testing.TB, m map[string]json.RawMessage) []byte {
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// TestViewerRedaction: a viewer token never reads an applicant's name or
// phone, nor free text, from any read endpoint; a head does.
func TestViewerRedaction(t *testing.T) {
	l := startLive(t, 0)
	code := "RD-1"
	at := liveNow.Add(-2 * time.Hour)
	events := []counter.Event{
		{ID: "rd-1", Type: counter.Received, Dossier: code, At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248",
			Procedure: "2.000720", Channel: "direct", Applicant: &counter.Applicant{Name: "Lê Thị Bích Ngọc", Phone: "0905777888"}},
		{ID: "rd-2", Type: counter.SupplementRequested, Dossier: code, At: at.Add(time.Hour), Agency: "phuong-haichau-ttpvhcc",
			Items: []counter.Item{{Name: "Giấy của bà Lê Thị Bích Ngọc"}}, Reason: "Bà Ngọc gọi 0905777888"},
		{ID: "rd-3", Type: counter.ComplaintFiled, Dossier: code, At: at.Add(90 * time.Minute), Agency: "phuong-haichau-ttpvhcc",
			Complaint: "kn-1", Category: "attitude", Text: "Bà Ngọc phản ánh"},
	}
	status, body := l.call(t, "POST", "/api/v1/events", "desk-root", map[string]any{"events": events})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	personal := []string{"Bích Ngọc", "0905777888", "Bà Ngọc"}
	for _, path := range []string{"/api/v1/dossiers/" + code, "/api/v1/dossiers?agency=phuong-haichau", "/api/v1/violations?agency=phuong-haichau",
		"/api/v1/board?agency=phuong-haichau"} {
		t.Run(path, func(t *testing.T) {
			status, body := l.call(t, "GET", path, "viewer-root", nil)
			require.Equal(t, http.StatusOK, status)
			for _, p := range personal {
				require.NotContains(t, string(body), p)
			}
			require.Contains(t, string(body), code)
		})
	}
	status, body = l.call(t, "GET", "/api/v1/dossiers/"+code, "head-root", nil)
	require.Equal(t, http.StatusOK, status)
	for _, p := range personal {
		require.Contains(t, string(body), p, "a head reads the whole dossier")
	}
	var view struct{ Dossier counter.Dossier }
	require.NoError(t, json.Unmarshal(body, &view))
	require.Equal(t, l.URL+"/tra-cuu/"+code+"?k="+view.Dossier.TrackingKey, view.Dossier.TrackingURL)
}

// TestPublicURL: with a public address set, the state's tracking_url and
// the slip's QR point there, not at the clerk's own address.
func TestPublicURL(t *testing.T) {
	l := startLive(t, 0)
	l.Server.PublicURL = "https://motcua.danang.gov.vn"
	e := counter.Event{ID: "pu-1", Type: counter.Received, Dossier: "PU-1", At: liveNow.Add(-time.Hour), Agency: "phuong-haichau-ttpvhcc",
		Procedure: "2.000720", Channel: "direct"}
	status, out := l.post(t, "desk-root", e)
	require.Equal(t, http.StatusCreated, status)
	var ds []counter.Dossier
	require.NoError(t, json.Unmarshal(out["dossiers"], &ds))
	want := "https://motcua.danang.gov.vn/tra-cuu/PU-1?k=" + ds[0].TrackingKey
	require.Equal(t, want, ds[0].TrackingURL)
	require.Equal(t, l.Store.TrackingKey("PU-1"), ds[0].TrackingKey)

	// The look-up form without a code; with one, the status page.
	status, body := l.call(t, "GET", "/tra-cuu", "", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `name="code"`)
	require.Contains(t, string(body), `name="k"`)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(l.URL + "/tra-cuu?code=PU-1&k=" + ds[0].TrackingKey)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/tra-cuu/PU-1?k="+ds[0].TrackingKey, res.Header.Get("Location"))
}

// TestReturnTime: a slip promises the end of the due day's last office
// period, never 23:59.
func TestReturnTime(t *testing.T) {
	l := startLive(t, 0)
	status, body := l.call(t, "GET", "/api/v1/calendar/due?from=2026-03-11T09:00:00%2B07:00&value=3&unit=working_days", "viewer-root", nil)
	require.Equal(t, http.StatusOK, status)
	var out struct {
		DueAt    time.Time `json:"due_at"`
		ReturnAt time.Time `json:"return_at"`
	}
	require.NoError(t, json.Unmarshal(body, &out))
	loc := l.Config.Calendar.Location
	require.Equal(t, "2026-03-16 23:59", out.DueAt.In(loc).Format("2006-01-02 15:04"))
	require.Equal(t, "2026-03-16 17:00", out.ReturnAt.In(loc).Format("2006-01-02 15:04"))
	// Working hours end inside office hours: the return time is the due time.
	due := time.Date(2026, 3, 11, 10, 0, 0, 0, loc)
	require.Equal(t, due, dashboard.ReturnTime(l.Config.Calendar, due))
}

// TestBoardAggregates: the board counts every open dossier of the subtree
// on the server, with no cap, for the chosen period.
func TestBoardAggregates(t *testing.T) {
	l := startLive(t, 3)
	var want map[string]int = map[string]int{}
	cursor := ""
	for {
		ds, next, err := l.Store.FindDossiers(context.Background(), counter.DossierFilter{Agency: "tp-danang", Limit: 500, Cursor: cursor})
		require.NoError(t, err)
		for _, d := range ds {
			if !d.Finished() && !d.Ended() && d.ReceivedAt != nil {
				want[d.ClockAt(l.Config, liveNow).State]++
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for _, period := range []string{"", "today", "month", "year"} {
		status, body := l.call(t, "GET", "/api/v1/board?agency=tp-danang&period="+period, "viewer-root", nil)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var b struct {
			Period  string
			Open    map[string]int
			Overdue []counter.Dossier
			From    time.Time
		}
		require.NoError(t, json.Unmarshal(body, &b))
		require.Equal(t, want, b.Open)
		for i := 1; i < len(b.Overdue); i++ {
			require.False(t, b.Overdue[i].DueAt.Before(*b.Overdue[i-1].DueAt), "oldest overdue first")
		}
		if period == "" {
			require.Equal(t, "month", b.Period)
		}
	}
	status, _ := l.call(t, "GET", "/api/v1/board?period=week", "viewer-root", nil)
	require.Equal(t, http.StatusUnprocessableEntity, status)
}

// deskUnstaffed returns the desk_unstaffed verdicts of one desk of agency.
func (l *liveServer) deskUnstaffed(t testing.TB, agency, desk string) []counter.Violation {
	t.Helper()
	status, body := l.call(t, "GET", "/api/v1/violations?agency="+agency+"&code="+counter.VDeskUnstaffed+"&limit=500", "supervisor-root", nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var out struct{ Violations []counter.Violation }
	require.NoError(t, json.Unmarshal(body, &out))
	var mine []counter.Violation
	for _, v := range out.Violations {
		if v.Details["desk"] == desk {
			mine = append(mine, v)
		}
	}
	return mine
}

type sessionShifts struct {
	Shifts *[]struct {
		Agency, Desk, Official string
		Since                  time.Time
		ClosesAt               time.Time `json:"closes_at"`
	}
}

func (l *liveServer) shifts(t testing.TB, token string) sessionShifts {
	t.Helper()
	status, body := l.call(t, "GET", "/api/v1/session", token, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var s sessionShifts
	require.NoError(t, json.Unmarshal(body, &s))
	return s
}

// TestShiftEndsAtClosingTimeAPI: a clerk signs in and never signs out.
// Her session shows the shift open and when it closes; once the clock
// passes closing time the server's sweep ends it (dated then, by nobody),
// the session shows none; the next morning she signs in on time and her
// desk is charged for nothing, the night included.
func TestShiftEndsAtClosingTimeAPI(t *testing.T) {
	l := startLive(t, 0)
	loc := l.Config.Calendar.Location
	const counterID = "phuong-haichau-ttpvhcc"
	status, out := l.post(t, "desk-hc-cb064", counter.Event{ID: "cl-1", Type: counter.ShiftStarted, At: liveNow.Add(-time.Minute), Agency: counterID, Desk: "q1"})
	require.Equal(t, http.StatusCreated, status, "%s", mustJSON(t, out))
	s := l.shifts(t, "desk-hc-cb064")
	require.NotNil(t, s.Shifts)
	require.Len(t, *s.Shifts, 1)
	sh := (*s.Shifts)[0]
	require.Equal(t, []string{counterID, "q1", "cb-248"}, []string{sh.Agency, sh.Desk, sh.Official})
	closing := time.Date(2026, 3, 11, 17, 0, 0, 0, loc)
	require.True(t, sh.ClosesAt.Equal(closing), "closes at %v", sh.ClosesAt)
	require.Nil(t, l.shifts(t, "viewer-root").Shifts, "a viewer is not told who sits where")

	// Closing time passes; the sweeper runs (as store.Run would).
	l.Clock.Set(closing.Add(2*time.Minute), 0)
	_, err := l.Store.SweepUntil(l.Clock.Now())
	require.NoError(t, err)
	require.Empty(t, *l.shifts(t, "desk-hc-cb064").Shifts, "the shift shows ended")
	desks, err := l.Store.Desks()
	require.NoError(t, err)
	for _, d := range desks {
		if d.Agency == counterID && d.Desk == "q1" {
			require.False(t, d.Open)
			require.True(t, d.Since.Equal(closing), "ended at closing time, not %v", d.Since)
		}
	}
	// Retrying the server's own closing is a replay: the id is the desk's
	// and the instant's, the same on any node.
	status, out = l.post(t, "desk-root", counter.Event{ID: store.ClosingIDPrefix + counterID + "/q1/2026-03-11T17:00", Type: counter.ShiftEnded,
		At: closing, Agency: counterID, Desk: "q1"})
	require.Equal(t, http.StatusOK, status, "%s", mustJSON(t, out))

	// The next morning she signs in at 07:33, within the grace.
	l.Clock.Set(time.Date(2026, 3, 12, 7, 34, 0, 0, loc), 0)
	status, _ = l.post(t, "desk-hc-cb064", counter.Event{ID: "cl-2", Type: counter.ShiftStarted, At: time.Date(2026, 3, 12, 7, 33, 0, 0, loc), Agency: counterID, Desk: "q1"})
	require.Equal(t, http.StatusCreated, status)
	l.Clock.Set(time.Date(2026, 3, 12, 10, 0, 0, 0, loc), 0)
	_, err = l.Store.SweepUntil(l.Clock.Now())
	require.NoError(t, err)
	require.Empty(t, l.deskUnstaffed(t, counterID, "q1"), "not charged for the night nor the morning")
	require.NotEmpty(t, l.deskUnstaffed(t, counterID, "q2"), "a desk nobody opened is, as before")
}
