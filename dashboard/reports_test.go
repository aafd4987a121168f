package dashboard_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/dashboard/report"
	"github.com/motcua/motcua/violations"
)

// smallCity is a city of two districts: q1 with a counter, a division and
// a ward with its counter; q2 with a counter.
func smallCity() *counter.Config {
	loc := mustLoadLocation("Asia/Ho_Chi_Minh")
	root := &counter.Agency{ID: "tp", Name: "UBND thành phố Nhỏ", Level: counter.LevelCity, Head: counter.Head{Name: "Nguyễn Văn An", Title: "Chủ tịch UBND thành phố"},
		Children: []*counter.Agency{
			{ID: "q1", Name: "UBND quận Một", Level: counter.LevelDistrict, Head: counter.Head{Name: "Trần Thị Bình", Title: "Chủ tịch UBND quận"},
				Children: []*counter.Agency{
					{ID: "q1-motcua", Name: "Bộ phận một cửa quận Một", Level: counter.LevelCounter, Head: counter.Head{Name: "Lê Văn Cường", Title: "Trưởng bộ phận"}},
					{ID: "q1-tnmt", Name: "Phòng Tài nguyên và Môi trường quận Một", Level: counter.LevelDivision, Head: counter.Head{Name: "Phạm Thị Dung", Title: "Trưởng phòng"}},
					{ID: "p1", Name: "UBND phường Một", Level: counter.LevelCommune, Head: counter.Head{Name: "Hoàng Văn Em", Title: "Chủ tịch UBND phường"},
						Children: []*counter.Agency{
							{ID: "p1-motcua", Name: "Bộ phận một cửa phường Một", Level: counter.LevelCounter, Head: counter.Head{Name: "Vũ Thị Phương", Title: "Trưởng bộ phận"}},
						}},
				}},
			{ID: "q2", Name: "UBND quận Hai", Level: counter.LevelDistrict, Head: counter.Head{Name: "Đỗ Văn Giang", Title: "Chủ tịch UBND quận"},
				Children: []*counter.Agency{
					{ID: "q2-motcua", Name: "Bộ phận một cửa quận Hai", Level: counter.LevelCounter, Head: counter.Head{Name: "Bùi Thị Hoa", Title: "Trưởng bộ phận"}},
				}},
		}}
	officials := []counter.Official{
		{ID: "cb-1", Name: "Ngô Văn Ích", Agency: "q1-motcua"},
		{ID: "cb-2", Name: "Đặng Thị Kim", Agency: "q1-tnmt"},
		{ID: "cb-3", Name: "Lý Văn Long", Agency: "p1-motcua"},
	}
	procs := []counter.Procedure{
		{Code: "1.002", Name: "Đăng ký hộ kinh doanh", LeadTime: counter.Duration{Value: 3, Unit: calendar.WorkingDays},
			Documents: []counter.Document{{Code: "giay_de_nghi", Name: "Giấy đề nghị"}}, Basis: "Nghị định 01/2021/NĐ-CP"},
	}
	cal := &calendar.Calendar{Location: loc, Weekend: map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute}, {Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour}}}
	return counter.NewConfig(root, officials, procs, cal, counter.DefaultRules())
}

// smallHistory records three dossiers in March 2026 and returns the store.
//
//	D-001 q1 counter 02/3 08:00, slip due 05/3 16:00, sent to the division
//	      09:00, result 04/3 10:00: on time
//	D-002 ward counter 03/3 09:00, slip due 06/3 16:00, still open: late
//	D-003 q1 counter 09/3 08:00, slip due 12/3 16:00, rejected 10/3 with a reason
func smallHistory(t *testing.T) (*store.Store, *counter.Config, time.Time) {
	t.Helper()
	cfg := smallCity()
	loc := cfg.Calendar.Location
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		require.NoError(t, err)
		return v
	}
	now := at("2026-03-20 10:00")
	var clock time.Time // each event is recorded a minute after it happened
	st, err := store.Open(filepath.Join(t.TempDir(), "small.db"), cfg, store.Options{
		Now: func() time.Time { return clock }, Evaluator: violations.New(), NoSync: true,
		Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	rcv := func(id, code, agency, official, when, due, name, phone string) counter.Event {
		return counter.Event{ID: id, Type: counter.Received, Dossier: code, At: at(when), Agency: agency, Official: official,
			Procedure: "1.002", Channel: counter.ChannelDirect, Applicant: &counter.Applicant{Name: name, Phone: phone},
			Documents: []counter.Item{{Code: "giay_de_nghi"}}, Slip: &counter.Slip{Number: id, DueAt: at(due)}}
	}
	events := []counter.Event{
		rcv("e1", "D-001", "q1-motcua", "cb-1", "2026-03-02 08:00", "2026-03-05 16:00", "Trần Văn Bình", "0905111222"),
		{ID: "e2", Type: counter.Transferred, Dossier: "D-001", At: at("2026-03-02 09:00"), Agency: "q1-motcua", Official: "cb-1", To: "q1-tnmt"},
		{ID: "e3", Type: counter.ResultReady, Dossier: "D-001", At: at("2026-03-04 10:00"), Agency: "q1-tnmt", Official: "cb-2"},
		rcv("e4", "D-002", "p1-motcua", "cb-3", "2026-03-03 09:00", "2026-03-06 16:00", "Lê Thị Cúc", "0905333444"),
		rcv("e5", "D-003", "q1-motcua", "cb-1", "2026-03-09 08:00", "2026-03-12 16:00", "Phan Văn Dũng", ""),
		{ID: "e6", Type: counter.Rejected, Dossier: "D-003", At: at("2026-03-10 14:30"), Agency: "q1-motcua", Official: "cb-1", Reason: "Ngành nghề không được đăng ký"},
	}
	for _, e := range events {
		clock = e.At.Add(time.Minute)
		_, err := st.Record(context.Background(), []counter.Event{e})
		require.NoError(t, err, e.ID)
	}
	clock = now
	_, err = st.SweepUntil(now)
	require.NoError(t, err)
	return st, cfg, now
}

// sheetRows re-reads a workbook's only sheet.
func sheetRows(t *testing.T, b []byte) (*excelize.File, string, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	sheets := f.GetSheetList()
	require.Len(t, sheets, 1)
	rows, err := f.GetRows(sheets[0])
	require.NoError(t, err)
	return f, sheets[0], rows
}

// checkLayout checks the print setup and the three heading rows.
func checkLayout(t *testing.T, f *excelize.File, sheet string, rows [][]string, title string, headers int) {
	t.Helper()
	pl, err := f.GetPageLayout(sheet)
	require.NoError(t, err)
	require.Equal(t, 9, *pl.Size, "A4")
	require.Equal(t, "landscape", *pl.Orientation)
	require.Equal(t, 1, *pl.FitToWidth)
	props, err := f.GetSheetProps(sheet)
	require.NoError(t, err)
	require.True(t, *props.FitToPage)
	require.Equal(t, []string{title}, rows[report.TitleRow-1])
	require.Equal(t, []string{"Cơ quan: UBND quận Một — Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026"}, rows[report.PeriodRow-1])
	require.Len(t, rows[report.HeaderRow-1], headers)
	merged, err := f.GetMergeCells(sheet)
	require.NoError(t, err)
	require.Len(t, merged, 2, "title and period rows span the table")
}

func writeReport(t *testing.T, st *store.Store, cfg *counter.Config, now time.Time, kind string, personal bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	march := counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}
	rows := -1
	require.NoError(t, dashboard.WriteReport(context.Background(), &buf, st, cfg, dashboard.ReportRequest{
		Kind: kind, Agency: "q1", Period: march, Now: now, Personal: personal, Progress: func(n int) { rows = n }}))
	require.GreaterOrEqual(t, rows, 0, "progress was reported")
	return buf.Bytes()
}

// TestRegisterXLSX reads the register back, cell by cell.
func TestRegisterXLSX(t *testing.T) {
	st, cfg, now := smallHistory(t)
	f, sheet, rows := sheetRows(t, writeReport(t, st, cfg, now, dashboard.ReportRegister, true))
	require.Equal(t, "Sổ theo dõi", sheet)
	checkLayout(t, f, sheet, rows, "SỔ THEO DÕI HỒ SƠ", 14)
	require.Equal(t, []string{"STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
		"Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ (giờ, ngày)", "Hẹn trả kết quả (giờ, ngày)",
		"Chuyển hồ sơ đến cơ quan giải quyết (giờ, ngày)", "Nhận kết quả từ cơ quan giải quyết (giờ, ngày)",
		"Trả kết quả cho cá nhân, tổ chức (giờ, ngày)", "Ký nhận", "Ghi chú"}, rows[2])
	want := [][]string{
		{"1", "D-001", "Đăng ký hộ kinh doanh", "1", "Trần Văn Bình", "0905111222", "Phòng Tài nguyên và Môi trường quận Một",
			"08:00 02/03/2026", "16:00 05/03/2026", "09:00 02/03/2026", "10:00 04/03/2026", "", "", "Đúng hạn"},
		{"2", "D-002", "Đăng ký hộ kinh doanh", "1", "Lê Thị Cúc", "0905333444", "Bộ phận một cửa phường Một",
			"09:00 03/03/2026", "16:00 06/03/2026", "", "", "", "", "Đang giải quyết, đã quá hạn"},
		{"3", "D-003", "Đăng ký hộ kinh doanh", "1", "Phan Văn Dũng", "", "Bộ phận một cửa quận Một",
			"08:00 09/03/2026", "16:00 12/03/2026", "", "", "", "", "Từ chối giải quyết: Ngành nghề không được đăng ký"},
	}
	require.Len(t, rows, 3+len(want))
	for i, w := range want {
		got := rows[3+i]
		for len(got) < len(w) {
			got = append(got, "") // GetRows trims empty trailing cells
		}
		for j := range w {
			require.Equal(t, w[j], got[j], "row %d column %d (%s)", 4+i, j+1, rows[2][j])
		}
	}
	// A viewer's register carries no personal data and no free text.
	_, _, rows = sheetRows(t, writeReport(t, st, cfg, now, dashboard.ReportRegister, false))
	require.Equal(t, "", rows[3][4])
	require.Equal(t, "", rows[3][5])
	require.Equal(t, "Từ chối giải quyết", rows[5][13])
}

// TestScorecardsXLSX reads the scorecards back, cell by cell, against the
// API's cards for the same period.
func TestScorecardsXLSX(t *testing.T) {
	st, cfg, now := smallHistory(t)
	f, sheet, rows := sheetRows(t, writeReport(t, st, cfg, now, dashboard.ReportScorecards, true))
	checkLayout(t, f, sheet, rows, report.ScorecardsTitle, len(report.ScorecardColumns))
	march := counter.Period{From: calendar.Date{Year: 2026, Month: 3, Day: 1}, To: calendar.Date{Year: 2026, Month: 3, Day: 31}}
	cards, err := dashboard.Scorecards(context.Background(), st, cfg, nil, "q1", []counter.Period{march}, now)
	require.NoError(t, err)
	require.Len(t, cards[0], 5)
	require.Len(t, rows, 3+5)
	for i, c := range cards[0] {
		rate := ""
		if c.OnTimeRate != nil {
			rate = strconv.FormatFloat(*c.OnTimeRate*100, 'f', 1, 64) + "%"
		}
		want := []string{strconv.Itoa(i + 1), c.Name, report.LevelNames[c.Level], c.Head.Name, c.Head.Title, "01/03/2026 – 31/03/2026",
			strconv.Itoa(c.Received), strconv.Itoa(c.Finished), strconv.Itoa(c.OnTime), rate, strconv.Itoa(c.OverdueOpen),
			strconv.Itoa(c.Violations.High), strconv.Itoa(c.Violations.Medium), strconv.Itoa(c.Violations.Low),
			strconv.FormatFloat(c.Score, 'f', -1, 64), c.BandName, strconv.Itoa(c.Rank), strconv.Itoa(c.RankOf)}
		require.Equal(t, want, rows[3+i], "row %d", 4+i)
	}
	// The facts, by hand: D-001 on time, D-002 late and open, D-003
	// rejected on time, so q1 has 3 received, 2 finished, 2 on time, and
	// 2 of 3 for Decision 766.
	q1 := rows[3]
	require.Equal(t, []string{"UBND quận Một", "Quận, huyện", "Trần Thị Bình", "Chủ tịch UBND quận"}, q1[1:5])
	require.Equal(t, []string{"3", "2", "2", "66.7%", "1"}, q1[6:11])
	ward := rows[6]
	require.Equal(t, "UBND phường Một", ward[1])
	require.Equal(t, "0.0%", ward[9])
}

// TestViolationsXLSX reads the breaches back, cell by cell, against the
// violations list of the same subtree and period.
func TestViolationsXLSX(t *testing.T) {
	st, cfg, now := smallHistory(t)
	f, sheet, rows := sheetRows(t, writeReport(t, st, cfg, now, dashboard.ReportViolations, true))
	checkLayout(t, f, sheet, rows, report.ViolationsTitle, len(report.ViolationColumns))
	loc := cfg.Calendar.Location
	vs, _, err := st.FindViolations(context.Background(), counter.ViolationFilter{Agency: "q1",
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 4, 1, 0, 0, 0, -1, loc), Limit: 500})
	require.NoError(t, err)
	var counting []counter.Violation
	for _, v := range vs {
		if v.Counts() {
			counting = append(counting, v)
		}
	}
	require.NotEmpty(t, counting, "D-002 is overdue")
	require.Len(t, rows, 3+len(counting))
	sawOverdue := false
	for i, v := range counting {
		official := ""
		if o := cfg.Official(v.Official); o != nil {
			official = o.Name
		}
		want := []string{strconv.Itoa(i + 1), v.OccurredAt.In(loc).Format("15:04 02/01/2006"), report.CodeName(v.Code),
			report.SeverityNames[v.Severity], v.Dossier, cfg.Agency(v.Agency).Name, official,
			v.Head.Name + ", " + v.Head.Title, v.Basis, report.StatusName(v.Status)}
		got := rows[3+i]
		for len(got) < len(want) {
			got = append(got, "")
		}
		require.Equal(t, want, got, "row %d", 4+i)
		if v.Code == counter.VOverdue && v.Dossier == "D-002" {
			sawOverdue = true
			require.Equal(t, []string{"Quá hạn giải quyết", "Cao", "D-002", "Bộ phận một cửa phường Một"}, got[2:6])
			require.Equal(t, "Vũ Thị Phương, Trưởng bộ phận", got[7])
		}
	}
	require.True(t, sawOverdue)
}

// TestReportDownload: the API serves the spreadsheet with its type and a
// file name, to a head in scope.
func TestReportDownload(t *testing.T) {
	l := startLive(t, 2)
	for _, kind := range []string{"scorecards", "register", "violations"} {
		req, err := http.NewRequest(http.MethodGet, l.URL+"/api/v1/reports/"+kind+".xlsx?agency=p-thachthang&from=2026-03-01&to=2026-03-11", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer head-thachthang")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, kind)
		require.Equal(t, dashboard.XLSXType, res.Header.Get("Content-Type"))
		require.Contains(t, res.Header.Get("Content-Disposition"), "-p-thachthang-2026-03-01-2026-03-11.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(body))
		require.NoError(t, err, kind)
		rows, err := f.GetRows(f.GetSheetList()[0])
		require.NoError(t, err)
		require.Contains(t, rows[1][0], "UBND phường Thạch Thang")
		require.Contains(t, rows[1][0], "từ ngày 01/03/2026 đến ngày 11/03/2026")
		f.Close()
	}
}
