package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/violations"
)

// syncServer is a server over a real store on the shipped configuration,
// with national unit codes on so-xd and q-haichau, and stored tokens.
func syncServer(t *testing.T) (*dashboard.Server, *memTokens, *store.Store) {
	t.Helper()
	cfg, err := configs.Load(configs.Embedded())
	require.NoError(t, err)
	cfg.Agency("so-xd").Code = "000.00.31.H17"
	cfg.Agency("q-haichau").Code = "000.20.31.H17"
	cfg = counter.NewConfig(cfg.Root, cfg.Officials, cfg.Procedures, cfg.Calendar, cfg.Rules)
	st, err := store.Open(filepath.Join(t.TempDir(), "m.db"), cfg, store.Options{
		Now: func() time.Time { return now }, Evaluator: violations.New(), Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	s := dashboard.NewServer(st, cfg)
	s.Now = func() time.Time { return now }
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	tokens := newMemTokens()
	s.Authenticator = dashboard.TokenAuthenticator{Tokens: tokens}
	s.Tokens = tokens
	s.Sync = st
	return s, tokens, st
}

const syncReceipt = `{"session": "s", "madonvi": "000.00.31.H17", "service": "DongBoHoSoMC", "isUpdating": "False", "data": [
 {"MaHoSo": "000.00.31.H17-260316-00001", "MaTTHC": "1.009994", "KenhThucHien": "1", "ChuHoSo": "Nguyễn Thị Lan",
  "NgayTiepNhan": "20260316083000", "NgayHenTra": "20260331170000", "TrangThaiHoSo": "2", "NgayTra": "", "DanhSachHoSoBoSung": []}]}`

const syncRows = `{"service": "CapNhatTienDoHoSoMC", "data": [
 {"MaHoSo": "000.00.31.H17-260316-00001", "NguoiXuLy": "Lê Văn Hải", "ThoiDiemXuLy": "17/03/2026 09:00:00",
  "PhongBanXuLy": "Phòng Quản lý xây dựng", "NoiDungXuLy": "Chuyển xử lý", "TrangThai": "4"}]}`

type syncAnswer struct {
	Events []counter.Event `json:"events"`
	Notes  []struct {
		Code  string `json:"code"`
		Event string `json:"event"`
	} `json:"notes"`
	Error *struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"error"`
}

func postSync(t *testing.T, s *dashboard.Server, token, body string) (int, syncAnswer) {
	t.Helper()
	r := do(t, s, http.MethodPost, "/api/v1/sync/dvcqg", []byte(body), "Authorization", "Bearer "+token)
	var a syncAnswer
	require.NoError(t, json.Unmarshal(r.Body, &a), string(r.Body))
	return r.Status, a
}

// ids lists each event's id and sequence number: a retry answers the
// stored events (the same ids and places in the log).
func ids(events []counter.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID+"#"+strconv.FormatUint(e.Seq, 10))
	}
	return out
}

func TestSyncDVCQG(t *testing.T) {
	s, tokens, st := syncServer(t)
	integ, _ := tokens.add(t, dashboard.RoleIntegration, "tp-danang")

	status, a := postSync(t, s, integ, syncReceipt)
	require.Equal(t, http.StatusCreated, status)
	require.Len(t, a.Events, 1)
	rec := a.Events[0]
	require.Equal(t, counter.Received, rec.Type)
	require.Equal(t, "so-xd-motcua", rec.Agency)
	require.True(t, strings.HasPrefix(rec.ID, "dvcqg-"))
	require.Equal(t, time.Date(2026, 3, 31, 17, 0, 0, 0, hcm), rec.Slip.DueAt.In(hcm))

	t.Run("re-sent records are a retry", func(t *testing.T) {
		status, again := postSync(t, s, integ, syncReceipt)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, ids(a.Events), ids(again.Events))
	})

	t.Run("rows map to a transfer", func(t *testing.T) {
		status, b := postSync(t, s, integ, syncRows)
		require.Equal(t, http.StatusCreated, status)
		require.Len(t, b.Events, 1)
		require.Equal(t, counter.Transferred, b.Events[0].Type)
		require.Equal(t, "so-xd-qlxd", b.Events[0].To)
		d, _, _, err := st.FindDossierByCode(context.Background(), "000.00.31.H17-260316-00001")
		require.NoError(t, err)
		require.Equal(t, "so-xd-qlxd", d.Holder)
		status, c := postSync(t, s, integ, syncRows)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, ids(b.Events), ids(c.Events))
	})

	t.Run("a status going backwards is a stored note", func(t *testing.T) {
		body := strings.Replace(strings.Replace(syncReceipt, `"TrangThaiHoSo": "2"`, `"TrangThaiHoSo": "10"`, 1),
			`"NgayTra": ""`, `"NgayTra": "20260317160000", "NgayKetThucXuLy": "20260317150000"`, 1)
		status, b := postSync(t, s, integ, body)
		require.Equal(t, http.StatusCreated, status)
		require.Len(t, b.Events, 2)
		require.Equal(t, counter.ResultReady, b.Events[0].Type)
		require.Equal(t, counter.Returned, b.Events[1].Type)
		status, c := postSync(t, s, integ, strings.Replace(syncReceipt, `"TrangThaiHoSo": "2"`, `"TrangThaiHoSo": "1"`, 1))
		require.Equal(t, http.StatusCreated, status)
		require.Len(t, c.Notes, 1)
		require.Equal(t, "status_backwards", c.Notes[0].Code)
		require.Len(t, c.Events, 1)
		require.Equal(t, counter.DataNote, c.Events[0].Type)
		require.Equal(t, c.Notes[0].Event, c.Events[0].ID)
		d, _, _, err := st.FindDossierByCode(context.Background(), "000.00.31.H17-260316-00001")
		require.NoError(t, err)
		require.Equal(t, counter.DossierReturned, d.Status, "a note changes no state")
	})

	for _, tc := range []struct {
		name, role, agency, body string
		status                   int
		code, field              string
	}{
		{"desk token", dashboard.RoleDesk, "tp-danang", syncReceipt, http.StatusForbidden, counter.CodeForbidden, ""},
		{"viewer token", dashboard.RoleViewer, "tp-danang", syncReceipt, http.StatusForbidden, counter.CodeForbidden, ""},
		{"outside scope", dashboard.RoleIntegration, "q-haichau", strings.ReplaceAll(syncReceipt, "00001", "00002"),
			http.StatusForbidden, counter.CodeForbidden, "data[0].MaHoSo"},
		{"bad date", dashboard.RoleIntegration, "tp-danang", strings.Replace(syncReceipt, "20260316083000", "2026-16-03", 1),
			http.StatusUnprocessableEntity, counter.CodeInvalid, "data[0].NgayTiepNhan"},
		{"unknown unit", dashboard.RoleIntegration, "tp-danang", strings.ReplaceAll(strings.Replace(syncReceipt, `"madonvi": "000.00.31.H17"`, `"madonvi": "000.00.99.H17"`, 1), "00001", "00006"),
			http.StatusUnprocessableEntity, counter.CodeUnknownAgency, "data[0].MaHoSo"},
		{"refused by the store", dashboard.RoleIntegration, "tp-danang", strings.ReplaceAll(strings.Replace(syncReceipt, "20260316083000", "20260320083000", 1), "00001", "00003"),
			http.StatusUnprocessableEntity, counter.CodeEventInFuture, "data[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, _ := tokens.add(t, tc.role, tc.agency)
			status, b := postSync(t, s, tok, tc.body)
			require.Equal(t, tc.status, status)
			require.NotNil(t, b.Error)
			require.Equal(t, tc.code, b.Error.Code)
			require.Equal(t, tc.field, b.Error.Field)
		})
	}

	t.Run("atomic per request", func(t *testing.T) {
		ok := strings.ReplaceAll(syncReceipt, "00001", "00004")
		var env map[string]any
		require.NoError(t, json.Unmarshal([]byte(ok), &env))
		first := env["data"].([]any)[0].(map[string]any)
		second := map[string]any{}
		for k, v := range first {
			second[k] = v
		}
		second["MaHoSo"] = "000.00.31.H17-260316-00005"
		second["NgayTiepNhan"] = "20260325083000" // in the future: refused
		env["data"] = []any{first, second}
		body, err := json.Marshal(env)
		require.NoError(t, err)
		status, b := postSync(t, s, integ, string(body))
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Equal(t, "data[1]", b.Error.Field)
		_, _, _, err = st.FindDossierByCode(context.Background(), "000.00.31.H17-260316-00004")
		require.Equal(t, counter.CodeDossierNotFound, counter.ErrorCode(err))
		groups, err := st.SyncGroups([]string{"000.00.31.H17-260316-00004"})
		require.NoError(t, err)
		require.Empty(t, groups, "records of a refused request are not kept")
	})
}
