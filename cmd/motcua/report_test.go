package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestReport writes the three spreadsheets from an offline database and
// reads them back: the register lists the receipts, and without a
// terminal the progress comes as plain lines.
func TestReport(t *testing.T) {
	db, _ := fillDB(t, 3)
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	now := time.Now().In(loc)
	from, to := now.AddDate(0, 0, -2).Format(time.DateOnly), now.Format(time.DateOnly)
	dir := t.TempDir()
	for _, kind := range []string{"scorecards", "register", "violations"} {
		out := filepath.Join(dir, kind+".xlsx")
		code, _, stderr := run(t, context.Background(), nil, "report", kind, "--db", db, "--out", out,
			"--config", shippedConfig, "--agency", "so-xd", "--from", from, "--to", to)
		require.Equal(t, ExitOK, code, stderr)
		require.Contains(t, stderr, "wrote "+out)
		f, err := excelize.OpenFile(out)
		require.NoError(t, err)
		rows, err := f.GetRows(f.GetSheetList()[0])
		require.NoError(t, err)
		require.Contains(t, rows[1][0], "Sở Xây dựng")
		switch kind {
		case "register":
			require.Len(t, rows, 3+3)
			require.Equal(t, []string{"1", "V-0001"}, rows[3][:2])
			require.Equal(t, "Hoàng E", rows[3][4])
			require.Contains(t, stderr, "register: 3 rows")
		case "scorecards":
			require.Equal(t, "Sở Xây dựng", rows[3][1])
			require.Equal(t, "3", rows[3][6], "received")
		}
		require.NoError(t, f.Close())
	}

	code, _, stderr := run(t, context.Background(), nil, "report", "ledger", "--db", db, "--out", filepath.Join(dir, "x.xlsx"))
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "want a report: scorecards, register, violations")
	code, _, stderr = run(t, context.Background(), nil, "report", "register", "--db", db, "--out", filepath.Join(dir, "y.xlsx"),
		"--config", shippedConfig, "--from", "2026-03-10", "--to", "2026-03-01")
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "to is before from")
	code, _, stderr = run(t, context.Background(), nil, "report", "register", "--db", filepath.Join(dir, "absent.db"), "--out", filepath.Join(dir, "z.xlsx"))
	require.Equal(t, ExitFail, code)
	require.Contains(t, stderr, "no such file")
}
