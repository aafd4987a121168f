package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// browser starts headless Chromium for one test. Browser tests are skipped
// only when Chromium is missing and CI is unset: in CI a missing browser
// is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "" {
			t.Skip("no chromium on PATH (scripts/ installs it in CI)")
		}
		t.Fatal("CI is set but chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1920, 1080),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "vi-VN"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	require.NoError(t, chromedp.Do(ctx)) // start the browser now, outside timed steps
	return ctx
}

// artifacts is where screenshots go: $MOTCUA_ARTIFACTS, else a temp dir.
func artifacts(t *testing.T) string {
	dir := os.Getenv("MOTCUA_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(artifacts(t), name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err)
	return v
}

// TestWallboardBrowser: an open wallboard shows a violation posted
// through the API within a second, without reloading.
func TestWallboardBrowser(t *testing.T) {
	l := startLive(t, 5)
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(l.URL+"/wallboard?agency=tp-danang&access_token=viewer-root"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ws="open"][data-loaded="1"] #units .unit`)),
	))
	eval[bool](t, ctx, `window.__marker = true`) // gone if the page reloads
	head, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#agency-name`)))
	require.NoError(t, err)
	require.Equal(t, "UBND thành phố Đà Nẵng", head)
	screenshot(t, ctx, "wallboard.png")

	status, out := l.post(t, "desk-root", refusal("live-1", "phuong-haichau-ttpvhcc", liveNow.Add(-10*time.Minute)))
	require.Equal(t, http.StatusCreated, status)
	posted := time.Now()
	var vs []counter.Violation
	require.NoError(t, json.Unmarshal(out["violations"], &vs))
	require.Len(t, vs, 1)
	wait, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(`#feed li[data-id="`+vs[0].ID+`"]`))),
		"the violation did not appear within 1 s")
	t.Logf("violation on the board %v after the API answered", time.Since(posted))
	require.True(t, eval[bool](t, ctx, `window.__marker === true`), "the page reloaded")
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#feed li[data-id="`+vs[0].ID+`"]`)))
	require.NoError(t, err)
	require.Contains(t, text, "Không nêu lý do")
	require.Contains(t, text, "Trung tâm Phục vụ hành chính công phường Hải Châu")

	// The English toggle relabels the board in place.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
	kpi, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#kpi-overdue span`)))
	require.NoError(t, err)
	require.Equal(t, "Overdue", kpi)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
}

// TestWallboardScopeBrowser: a board scoped to one ward never shows
// another ward's data, live or loaded.
func TestWallboardScopeBrowser(t *testing.T) {
	l := startLive(t, 3)
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(l.URL+"/wallboard?agency=phuong-haichau&access_token=viewer-phuong-haichau"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ws="open"][data-loaded="1"] #units .unit`)),
	))
	// One violation in another district, then one in this: once the
	// second shows, the first has had its chance to leak.
	status, other := l.post(t, "desk-root", refusal("scope-tk", "phuong-thanhkhe-ttpvhcc", liveNow.Add(-5*time.Minute)))
	require.Equal(t, http.StatusCreated, status)
	status, own := l.post(t, "desk-root", refusal("scope-hc", "phuong-haichau-ttpvhcc", liveNow.Add(-5*time.Minute)))
	require.Equal(t, http.StatusCreated, status)
	var vo, vh []counter.Violation
	require.NoError(t, json.Unmarshal(other["violations"], &vo))
	require.NoError(t, json.Unmarshal(own["violations"], &vh))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#feed li[data-id="`+vh[0].ID+`"]`))))
	screenshot(t, ctx, "wallboard-district.png")

	html := eval[string](t, ctx, `document.body.innerText`)
	require.Contains(t, html, "UBND phường Hải Châu")
	require.NotContains(t, html, vo[0].Dossier)
	for _, foreign := range []string{"Thanh Khê", "Sơn Trà", "Liên Chiểu", "Sở Xây dựng", "UBND thành phố"} {
		require.NotContains(t, html, foreign)
	}
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll('[data-agency]')].map((e) => e.dataset.agency)`)
	require.NotEmpty(t, ids)
	for _, id := range ids {
		require.True(t, l.Config.Within(id, "phuong-haichau"), "agency %s shown on Hải Châu's board", id)
	}
	codes := eval[[]string](t, ctx, `[...document.querySelectorAll('#overdue li[data-code], #paused li')].map((e) => e.dataset.code || '')`)
	for _, code := range codes {
		if code == "" {
			continue
		}
		d, _, _, err := l.Store.FindDossierByCode(context.Background(), code)
		require.NoError(t, err)
		require.True(t, l.Config.ReadableFrom(d.Agency, "phuong-haichau") || l.Config.ReadableFrom(d.Holder, "phuong-haichau"), "dossier %s", code)
	}
}
