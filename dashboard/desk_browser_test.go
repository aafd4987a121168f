package dashboard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// keyboard sends keys to whatever has the focus, as a clerk types, and
// counts the keystrokes: a character, or a key with its modifier, is one.
type keyboard struct {
	t   *testing.T
	ctx context.Context
	n   int
}

func (k *keyboard) typ(s string) {
	k.t.Helper()
	require.NoError(k.t, chromedp.Do(k.ctx, chromedp.KeyEvent(s)))
	k.n += len([]rune(s))
	time.Sleep(30 * time.Millisecond)
}

func (k *keyboard) key(key string, mods ...chromedp.KeyOption) {
	k.t.Helper()
	require.NoError(k.t, chromedp.Do(k.ctx, chromedp.KeyEvent(key, mods...)))
	k.n++
	time.Sleep(30 * time.Millisecond)
}

// press sends key down and up without its character: in a browser, a
// keydown the page takes (preventDefault) types nothing, while the
// protocol's KeyEvent also sends the character as an event of its own,
// which would land in the field the key just focused.
func (k *keyboard) press(key string) {
	k.t.Helper()
	require.NoError(k.t, chromedp.Do(k.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range key {
			for _, ev := range kb.Encode(r) {
				if ev.Type == kb.KeyChar {
					continue
				}
				if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, *ev); err != nil {
					return err
				}
			}
		}
		return nil
	})))
	k.n++
	time.Sleep(30 * time.Millisecond)
}

func waitFor(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(c, chromedp.WaitVisible(chromedp.CSS(sel))), "waiting for %s", sel)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	require.NoError(t, err)
	return s
}

// docShot writes a small copy of the page for the README (docs/), when
// MOTCUA_DOCS names the folder; the test does not depend on it. The
// README's desk.png, slip.png and wallboard.png come from
//
//	MOTCUA_DOCS=$PWD/docs go test ./dashboard -run 'TestDeskBrowser$|TestWallboardTVBrowser'
//	pngquant --quality=70-95 --strip --force --ext .png docs/{desk,slip,wallboard}.png
func docShot(t *testing.T, ctx context.Context, name string, w, h int64) {
	dir := os.Getenv("MOTCUA_DOCS")
	if dir == "" {
		return
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(0.5))))
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(w, h)))
}

// TestDeskBrowser walks a whole dossier's life at the desk with the
// keyboard only, signed in as one clerk with her own desk token, and
// counts the keystrokes (README: target at most 60).
func TestDeskBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	l.Server.PublicURL = "https://motcua.danang.gov.vn"
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(l.URL+"/desk?access_token=desk-hc-cb064"),
	))
	// Signing in starts her shift at the desk she picks; the counter is
	// the token's, the clerk is the token's: no dropdown to choose either.
	waitFor(t, ctx, `#shift:not([hidden]) #shift-desk`)
	require.True(t, eval[bool](t, ctx, `document.getElementById('shift-clerk-l').hidden && document.getElementById('shift-counter-l').hidden`))
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#shift-desk`), "q2"), chromedp.Click(chromedp.CSS(`#shift-go`))))
	waitFor(t, ctx, `body[data-ready="1"]`)
	require.Contains(t, text(t, ctx, `#counter-name`), "Trung tâm Phục vụ hành chính công phường Hải Châu")
	require.Contains(t, text(t, ctx, `#clerk`), "Hoàng Hữu Hải")
	desks, err := l.Store.Desks()
	require.NoError(t, err)
	var open []string
	for _, d := range desks {
		if d.Open {
			open = append(open, d.Agency+"/"+d.Desk+"/"+d.Official)
		}
	}
	require.Equal(t, []string{"phuong-haichau-ttpvhcc/q2/cb-248"}, open, "signing in opened her shift")

	// The procedure picker finds names typed without diacritics.
	kb0 := &keyboard{t: t, ctx: ctx}
	kb0.typ("xac nhan")
	hits := eval[[]string](t, ctx, `[...document.querySelectorAll('.picks li')].map((x) => x.textContent)`)
	require.NotEmpty(t, hits)
	for _, h := range hits {
		require.Contains(t, strings.ToLower(h), "xác nhận")
	}
	eval[bool](t, ctx, `(() => { const q = document.getElementById('f-procedure-q'); q.value = ''; q.dispatchEvent(new Event('input')); q.focus(); return true; })()`)

	k := &keyboard{t: t, ctx: ctx}
	// 1. Receipt: the focus is on the procedure; initials find it.
	k.typ("hkd")
	k.key(kb.Enter)
	k.typ("Lê Văn Tư")
	k.key(kb.Tab)
	k.typ("0905123456")
	k.key(kb.Enter)
	waitFor(t, ctx, `#slip-box:not([hidden]) #slip`)
	ds, _, err := l.Store.FindDossiers(context.Background(), counter.DossierFilter{Agency: "phuong-haichau-ttpvhcc", Limit: 5})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	d := ds[0]
	require.Regexp(t, `^PHUONG\.HAICHAU\.TTPVHCC-260311-\d{4}$`, d.Code, "the code comes from the server")
	require.Equal(t, "Lê Văn Tư", d.Applicant.Name)
	_, events, _, err := l.Store.FindDossierByCode(context.Background(), d.Code)
	require.NoError(t, err)
	require.Equal(t, "cb-248", events[0].Official, "the clerk signed in, not a dropdown")
	slip := text(t, ctx, `#slip`)
	due := d.PromisedDueAt.In(l.Config.Calendar.Location)
	require.Equal(t, "17:00", due.Format("15:04"), "the return time is the end of the office day")
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "17 giờ 00 phút, ngày " + due.Format("02") + " tháng " + due.Format("01"),
		"NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Hoàng Hữu Hải", "Đăng ký nhận kết quả tại", "Trung tâm Phục vụ hành chính công phường Hải Châu",
		"https://motcua.danang.gov.vn/tra-cuu", "Mẫu số 01", "Bản chính", d.TrackingKey} {
		require.Contains(t, slip, want)
	}
	require.NotContains(t, slip, "23 giờ 59")
	require.NotContains(t, slip, "Trả ngay")
	waitFor(t, ctx, `#slip img.qr`)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#slip img.qr').complete && document.querySelector('#slip img.qr').naturalWidth > 0`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the slip's QR code loads")
	screenshot(t, ctx, "desk-slip-1920.png")
	docShot(t, ctx, "desk.png", 1920, 1080)
	if dir := os.Getenv("MOTCUA_DOCS"); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS(`#slip`), 0.75))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "slip.png"), png, 0o644))
	}
	tail := d.Code[len(d.Code)-4:]
	receipt := k.n

	// 2. A supplement request, found by the code's last digits.
	k.key("/")
	k.typ(tail)
	k.key(kb.Enter)
	waitFor(t, ctx, `#actions:not([hidden]) button`)
	k.typ("1") // supplement_requested, first for a dossier being processed
	waitFor(t, ctx, `#fields input[name=items]`)
	k.key(" ")
	k.key(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, ctx, `#slip[data-form="02"]`)
	_, events, _, err = l.Store.FindDossierByCode(context.Background(), d.Code)
	require.NoError(t, err)
	req := events[len(events)-1]
	require.Equal(t, counter.SupplementRequested, req.Type)
	require.Equal(t, "giay_de_nghi", req.Items[0].Code)
	require.Contains(t, req.Reason, "Giấy đề nghị đăng ký hộ kinh doanh", "the reason names the missing paper")
	screenshot(t, ctx, "desk-form02.png")

	// 3. The papers come back; 4. the result is ready; 5. it is returned.
	for _, step := range []struct {
		digit string
		want  counter.EventType
	}{{"1", counter.SupplementReceived}, {"4", counter.ResultReady}, {"1", counter.Returned}} {
		k.key("/")
		k.typ(tail)
		k.key(kb.Enter)
		waitFor(t, ctx, `#actions:not([hidden]) button`)
		label := eval[string](t, ctx, `document.querySelectorAll('#actions button')[`+step.digit+`-1].dataset.type`)
		require.Equal(t, string(step.want), label)
		k.typ(step.digit)
		waitFor(t, ctx, `#ev:not([hidden])`)
		require.Equal(t, "submit", eval[string](t, ctx, `document.activeElement.id`), "nothing to fill: the focus is on Save")
		k.key(kb.Enter)
		require.Eventually(t, func() bool {
			_, evs, _, _ := l.Store.FindDossierByCode(context.Background(), d.Code)
			return evs[len(evs)-1].Type == step.want
		}, 5*time.Second, 50*time.Millisecond)
	}
	t.Logf("keystrokes: receipt %d, whole life %d", receipt, k.n)
	require.LessOrEqual(t, k.n, 60, "a whole dossier's life at the desk")
	require.Equal(t, 58, k.n, "README states this count")
	got, _, _, err := l.Store.FindDossierByCode(context.Background(), d.Code)
	require.NoError(t, err)
	require.Equal(t, counter.DossierReturned, got.Status)
}

// TestDeskFormsBrowser: per-event forms never carry a field over; the
// desk warns before saving what breach the entry will record; dates are
// typed dd/mm/yyyy hh:mm; the English toggle relabels the desk.
func TestDeskFormsBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	at := liveNow.Add(-3 * time.Hour)
	for _, e := range []counter.Event{
		{ID: "fw-1", Type: counter.Received, Dossier: "FW-1", At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: "direct",
			Applicant: &counter.Applicant{Name: "Trần Thị Mai"}},
		{ID: "fw-2", Type: counter.SupplementRequested, Dossier: "FW-1", At: at.Add(time.Hour), Agency: "phuong-haichau-ttpvhcc", Items: []counter.Item{{Code: "cccd"}}, Reason: "thiếu"},
		{ID: "fw-3", Type: counter.SupplementReceived, Dossier: "FW-1", At: at.Add(2 * time.Hour), Agency: "phuong-haichau-ttpvhcc"},
	} {
		status, body := l.post(t, "desk-root", e)
		require.Equal(t, 201, status, "%v", body)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(l.URL+"/desk?access_token=desk-root&agency=phuong-haichau-ttpvhcc"),
	))
	// A counter-wide token: the clerk signs in by name.
	waitFor(t, ctx, `#shift:not([hidden]) #shift-clerk`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#shift-clerk`), "cb-249"), chromedp.Click(chromedp.CSS(`#shift-go`))))
	waitFor(t, ctx, `body[data-ready="1"]`)
	require.Contains(t, text(t, ctx, `#clerk`), "Lương Minh Châu")
	k := &keyboard{t: t, ctx: ctx}
	k.key("/")
	k.typ("mai") // by the applicant's name, without diacritics
	k.key(kb.Enter)
	waitFor(t, ctx, `#actions:not([hidden]) button`)
	// A second supplement request: the warning names the breach.
	k.typ("1")
	waitFor(t, ctx, `#warn:not([hidden])`)
	require.Contains(t, text(t, ctx, `#warn`), "Yêu cầu bổ sung nhiều lần")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name=items-other]`), "Giấy khám sức khỏe")))
	waitFor(t, ctx, `#warn:not([hidden])`)
	require.Eventually(t, func() bool {
		return strings.Contains(text(t, ctx, `#warn`), "Yêu cầu giấy tờ ngoài quy định")
	}, 3*time.Second, 50*time.Millisecond)
	screenshot(t, ctx, "desk-warning-1366.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#f-reason`), "Lý do riêng")))
	// Another event type: a fresh form, nothing carried over.
	k.key(kb.Escape)
	waitFor(t, ctx, `#actions button`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#actions button[data-type="apology_issued"]`))))
	waitFor(t, ctx, `#f-new_due_at`)
	require.Equal(t, "", eval[string](t, ctx, `document.getElementById('f-reason').value`))
	// A date typed dd/mm/yyyy hh:mm is read as local time.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-new_due_at`), "20/03/2026 16:30"),
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "Chờ ý kiến Sở Xây dựng"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	))
	waitFor(t, ctx, `#slip[data-form="04"]`)
	d, _, _, err := l.Store.FindDossierByCode(context.Background(), "FW-1")
	require.NoError(t, err)
	require.Equal(t, "2026-03-20 16:30", d.DueAt.In(l.Config.Calendar.Location).Format("2006-01-02 15:04"))
	form := text(t, ctx, `#slip`)
	require.Contains(t, form, "16 giờ 30 phút, ngày 20 tháng 03 năm 2026")
	require.Contains(t, form, "PHIẾU XIN LỖI")
	screenshot(t, ctx, "desk-form04-1366.png")
	// A bad date is refused in words, beside its field.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#actions button[data-type="rejected"]`))))
	waitFor(t, ctx, `#f-at`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#f-at`), "2026-03-11"), chromedp.Click(chromedp.CSS(`#submit`))))
	waitFor(t, ctx, `#f-at.invalid`)
	require.Contains(t, text(t, ctx, `.field-error`), "dd/mm/yyyy hh:mm")
	// English with the toggle.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
	require.Equal(t, "End shift", text(t, ctx, `#signout`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))))
	// Signing out ends the shift.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#signout`))))
	require.Eventually(t, func() bool {
		desks, _ := l.Store.Desks()
		for _, d := range desks {
			if d.Agency == "phuong-haichau-ttpvhcc" && d.Open {
				return false
			}
		}
		return len(desks) > 0
	}, 5*time.Second, 50*time.Millisecond, "the shift ended")
}

// TestDeskClosingBrowser: a clerk signs in and leaves without signing
// out. At closing time the server ends her shift (the page needs not be
// open); the desk then says so and asks for a new shift. The next morning
// she signs in on time, and her desk is not charged for the night.
func TestDeskClosingBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	loc := l.Config.Calendar.Location
	const counterID = "phuong-haichau-ttpvhcc"
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(l.URL+"/desk?access_token=desk-hc-cb064"),
	))
	waitFor(t, ctx, `#shift:not([hidden]) #shift-desk`)
	require.True(t, eval[bool](t, ctx, `document.getElementById('shift-note').hidden`), "a first sign-in has nothing to explain")
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#shift-desk`), "q2"), chromedp.Click(chromedp.CSS(`#shift-go`))))
	waitFor(t, ctx, `body[data-ready="1"]`)
	open := func() []string {
		desks, err := l.Store.Desks()
		require.NoError(t, err)
		var out []string
		for _, d := range desks {
			if d.Open {
				out = append(out, d.Agency+"/"+d.Desk+"/"+d.Official)
			}
		}
		return out
	}
	require.Equal(t, []string{counterID + "/q2/cb-248"}, open())

	// 17:00 passes with the clerk gone; the sweeper ends the shift.
	closing := time.Date(2026, 3, 11, 17, 0, 0, 0, loc)
	l.Clock.Set(closing.Add(5*time.Second), 0)
	_, err := l.Store.SweepUntil(l.Clock.Now())
	require.NoError(t, err)
	require.Empty(t, open(), "closing time ended the shift")
	// The page reloads after closing time (its timer, or the clerk): it
	// shows that the shift ended and asks for a new one.
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
	waitFor(t, ctx, `#shift:not([hidden]) #shift-note:not([hidden])`)
	require.Contains(t, text(t, ctx, `#shift-note`), "Ca trực trước đã kết thúc lúc 17:00")
	screenshot(t, ctx, "desk-closed-1366.png")

	// The next morning she signs in at 07:33.
	l.Clock.Set(time.Date(2026, 3, 12, 7, 33, 0, 0, loc), 0)
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
	waitFor(t, ctx, `#shift:not([hidden]) #shift-desk`)
	require.True(t, eval[bool](t, ctx, `document.getElementById('shift-note').hidden`), "a new day: a plain sign-in")
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#shift-desk`), "q2"), chromedp.Click(chromedp.CSS(`#shift-go`))))
	waitFor(t, ctx, `body[data-ready="1"]`)
	require.Equal(t, []string{counterID + "/q2/cb-248"}, open())
	l.Clock.Set(time.Date(2026, 3, 12, 10, 0, 0, 0, loc), 0)
	_, err = l.Store.SweepUntil(l.Clock.Now())
	require.NoError(t, err)
	require.Empty(t, l.deskUnstaffed(t, counterID, "q2"), "no breach for the night or the morning")
}

// TestDossierPageBrowser: the dossier page speaks Vietnamese (states,
// severities, statuses), prints Forms 01, 02 and the stop notice (Form
// 05, with the law of the dossier's version), and the public look-up form
// leads to the status page.
func TestDossierPageBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	at := liveNow.Add(-3 * time.Hour)
	for _, e := range []counter.Event{
		{ID: "dp-1", Type: counter.Received, Dossier: "DP-1", At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: "direct",
			Applicant: &counter.Applicant{Name: "Phạm Văn Bình"}, Documents: []counter.Item{{Code: "cccd"}}},
		{ID: "dp-2", Type: counter.SupplementRequested, Dossier: "DP-1", At: at.Add(time.Hour), Agency: "phuong-haichau-ttpvhcc", Items: []counter.Item{{Name: "Giấy xác nhận của tổ dân phố"}}},
	} {
		status, body := l.post(t, "desk-root", e)
		require.Equal(t, 201, status, "%v", body)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(l.URL+"/d/DP-1?noprint=1&access_token=head-root"),
	))
	waitFor(t, ctx, `body[data-ready="1"]`)
	page := text(t, ctx, `main`)
	for _, want := range []string{"Tạm dừng chờ bổ sung", "Yêu cầu giấy tờ ngoài quy định", "Nghiêm trọng · Đang mở", "Không nêu lý do"} {
		require.Contains(t, page, want)
	}
	for _, bad := range []string{"processing", "high · open", "(cb-0"} {
		require.NotContains(t, page, bad)
	}
	for _, f := range []string{"01", "02"} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-form="`+f+`"]`))))
		waitFor(t, ctx, `#slip[data-form="`+f+`"]`)
	}
	require.Contains(t, text(t, ctx, `#slip`), "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
	require.Contains(t, text(t, ctx, `#slip`), "Giấy xác nhận của tổ dân phố")
	screenshot(t, ctx, "dossier-form02-1366.png")

	// A stop at the applicant's request (2025 law): the page names the
	// law and the stopped state, and prints Form 05 signed by the head.
	for _, e := range []counter.Event{
		{ID: "dp-3", Type: counter.Received, Dossier: "DP-2", At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: "direct",
			Applicant: &counter.Applicant{Name: "Lê Thị Cúc"}},
		{ID: "dp-4", Type: counter.StopRequested, Dossier: "DP-2", At: at.Add(time.Hour), Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Reason: "Không còn nhu cầu"},
		{ID: "dp-5", Type: counter.StopNoticeIssued, Dossier: "DP-2", At: at.Add(2 * time.Hour), Agency: "phuong-haichau-ttpvhcc", Official: "cb-248"},
	} {
		status, body := l.post(t, "desk-root", e)
		require.Equal(t, 201, status, "%v", body)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(l.URL+"/d/DP-2?noprint=1&access_token=head-root")))
	waitFor(t, ctx, `body[data-ready="1"]`)
	page = text(t, ctx, `main`)
	for _, want := range []string{"Đã dừng giải quyết", "Nghị định 118/2025/NĐ-CP", "Đề nghị dừng giải quyết", "Thông báo dừng giải quyết (Mẫu 05)"} {
		require.Contains(t, page, want)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-form="05"]`))))
	waitFor(t, ctx, `#slip[data-form="05"]`)
	form := text(t, ctx, `#slip`)
	for _, want := range []string{"THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mẫu số 05", "Thông tư số 03/2025/TT-VPCP", "Không còn nhu cầu", "Lê Thị Cúc", "Hoàng Hữu Hằng"} {
		require.Contains(t, form, want)
	}
	screenshot(t, ctx, "dossier-form05-1366.png")

	// The citizen's look-up form.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(l.URL+"/tra-cuu")))
	waitFor(t, ctx, `#lookup`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#code`), "DP-1"),
		chromedp.SendKeys(chromedp.CSS(`#k`), l.Store.TrackingKey("DP-1")),
		chromedp.Submit(chromedp.CSS(`#lookup`)),
	))
	waitFor(t, ctx, `#state`)
	require.Contains(t, text(t, ctx, `#state`), "Tạm dừng")
	require.NotContains(t, text(t, ctx, `body`), "Phạm Văn Bình")
	screenshot(t, ctx, "tra-cuu-390.png")
}

var pxRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)px$`)

// TestWallboardTVBrowser: the city board fits a 1920×1080 TV without
// scrolling, its head names and counts are at least 28 px with AA
// contrast, the period is shown and selectable, a viewer's board holds no
// applicant, a large tree pages, a phone gets one column, and a lost
// connection dims the figures.
func TestWallboardTVBrowser(t *testing.T) {
	l := startLive(t, 4)
	ctx := browser(t)
	// One live receipt with a name that must never reach a viewer's board.
	status, _ := l.post(t, "desk-root", counter.Event{ID: "tv-1", Type: counter.Received, Dossier: "TV-1", At: liveNow.Add(-time.Minute),
		Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: "direct", Applicant: &counter.Applicant{Name: "Đoàn Thị Riêng Tư", Phone: "0905999000"}})
	require.Equal(t, 201, status)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(l.URL+"/wallboard?access_token=viewer-root"),
	))
	waitFor(t, ctx, `body[data-ws="open"][data-loaded="1"] #units .unit`)
	time.Sleep(500 * time.Millisecond)
	require.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollHeight`), 1080, "no scrolling on a 1080p TV")
	require.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), 1920)
	feedBottom := eval[float64](t, ctx, `document.querySelector('.feed-panel').getBoundingClientRect().bottom`)
	require.LessOrEqual(t, feedBottom, 1080.0, "the live feed is on screen")
	for _, sel := range []string{".unit h3", ".unit .head", ".fig b", ".kpi b"} {
		size := eval[string](t, ctx, `getComputedStyle(document.querySelector('`+sel+`')).fontSize`)
		m := pxRE.FindStringSubmatch(size)
		require.NotNil(t, m, size)
		px, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, px, 28.0, "%s is %s", sel, size)
	}
	// Contrast of head names on their card, WCAG AA (4.5:1).
	ratio := eval[float64](t, ctx, `(() => {
		const rgb = (s) => s.match(/\d+/g).slice(0, 3).map(Number);
		const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		const fg = lum(rgb(getComputedStyle(document.querySelector('.unit .head')).color));
		const bg = lum(rgb(getComputedStyle(document.querySelector('.unit')).backgroundColor));
		return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05); })()`)
	require.GreaterOrEqual(t, ratio, 4.5)
	// Every unit is shown, on one page or across pages.
	units := len(l.Config.Root.Children)
	pages := eval[string](t, ctx, `document.body.dataset.pages`)
	require.Contains(t, text(t, ctx, `#pager`), fmt.Sprintf("%d đơn vị", len(l.Config.TreeAt(liveNow).Children)), "the units in force today")
	t.Logf("city board: %d units, %s pages", units, pages)
	require.Contains(t, text(t, ctx, `.period button.on`), "Tháng này", "this month by default")
	require.Contains(t, text(t, ctx, `#legend-txt`), "01/03/2026")
	body := text(t, ctx, `body`)
	require.NotContains(t, body, "Riêng Tư")
	require.NotContains(t, body, "0905999000")
	require.NotContains(t, body, "5000")
	screenshot(t, ctx, "wallboard-city-1920.png")
	docShot(t, ctx, "wallboard.png", 1920, 1080)

	// The period: today.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.period button[data-period="today"]`))))
	require.Eventually(t, func() bool { return strings.Contains(text(t, ctx, `.period button.on`), "Hôm nay") }, 5*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return strings.Contains(text(t, ctx, `#legend-txt`), "11/03/2026 – 11/03/2026") }, 5*time.Second, 50*time.Millisecond)

	// A laptop and a phone.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)))
	time.Sleep(400 * time.Millisecond)
	require.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollHeight`), 768)
	screenshot(t, ctx, "wallboard-city-1366.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)))
	time.Sleep(400 * time.Millisecond)
	require.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), 390, "no sideways scrolling on a phone")
	cols := eval[string](t, ctx, `getComputedStyle(document.getElementById('units')).gridTemplateColumns`)
	require.Len(t, strings.Fields(cols), 1, "one column on a phone: %s", cols)
	screenshot(t, ctx, "wallboard-city-390.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)))

	// A lost connection dims the figures and says since when.
	l.Hub.Close()
	waitFor(t, ctx, `#stale:not([hidden])`)
	require.Contains(t, text(t, ctx, `#stale`), "Mất kết nối")
	require.Equal(t, "0.4", eval[string](t, ctx, `getComputedStyle(document.querySelector('.layout')).opacity`))
	screenshot(t, ctx, "wallboard-stale.png")
}

// TestDeskStopBrowser: under Decree 118/2025 a clerk records an
// applicant's stop request and then the stop notice from the keyboard; the
// notice prints Form 05 with the request's date and reason, and the
// dossier ends, stopped. A dossier under the 2018 law offers neither.
func TestDeskStopBrowser(t *testing.T) {
	l := startLive(t, 0)
	ctx := browser(t)
	at := liveNow.Add(-3 * time.Hour)
	for _, e := range []counter.Event{
		{ID: "st-1", Type: counter.Received, Dossier: "ST-1", At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", Procedure: "2.000720", Channel: "direct",
			Applicant: &counter.Applicant{Name: "Lê Văn Dừng"}, Slip: &counter.Slip{Number: "01", DueAt: liveNow.AddDate(0, 0, 5)}},
		{ID: "st-old", Type: counter.Received, Dossier: "ST-OLD", At: time.Date(2025, 3, 3, 8, 0, 0, 0, l.Config.Calendar.Location), Agency: "q-haichau-motcua",
			Official: "cb-064", Procedure: "2.000720", Channel: "direct", Applicant: &counter.Applicant{Name: "Lê Văn Cũ"}},
	} {
		status, body := l.post(t, "desk-root", e)
		require.Equal(t, 201, status, "%v", body)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(l.URL+"/desk?access_token=desk-root&agency=phuong-haichau-ttpvhcc"),
	))
	waitFor(t, ctx, `#shift:not([hidden]) #shift-clerk`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#shift-clerk`), "cb-249"), chromedp.Click(chromedp.CSS(`#shift-go`))))
	waitFor(t, ctx, `body[data-ready="1"]`)
	k := &keyboard{t: t, ctx: ctx}
	find := func(q string) {
		k.key("/")
		k.typ(q)
		k.key(kb.Enter)
		waitFor(t, ctx, `#actions:not([hidden]) button:focus`) // selected: the actions take the keys
	}
	keyOf := func(typ string) string {
		return text(t, ctx, `#actions button[data-type="`+typ+`"] kbd`)
	}

	find("dung")
	require.Equal(t, "8", keyOf("stop_requested"))
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#actions button[data-type="stop_notice_issued"]').length`), "no notice before the request")
	k.press("8")
	waitFor(t, ctx, `#f-reason`)
	k.typ("Khong con nhu cau")
	k.key(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, ctx, `#search:focus`) // recorded: back to the search
	require.Eventually(t, func() bool {
		d, _, _, err := l.Store.FindDossierByCode(context.Background(), "ST-1")
		return err == nil && d.StopRequestedAt != nil
	}, 5*time.Second, 50*time.Millisecond)

	find("dung")
	require.Equal(t, "8", keyOf("stop_notice_issued"))
	k.press("8")
	waitFor(t, ctx, `#ev:not([hidden])`)
	k.key(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFor(t, ctx, `#slip[data-form="05"]`)
	waitFor(t, ctx, `#search:focus`)
	form := text(t, ctx, `#slip`)
	require.Contains(t, form, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ")
	require.Contains(t, form, "Lê Văn Dừng")
	require.Contains(t, form, "Khong con nhu cau")
	require.Contains(t, form, "Mẫu số 05 — Phụ lục I Thông tư số 03/2025/TT-VPCP")
	require.Contains(t, form, "Lý do đề nghị: Khong con nhu cau", "the action key types nothing into the form")
	screenshot(t, ctx, "desk-form05-1366.png")
	d, _, _, err := l.Store.FindDossierByCode(context.Background(), "ST-1")
	require.NoError(t, err)
	require.Equal(t, counter.DossierStopped, d.Status)
	t.Logf("request and notice in %d keystrokes", k.n)

	st, body := l.rawGet(t, "desk-root", "/api/v1/dossiers?agency=phuong-haichau-ttpvhcc&limit=500")
	require.Equal(t, 200, st)
	require.Contains(t, string(body), `"ST-OLD"`, "the centre lists the files it took over")
	find("st-old")
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#actions button[data-type^="stop_"]').length`), "Decree 61/2018 has no stop")
}
