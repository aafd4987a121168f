package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
	"github.com/stretchr/testify/require"
)

// writeHistory writes n dossiers' lives at Hải Châu ward as NDJSON events,
// one per line: received with a slip, transferred, result ready, returned;
// every fifth dossier is still open. It returns the number of events.
func writeHistory(t *testing.T, path string, n int) int {
	t.Helper()
	var b strings.Builder
	count := 0
	add := func(e counter.Event) {
		line, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
		count++
	}
	for i := range n {
		code := fmt.Sprintf("000.20.31.H17-260105-%05d", i)
		at := local("2026-01-05 08:00").Add(time.Duration(i%40) * 24 * time.Hour).Add(time.Duration(i%7) * time.Hour)
		add(counter.Event{ID: code + "-r", Type: counter.Received, Dossier: code, At: at, Agency: counterHC,
			Procedure: hkd, Channel: counter.ChannelDirect, Applicant: &counter.Applicant{Name: "Nguyễn Văn Bình"},
			Slip: &counter.Slip{Number: fmt.Sprintf("%d/2026", i), DueAt: at.Add(10 * 24 * time.Hour)}})
		add(counter.Event{ID: code + "-t", Type: counter.Transferred, Dossier: code, At: at.Add(2 * time.Hour), Agency: counterHC, To: tckhHC})
		if i%5 == 4 {
			continue
		}
		add(counter.Event{ID: code + "-k", Type: counter.ResultReady, Dossier: code, At: at.Add(3 * 24 * time.Hour), Agency: tckhHC})
		add(counter.Event{ID: code + "-v", Type: counter.Returned, Dossier: code, At: at.Add(4 * 24 * time.Hour), Agency: counterHC})
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return count
}

func storedEvents(t *testing.T, db string) uint64 {
	t.Helper()
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	st, err := store.Open(db, cfg, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	seq, err := st.Seq()
	require.NoError(t, err)
	return seq
}

func TestImportResumeAndReplay(t *testing.T) {
	dir := t.TempDir()
	db, in := filepath.Join(dir, "m.db"), filepath.Join(dir, "history.ndjson")
	n := writeHistory(t, in, 600) // more than two batches
	code, _, stderr := run(t, context.Background(), nil, "import", "--db", db, "--config", shippedConfig, "--batch", "250", in)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, fmt.Sprintf("%d events read, %d new, 0 already stored", n, n))
	require.Equal(t, uint64(n), storedEvents(t, db))
	// History copied from the office's system is not late data entry: no
	// backdated_entry, months after the events, while the same event
	// posted live would be one.
	cfg, err := configs.Load(os.DirFS(shippedConfig))
	require.NoError(t, err)
	codesOf := func(db string, imported bool) []string {
		st, err := store.Open(db, cfg, store.Options{Evaluator: violations.New(), Import: imported})
		require.NoError(t, err)
		defer st.Close()
		if !imported {
			_, err := st.Record(context.Background(), []counter.Event{{ID: "live-1", Type: counter.Received, Dossier: "000.20.31.H17-260105-99999",
				At: local("2026-01-05 08:00"), Agency: counterHC, Procedure: hkd, Channel: counter.ChannelDirect}})
			require.NoError(t, err)
		}
		var out []string
		code := "000.20.31.H17-260105-00000"
		if !imported {
			code = "000.20.31.H17-260105-99999"
		}
		{
			_, _, vs, err := st.FindDossierByCode(context.Background(), code)
			require.NoError(t, err)
			for _, v := range vs {
				out = append(out, code+" "+v.Code)
			}
		}
		return out
	}
	require.NotContains(t, codesOf(db, true), "000.20.31.H17-260105-00000 backdated_entry")
	require.Contains(t, codesOf(filepath.Join(dir, "live.db"), false), "000.20.31.H17-260105-99999 backdated_entry")

	// A second run of the same file stores nothing.
	code, _, stderr = run(t, context.Background(), nil, "import", "--db", db, "--config", shippedConfig, in)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, fmt.Sprintf("%d events read, 0 new, %d already stored", n, n))
	require.Equal(t, uint64(n), storedEvents(t, db))

	// Replay of the imported log rebuilds exactly the views the import left.
	code, _, stderr = run(t, context.Background(), nil, "replay", "--db", db, "--config", shippedConfig, "--scratch", t.TempDir())
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, fmt.Sprintf("%d events", n))
	require.Contains(t, stderr, "0 differences")
}

// TestImportBatches: into a database file an import's calls are larger
// than the API's (a commit's cost is mostly per index range, not per
// event), by default and up to MaxImportBatch; through a cluster they stay
// within the API's bound, whose log entries are its calls.
func TestImportBatches(t *testing.T) {
	dir := t.TempDir()
	db, in := filepath.Join(dir, "m.db"), filepath.Join(dir, "history.ndjson")
	n := writeHistory(t, in, 1500)
	require.Greater(t, n, counter.MaxEventsPerBatch)
	code, _, stderr := run(t, context.Background(), nil, "import", "--db", db, "--config", shippedConfig, in)
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, uint64(n), storedEvents(t, db))
	code, _, stderr = run(t, context.Background(), nil, "replay", "--db", db, "--config", shippedConfig, "--scratch", t.TempDir())
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, "0 differences")

	for _, args := range [][]string{
		{"--batch", strconv.Itoa(MaxImportBatch + 1)},
		{"--batch", "-1"},
		{"--batch", strconv.Itoa(counter.MaxEventsPerBatch + 1), "--nats-url", "nats://127.0.0.1:4222"},
	} {
		code, _, stderr := run(t, context.Background(), nil, append(append([]string{"import", "--db", filepath.Join(dir, "x.db")}, args...), in)...)
		require.Equal(t, ExitUsage, code, "%v: %s", args, stderr)
		require.Contains(t, stderr, "--batch", "%v", args)
	}
}

func TestImportStopsAtFirstBadLine(t *testing.T) {
	dir := t.TempDir()
	db, in := filepath.Join(dir, "m.db"), filepath.Join(dir, "history.ndjson")
	writeHistory(t, in, 3) // 2 + 2 + 2... lines: dossier 0 and 1 have 4 events, 2 has 4
	b, err := os.ReadFile(in)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	// Line 6 transfers a dossier nobody received; lines after it are fine.
	bad := `{"id": "x-1", "type": "transferred", "dossier": "KHONG-CO", "at": "2026-01-06T09:00:00+07:00", "agency": "phuong-haichau-ttpvhcc", "to": "phuong-haichau-kthtdt"}`
	withBad := append(append(append([]string{}, lines[:5]...), bad), lines[5:]...)
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(withBad, "\n")+"\n"), 0o644))

	code, _, stderr := run(t, context.Background(), nil, "import", "--db", db, "--config", shippedConfig, in)
	require.Equal(t, ExitFail, code)
	require.Equal(t, in+`:6: dossier_not_found: dossier "KHONG-CO" not found (dossier)`+"\n", stderr)
	require.Equal(t, uint64(5), storedEvents(t, db), "the five lines before the bad one are kept")

	// Fixed, the import resumes: the five stored lines are skipped.
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	code, _, stderr = run(t, context.Background(), nil, "import", "--db", db, "--config", shippedConfig, in)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, fmt.Sprintf("%d events read, %d new, 5 already stored", len(lines), len(lines)-5))

	t.Run("refused while the lines after it are read", func(t *testing.T) {
		// Batches of two: line 6 is refused in the third while the reader
		// has gone on to a malformed last line; the first refusal is named.
		in3 := filepath.Join(dir, "later.ndjson")
		both := append(append([]string{}, withBad...), `{"id": "y", "type": `)
		require.NoError(t, os.WriteFile(in3, []byte(strings.Join(both, "\n")+"\n"), 0o644))
		db3 := filepath.Join(dir, "later.db")
		code, _, stderr := run(t, context.Background(), nil, "import", "--db", db3, "--config", shippedConfig, "--batch", "2", in3)
		require.Equal(t, ExitFail, code)
		require.Equal(t, in3+`:6: dossier_not_found: dossier "KHONG-CO" not found (dossier)`+"\n", stderr)
		require.Equal(t, uint64(5), storedEvents(t, db3), "the five lines before the refused one are kept")
	})

	t.Run("malformed line", func(t *testing.T) {
		in2 := filepath.Join(dir, "broken.ndjson")
		require.NoError(t, os.WriteFile(in2, []byte(lines[0]+"\n\n"+`{"id": "y", "type": `+"\n"), 0o644))
		code, _, stderr := run(t, context.Background(), nil, "import", "--db", filepath.Join(dir, "other.db"), "--config", shippedConfig, in2)
		require.Equal(t, ExitFail, code)
		require.Equal(t, in2+":3: bad_json: malformed JSON\n", stderr)
	})
}

// dvcqgConfig copies the shipped configuration with a national unit code
// on Sở Xây dựng.
func dvcqgConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{configs.AgenciesFile, configs.ProceduresFile, configs.CalendarFile, configs.RulesFile} {
		b, err := os.ReadFile(filepath.Join(shippedConfig, f))
		require.NoError(t, err)
		if f == configs.AgenciesFile {
			s := strings.Replace(string(b), "      - id: so-xd\n        name: Sở Xây dựng\n", "      - id: so-xd\n        name: Sở Xây dựng\n        code: 000.00.31.H17\n", 1)
			require.NotEqual(t, string(b), s)
			b = []byte(s)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	return dir
}

func TestImportDVCQG(t *testing.T) {
	cfgDir := dvcqgConfig(t)
	dir := t.TempDir()
	db, in := filepath.Join(dir, "m.db"), filepath.Join(dir, "dongbo.ndjson")
	// The dossier records first, then the rows (two services' exports).
	records := []string{
		`{"service": "DongBoHoSoMC", "madonvi": "000.00.31.H17", "data": [{"MaHoSo": "000.00.31.H17-260302-00001", "MaTTHC": "1.009994", "KenhThucHien": "1", "ChuHoSo": "Nguyễn Thị Lan", "NgayTiepNhan": "20260302083000", "NgayHenTra": "20260317170000", "TrangThaiHoSo": "10", "NgayKetThucXuLy": "20260312153000", "NgayTra": "20260313100000"}]}`,
		`{"MaHoSo": "000.00.31.H17-260302-00002", "MaTTHC": "1.009994", "KenhThucHien": "2", "NgayNopHoSo": "2026-03-01T20:00:00", "NgayTiepNhan": "2026-03-02T08:00:00", "NgayHenTra": "2026-03-17T17:00:00", "TrangThaiHoSo": "4"}`,
		`[{"MaHoSo": "000.00.31.H17-260302-00001", "ThoiDiemXuLy": "03/03/2026 09:15:00", "PhongBanXuLy": "Phòng Quản lý xây dựng", "NoiDungXuLy": "Chuyển xử lý", "TrangThai": "4"}]`,
		`{"MaHoSo": "000.00.31.H17-260302-00002", "ThoiDiemXuLy": "20260304100000", "NoiDungXuLy": "Yêu cầu bổ sung bản vẽ", "TrangThai": "5"}`,
	}
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(records, "\n")+"\n"), 0o644))
	code, _, stderr := run(t, context.Background(), nil, "import", "--db", db, "--config", cfgDir, in)
	require.Equal(t, ExitOK, code, stderr)
	// 1: received, transferred, result_ready, returned; 2: submitted, received, supplement_requested.
	require.Contains(t, stderr, "7 events read, 7 new")

	code, _, stderr = run(t, context.Background(), nil, "import", "--db", db, "--config", cfgDir, in)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, "7 events read, 0 new, 7 already stored")

	code, _, stderr = run(t, context.Background(), nil, "replay", "--db", db, "--config", cfgDir, "--scratch", t.TempDir())
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, "0 differences")

	t.Run("a record the mapping refuses is named by its line", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.ndjson")
		require.NoError(t, os.WriteFile(bad, []byte(records[1]+"\n"+strings.Replace(strings.ReplaceAll(records[0], "00001", "00009"), "1.009994", "9.999999", 1)+"\n"), 0o644))
		code, _, stderr := run(t, context.Background(), nil, "import", "--db", filepath.Join(dir, "bad.db"), "--config", cfgDir, "--format", "dvcqg", bad)
		require.Equal(t, ExitFail, code)
		require.Equal(t, bad+`:2: unknown_procedure: unknown procedure "9.999999" (MaTTHC)`+"\n", stderr)
	})
}
