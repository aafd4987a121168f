package dashboard_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// TestWithdrawnVerdictBrowser: a missing_slip raised while the slip was
// not on record is withdrawn when the desk types in the slip it gave in
// time. The board, open meanwhile, drops it from its feed as it happens;
// the dossier page keeps it on record, marked withdrawn ("Đã rút lại").
func TestWithdrawnVerdictBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	code := "000.00.31.H17-260311-0100"
	rec := counter.Event{ID: "wd-1", Type: counter.Received, Dossier: code, At: liveNow.Add(-20 * time.Minute),
		Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: counter.ChannelDirect}
	status, body := l.post(t, "desk-root", rec)
	require.Equal(t, 201, status, "%s", body)
	_, err := l.Store.SweepUntil(liveNow)
	require.NoError(t, err)
	_, _, vs, err := l.Store.FindDossierByCode(context.Background(), code)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.Equal(t, counter.VMissingSlip, vs[0].Code)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(l.URL+"/wallboard?access_token=viewer-phuong-haichau&agency=phuong-haichau"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-loaded="1"]`)),
	))
	require.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#feed .feed-item').length`), "the breach is on the board")

	slip := counter.Event{ID: "wd-2", Type: counter.SlipIssued, Dossier: code, At: liveNow.Add(-15 * time.Minute),
		Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Number: "01/2026", DueAt: liveNow.Add(72 * time.Hour)}
	status, body = l.post(t, "desk-root", slip)
	require.Equal(t, 201, status, "%s", body)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#feed .feed-item').length === 0`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the board drops a withdrawn verdict")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(l.URL+"/d/"+code+"?access_token=viewer-phuong-haichau"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#violations tr.not-counted`)))
	require.NoError(t, err)
	require.Contains(t, row, "Đã rút lại")
	require.Contains(t, row, "Không cấp giấy tiếp nhận")
	screenshot(t, ctx, "dossier-withdrawn.png")
}
