package dashboard_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, string(b)
}

// TestTrackingPage: the citizen's page opens with the slip's key and shows
// where the dossier stands, the pause and the apology, but nothing
// personal; without the right key it does not exist.
func TestTrackingPage(t *testing.T) {
	l := startLive(t, 0)
	code := "000.00.31.H17-260311-0007"
	at := liveNow.Add(-4 * time.Hour)
	events := []counter.Event{
		{ID: "t1", Type: counter.Received, Dossier: code, At: at, Agency: "phuong-haichau-ttpvhcc", Official: "cb-248",
			Procedure: "2.000720", Channel: counter.ChannelDirect,
			Applicant: &counter.Applicant{Name: "Trần Thị Bí Mật", Phone: "0905999888"}},
		{ID: "t2", Type: counter.Transferred, Dossier: code, At: at.Add(time.Hour), Agency: "phuong-haichau-ttpvhcc", Official: "cb-248", To: "phuong-haichau-kthtdt"},
		{ID: "t3", Type: counter.SupplementRequested, Dossier: code, At: at.Add(2 * time.Hour), Agency: "phuong-haichau-kthtdt",
			Items: []counter.Item{{Code: "cccd", Name: "Căn cước công dân của chủ hộ kinh doanh"}}, Reason: "Bản sao chưa chứng thực"},
		{ID: "t4", Type: counter.ApologyIssued, Dossier: code, At: at.Add(3 * time.Hour), Agency: "phuong-haichau-kthtdt",
			NewDueAt: liveNow.AddDate(0, 0, 7), Reason: "Chờ ý kiến cơ quan thuế"},
	}
	for _, e := range events {
		status, body := l.post(t, "desk-root", e)
		require.Equal(t, http.StatusCreated, status, "%s: %s", e.ID, body["error"])
	}
	key := l.Store.TrackingKey(code)

	status, hdr, page := get(t, l.URL+"/tra-cuu/"+code+"?k="+key)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, hdr.Get("Content-Type"), "text/html")
	for _, want := range []string{"Đăng ký thành lập hộ kinh doanh", code, "Tạm dừng, chờ bổ sung hồ sơ", "Bản sao chưa chứng thực",
		"Chờ ý kiến cơ quan thuế", "Phòng Kinh tế, Hạ tầng và Đô thị phường Hải Châu", liveNow.Format("02/01/2006"),
		// received 11-3-2026: the law of its rule version, v2025
		"Hồ sơ được giải quyết theo Nghị định 118/2025/NĐ-CP."} {
		require.Contains(t, page, want)
	}
	require.NotContains(t, page, "61/2018", "not the repealed decree")
	for _, secret := range []string{"Bí Mật", "0905999888", "cb-248", "Hoàng Hữu Hải"} {
		require.NotContains(t, page, secret)
	}

	tests := []struct{ name, path string }{
		{"no key", "/tra-cuu/" + code},
		{"wrong key", "/tra-cuu/" + code + "?k=AAAAAAAAAA"},
		{"key of another code", "/tra-cuu/000.00.31.H17-260311-0008?k=" + key},
		{"unknown code with its own key", "/tra-cuu/000.00.31.H17-260311-0009?k=" + l.Store.TrackingKey("000.00.31.H17-260311-0009")},
		{"qr without key", "/tra-cuu/" + code + "/qr.svg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := get(t, l.URL+tt.path)
			require.Equal(t, http.StatusNotFound, status)
			require.NotContains(t, body, "hộ kinh doanh")
		})
	}

	status, hdr, svg := get(t, l.URL+"/tra-cuu/"+code+"/qr.svg?k="+key)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "image/svg+xml", hdr.Get("Content-Type"))
	require.True(t, strings.HasPrefix(svg, "<svg"))
}

// TestPagesServed: the shells and assets come from the binary with a CSP
// that forbids inline script; no page needs anything from a CDN.
func TestPagesServed(t *testing.T) {
	l := startLive(t, 0)
	for _, path := range []string{"/wallboard", "/desk", "/d/ABC", "/bao-cao"} {
		t.Run(path, func(t *testing.T) {
			status, hdr, body := get(t, l.URL+path)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, hdr.Get("Content-Security-Policy"), "script-src 'self'")
			require.NotContains(t, hdr.Get("Content-Security-Policy"), "unsafe-inline")
			require.NotContains(t, body, "<script>")
			require.NotContains(t, body, "https://")
			require.Contains(t, body, `name="motcua-now"`)
		})
	}
	for _, asset := range []string{"app.css", "common.js", "wallboard.js", "desk.js", "dossier.js", "bao-cao.js"} {
		status, hdr, body := get(t, l.URL+"/assets/"+asset)
		require.Equal(t, http.StatusOK, status, asset)
		require.NotEmpty(t, hdr.Get("Content-Type"))
		require.NotContains(t, body, "innerHTML", "%s must write text with textContent", asset)
		require.NotContains(t, body, "https://", asset)
	}
	status, _, _ := get(t, l.URL+"/assets/..%2fpages.go")
	require.Equal(t, http.StatusNotFound, status)
}
