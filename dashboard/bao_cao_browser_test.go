package dashboard_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBaoCaoBrowser: a head opens /bao-cao for a district: one row per
// unit of the subtree with its head and band, the 12-month trend drawn as
// SVG, sorting by score both ways, the English toggle, and another
// month through the picker.
func TestBaoCaoBrowser(t *testing.T) {
	l := startLive(t, 12)
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(l.URL+"/bao-cao?agency=phuong-haichau&from=2026-02-01&to=2026-03-11&access_token=head-root"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"] #rows tr[data-agency]`)),
	))
	agencies := eval[[]string](t, ctx, `[...document.querySelectorAll('#rows tr[data-agency]')].map((r) => r.dataset.agency)`)
	require.ElementsMatch(t, l.Config.Subtree("phuong-haichau"), agencies)
	heads := eval[string](t, ctx, `document.getElementById('rows').innerText`)
	require.Contains(t, heads, l.Config.Agency("phuong-haichau").Head.Name)
	require.Contains(t, heads, "Hoàn thành")
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#agency-name`)))
	require.NoError(t, err)
	require.Equal(t, "UBND phường Hải Châu", name)
	require.Equal(t, "custom", eval[string](t, ctx, `document.getElementById('mode').value`), "1/2 – 11/3 is no month, quarter or year")
	require.Equal(t, 12, eval[int](t, ctx, `document.querySelectorAll('#trend svg text.axis[text-anchor="middle"]').length`), "twelve months on the axis")
	require.GreaterOrEqual(t, eval[int](t, ctx, `Number(document.getElementById('trend').dataset.points)`), 2)
	require.Equal(t, 2, eval[int](t, ctx, `document.querySelectorAll('#trend svg path.line').length`), "score and on-time rate")

	scores := `[...document.querySelectorAll('#rows td.score')].map((td) => Number(td.textContent))`
	desc := eval[[]float64](t, ctx, scores)
	for i := 1; i < len(desc); i++ {
		require.GreaterOrEqual(t, desc[i-1], desc[i], "sorted by score, best first")
	}
	screenshot(t, ctx, "bao-cao.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`th[data-sort="score"]`))))
	asc := eval[[]float64](t, ctx, scores)
	for i := 1; i < len(asc); i++ {
		require.LessOrEqual(t, asc[i-1], asc[i], "a second click sorts worst first")
	}

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
	th, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`th[data-sort="score"]`)))
	require.NoError(t, err)
	require.Equal(t, "Score", th)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))

	// January through the picker: the table reloads for it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#mode`), "month"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('mode').dispatchEvent(new Event('change'))`),
		chromedp.SetValue(chromedp.CSS(`#month`), "2026-01"),
		chromedp.Click(chromedp.CSS(`#apply`)),
		chromedp.WaitVisible(chromedp.CSS(`#period-text`)),
	))
	require.NoError(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`location.search.includes('from=2026-01-01') && location.search.includes('to=2026-01-31')`)))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#period-text`)))
	require.NoError(t, err)
	require.Contains(t, text, "01/01/2026 – 31/01/2026")
}

// TestBaoCaoScopeBrowser: a ward head who asks for the city's page sees
// the refusal, in Vietnamese, and no card.
func TestBaoCaoScopeBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(l.URL+"/bao-cao?agency=tp-danang&access_token=head-thachthang"),
		chromedp.WaitVisible(chromedp.CSS(`#msg:not([hidden])`)),
	))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#msg`)))
	require.NoError(t, err)
	require.Contains(t, msg, "nằm ngoài phạm vi")
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#rows tr[data-agency]').length`))
}
