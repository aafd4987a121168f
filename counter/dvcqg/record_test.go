package dvcqg

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	want := time.Date(2026, 3, 2, 8, 30, 0, 0, loc)
	for _, s := range []string{"20260302083000", "2026-03-02T08:30:00", "2026-03-02T08:30:00.000", "02/03/2026 08:30:00", "2026-03-02T01:30:00Z"} {
		t.Run(s, func(t *testing.T) {
			got, err := ParseTime(s, loc)
			require.NoError(t, err)
			require.True(t, got.Equal(want), "ParseTime(%q)=%v, want %v", s, got, want)
		})
	}
	got, err := ParseTime("", loc)
	require.NoError(t, err)
	require.True(t, got.IsZero())
	for _, s := range []string{"2026-13-02T08:30:00", "02-03-2026", "19990101000000", "hôm qua"} {
		_, err := ParseTime(s, loc)
		require.Error(t, err, s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, code, field string }{
		{"malformed", `{"MaHoSo": `, counter.CodeBadJSON, ""},
		{"no code", `[{"TrangThaiHoSo": "2"}]`, counter.CodeInvalid, "[0].MaHoSo"},
		{"bad date", `{"service": "DongBoHoSoMC", "data": [{"MaHoSo": "A-1", "TrangThaiHoSo": "2", "NgayTiepNhan": "2026/03/02"}]}`,
			counter.CodeInvalid, "data[0].NgayTiepNhan"},
		{"bad supplement date", `[{"MaHoSo": "A-1", "TrangThaiHoSo": "5", "DanhSachHoSoBoSung": [{"NgayBoSung": "x"}]}]`,
			counter.CodeInvalid, "[0].DanhSachHoSoBoSung[0].NgayBoSung"},
		{"status", `[{"MaHoSo": "A-1", "ThoiDiemXuLy": "20260302083000", "TrangThai": "11"}]`, counter.CodeInvalid, "[0].TrangThai"},
		{"object value", `[{"MaHoSo": "A-1", "TrangThaiHoSo": {"x": 1}}]`, counter.CodeInvalid, "[0].TrangThaiHoSo"},
		{"service", `{"service": "TraCuuHoSo", "data": []}`, counter.CodeInvalid, "service"},
		{"channel", `{"MaHoSo": "A-1", "TrangThaiHoSo": "2", "KenhThucHien": "9"}`, counter.CodeInvalid, "KenhThucHien"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			var ce *counter.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.code, ce.Code, ce.Message)
			require.Equal(t, tc.field, ce.Field)
			require.NotEmpty(t, ce.MessageVI)
		})
	}
}

func TestMapRefusesUnknownUnitAndProcedure(t *testing.T) {
	m := NewMapper(testConfig(t))
	for _, tc := range []struct{ body, code, field string }{
		{`{"service": "DongBoHoSoMC", "madonvi": "000.00.99.H17", "data": [{"MaHoSo": "X-1", "MaTTHC": "1.009994", "TrangThaiHoSo": "2", "NgayTiepNhan": "20260302083000"}]}`,
			counter.CodeUnknownAgency, "data[0].MaHoSo"},
		{`[{"MaHoSo": "000.00.31.H17-260302-00001", "MaTTHC": "9.999999", "TrangThaiHoSo": "2", "NgayTiepNhan": "20260302083000"}]`,
			counter.CodeUnknownProcedure, "[0].MaTTHC"},
	} {
		recs, err := Parse([]byte(tc.body))
		require.NoError(t, err)
		tr := NewTrack(recs[0].Code())
		_, err = m.Map(tr, Group{Records: recs})
		var ce *counter.Error
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tc.code, ce.Code)
		require.Equal(t, tc.field, ce.Field)
		require.False(t, tr.exists, "a refused group leaves the track unchanged")
	}
}

// TestReplayRemapsToSameIDs folds stored groups again, as the feed does
// on each request, and checks that a re-sent group maps to the events it
// produced the first time.
func TestReplayRemapsToSameIDs(t *testing.T) {
	m := NewMapper(testConfig(t))
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var groups []Group
	var first Output
	for i, body := range []string{
		`[{"MaHoSo": "000.00.31.H17-260302-00001", "MaTTHC": "1.009994", "KenhThucHien": "1", "NgayTiepNhan": "20260302083000", "NgayHenTra": "20260317170000", "TrangThaiHoSo": "2"}]`,
		`[{"MaHoSo": "000.00.31.H17-260302-00001", "ThoiDiemXuLy": "20260303091500", "PhongBanXuLy": "Phòng Quản lý xây dựng", "NoiDungXuLy": "Chuyển xử lý", "TrangThai": "4"}]`,
	} {
		recs, err := Parse([]byte(body))
		require.NoError(t, err)
		g := Group{Arrived: at, Records: recs}
		tr, err := m.Replay("000.00.31.H17-260302-00001", groups)
		require.NoError(t, err)
		out, err := m.Map(tr, g)
		require.NoError(t, err)
		require.Len(t, out.Events, 1, "group %d", i)
		if i == 0 {
			first = out
		}
		groups = append(groups, g)
	}
	tr, err := m.Replay("000.00.31.H17-260302-00001", groups)
	require.NoError(t, err)
	again, err := m.Map(tr, groups[0])
	require.NoError(t, err)
	require.Equal(t, first.Events, again.Events)
}

// TestDataNote checks the note's contract: a reason is required, it may
// be recorded on an ended dossier, and it changes no state.
func TestDataNote(t *testing.T) {
	cfg := testConfig(t)
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, cfg.Calendar.Location)
	e := counter.Event{ID: "n1", Type: counter.DataNote, Dossier: "D", At: at, Agency: "so-xd-motcua"}
	var ce *counter.Error
	require.ErrorAs(t, counter.CheckShape(cfg, &e), &ce)
	require.Equal(t, "reason", ce.Field)
	e.Reason = "trạng thái đi lùi"
	require.NoError(t, counter.CheckShape(cfg, &e))
	d := counter.Fold(cfg, nil, counter.Event{ID: "r", Type: counter.Received, Dossier: "D", At: at, Agency: "so-xd-motcua",
		Procedure: "1.009994", Channel: counter.ChannelDirect})
	d = counter.Fold(cfg, d, counter.Event{ID: "v", Type: counter.Returned, Dossier: "D", At: at.Add(time.Hour), Agency: "so-xd-motcua"})
	require.NoError(t, counter.Accept(cfg, d, &e, at.Add(2*time.Hour)))
	n := counter.Fold(cfg, d, e)
	require.Equal(t, d.Status, n.Status)
	require.Equal(t, d.FinishedAt, n.FinishedAt)
	require.Equal(t, d.DueAt, n.DueAt)
}

// TestUnitCodeByReceiptDate: when an ended unit and the one that replaced
// it share a national code (a district's and the ward's that took over its
// code), a record maps to the one in force on its receipt date, so that
// old records land at the counter of their day and pass the in-force rule.
func TestUnitCodeByReceiptDate(t *testing.T) {
	cfg, err := configs.Load(os.DirFS("../../configs"))
	require.NoError(t, err)
	cfg.Agency("q-haichau").Code = "000.20.31.H17"
	cfg.Agency("phuong-haichau").Code = "000.20.31.H17"
	cfg = counter.NewConfig(cfg.Root, cfg.Officials, cfg.Procedures, cfg.Calendar, cfg.Rules)
	m := NewMapper(cfg)
	for _, tc := range []struct{ received, want string }{
		{"20250303083000", "q-haichau-motcua"},
		{"20250630163000", "q-haichau-motcua"},
		{"20250701080000", "phuong-haichau-ttpvhcc"},
		{"20260302083000", "phuong-haichau-ttpvhcc"},
	} {
		recs, err := Parse(fmt.Appendf(nil, `{"service": "DongBoHoSoMC", "madonvi": "000.20.31.H17", "data": [{"MaHoSo": "X-%s",
			"MaTTHC": "1.009994", "KenhThucHien": "1", "TrangThaiHoSo": "2", "NgayTiepNhan": %q}]}`, tc.received, tc.received))
		require.NoError(t, err)
		out, err := m.Map(NewTrack(recs[0].Code()), Group{Records: recs})
		require.NoError(t, err)
		require.NotEmpty(t, out.Events)
		require.Equal(t, tc.want, out.Events[0].Agency, tc.received)
		for _, e := range out.Events {
			require.NoError(t, counter.CheckShape(cfg, &e), "%s: %+v", tc.received, e)
		}
	}
}

// TestNonBoundaryMapsToCrossBoundary: a dossier record with nonBoundary
// (a bool, a string or 1) yields a received event with cross_boundary;
// without it, none.
func TestNonBoundaryMapsToCrossBoundary(t *testing.T) {
	m := NewMapper(testConfig(t))
	for _, tc := range []struct {
		flag string
		want bool
	}{{`true`, true}, {`"true"`, true}, {`1`, true}, {`false`, false}, {``, false}} {
		extra := ""
		if tc.flag != "" {
			extra = `, "nonBoundary": ` + tc.flag
		}
		recs, err := Parse([]byte(`[{"MaHoSo": "000.00.31.H17-260902-0001", "MaTTHC": "1.009994", "KenhThucHien": "1",
			"TrangThaiHoSo": "2", "NgayTiepNhan": "20260902083000"` + extra + `}]`))
		require.NoError(t, err)
		out, err := m.Map(NewTrack(recs[0].Code()), Group{Records: recs})
		require.NoError(t, err)
		require.Equal(t, counter.Received, out.Events[0].Type)
		require.Equal(t, tc.want, out.Events[0].CrossBoundary, "nonBoundary %s", tc.flag)
	}
}
