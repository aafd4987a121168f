package dashboard

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"rsc.io/qr"

	"github.com/motcua/motcua/counter"
)

// assets holds the pages' HTML, CSS and JS: no CDN, no build step.
//
//go:embed assets
var assets embed.FS

// pageTemplates are the page shells; each gets pageData.
var pageTemplates = template.Must(template.ParseFS(assets, "assets/*.html"))

type pageData struct {
	Now    string // the server clock, so that pages stamp events with it
	Title  string
	Script string   // the page's own script; head.html loads it after common.js
	Extra  []string // shared scripts the page also needs (forms.js)
}

func (s *Server) registerPageRoutes() {
	s.app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/wallboard", fiber.StatusFound) })
	// The wallboard may be framed by a signage page (kiosk CSP).
	s.app.Get("/wallboard", SecurityHeaders(true), s.page("wallboard.html", "Bảng theo dõi một cửa"))
	s.app.Get("/desk", s.page("desk.html", "Quầy tiếp nhận"))
	s.app.Get("/d/:code", s.page("dossier.html", "Hồ sơ"))
	s.app.Get("/bao-cao", s.page("bao-cao.html", "Báo cáo, xếp hạng người đứng đầu"))
	s.app.Get("/assets/:file", s.handleAsset)
	s.app.Get("/tra-cuu", s.handleTrackingForm)
	s.app.Get("/tra-cuu/:code", s.handleTrackingView)
	s.app.Get("/tra-cuu/:code/qr.svg", s.handleTrackingQR)
}

// page serves a page shell; the data comes from the API with the token the
// browser keeps, and live updates over /ws.
func (s *Server) page(name, title string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var b bytes.Buffer
		if err := pageTemplates.ExecuteTemplate(&b, name, pageData{
			Now: s.now().Format(time.RFC3339Nano), Title: title, Script: strings.TrimSuffix(name, ".html") + ".js",
			Extra: pageExtras[name],
		}); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		setPageHeaders(c)
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(b.Bytes())
	}
}

// pageExtras are the shared scripts each page loads besides its own.
var pageExtras = map[string][]string{"desk.html": {"forms.js"}, "dossier.html": {"forms.js"}}

// setPageHeaders marks a page uncacheable; SecurityHeaders, which the
// server applies to every answer, sets the CSP (no inline script).
func setPageHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
}

var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// handleAsset serves one embedded CSS or JS file.
func (s *Server) handleAsset(c *fiber.Ctx) error {
	name := path.Base(c.Params("file"))
	ext := path.Ext(name)
	if ext != ".css" && ext != ".js" && ext != ".svg" {
		return newError(counter.CodeNotFound)
	}
	b, err := fs.ReadFile(assets, "assets/"+name)
	if err != nil {
		return newError(counter.CodeNotFound)
	}
	c.Set(fiber.HeaderContentType, assetTypes[ext])
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(b)
}

// trackedDossier returns the dossier of the :code parameter when the k
// query is its tracking key. Anything else is a 404, so that codes cannot
// be probed.
func (s *Server) trackedDossier(c *fiber.Ctx) (*counter.Dossier, []counter.Event, error) {
	notFound := counter.Errorf(counter.CodeNotFound, "", "no such dossier, or wrong key", "không tìm thấy hồ sơ hoặc sai mã tra cứu")
	code, err := url.PathUnescape(c.Params("code"))
	key := c.Query("k")
	if err != nil || code == "" || key == "" || s.Ledger == nil {
		return nil, nil, notFound
	}
	code = strings.Clone(code)
	if s.TrackingKey != nil && subtle.ConstantTimeCompare([]byte(s.TrackingKey(code)), []byte(key)) != 1 {
		return nil, nil, notFound
	}
	d, events, _, err := s.Ledger.FindDossierByCode(c.UserContext(), code)
	if counter.ErrorCode(err) == counter.CodeDossierNotFound {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	if s.TrackingKey == nil && (d.TrackingKey == "" || subtle.ConstantTimeCompare([]byte(d.TrackingKey), []byte(key)) != 1) {
		return nil, nil, notFound
	}
	return s.withClock(d), events, nil
}

// trackingView is what the public status page shows: no applicant, no
// official, nothing personal.
type trackingView struct {
	Code, Procedure, Agency, Holder string
	Received, Promised, Due         string
	Finished, Returned              string
	State, StateClass               string
	// Law cites the decree in force for the dossier (its rule version,
	// SPEC.md §10.2), Stopped when a stop notice ended it.
	Law, Stopped string
	Pauses       []trackingPause
	Apologies    []trackingApology
}

type trackingPause struct{ From, To, Reason string }

type trackingApology struct{ At, NewDue, Reason string }

var stateVI = map[string]string{
	counter.ClockIntake:     "Đang chờ tiếp nhận",
	counter.ClockOnTrack:    "Đang giải quyết, trong hạn",
	counter.ClockWarning:    "Đang giải quyết, sắp đến hạn",
	counter.ClockDueToday:   "Đang giải quyết, đến hạn hôm nay",
	counter.ClockOverdue:    "Đang giải quyết, đã quá hạn",
	counter.ClockPaused:     "Tạm dừng, chờ bổ sung hồ sơ",
	counter.ClockDoneOnTime: "Đã có kết quả, đúng hạn",
	counter.ClockDoneLate:   "Đã có kết quả, trễ hạn",
	counter.ClockClosed:     "Đã kết thúc",
}

// handleTrackingView answers GET /tra-cuu/{code}?k=KEY, the citizen's
// status page (SPEC.md §6.3), rendered on the server without a token.
func (s *Server) handleTrackingView(c *fiber.Ctx) error {
	d, events, err := s.trackedDossier(c)
	if err != nil {
		if counter.ErrorCode(err) == counter.CodeNotFound {
			setPageHeaders(c)
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Status(fiber.StatusNotFound).SendString(notFoundHTML)
		}
		return err
	}
	loc := time.Local
	if s.Config != nil && s.Config.Calendar != nil && s.Config.Calendar.Location != nil {
		loc = s.Config.Calendar.Location
	}
	ft := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(loc).Format("15:04 02/01/2006")
	}
	v := trackingView{Code: d.Code, Procedure: d.Procedure, Agency: s.agencyName(d.Agency), Holder: s.agencyName(d.Holder),
		Received: ft(d.ReceivedAt), Promised: ft(d.PromisedDueAt), Finished: ft(d.FinishedAt), Returned: ft(d.ReturnedAt),
		State: stateVI[d.Clock.State], StateClass: d.Clock.State, Stopped: ft(d.StoppedAt)}
	if s.Config != nil {
		if r, ok := counter.RegimeInfo(s.Config.RegimeOf(d)); ok {
			v.Law = r.DecreeFull
		}
	}
	if d.DueAt != nil && d.PromisedDueAt != nil && !d.DueAt.Equal(*d.PromisedDueAt) {
		v.Due = ft(d.DueAt)
	}
	if s.Config != nil {
		if p := s.Config.Procedure(d.Procedure); p != nil {
			v.Procedure = p.Name
		}
	}
	for _, e := range events {
		at := e.At
		switch e.Type {
		case counter.SupplementRequested:
			reason := e.Reason
			for i, it := range e.Items {
				if i == 0 && reason != "" {
					reason += ": "
				} else if i > 0 {
					reason += "; "
				}
				reason += it.Name
			}
			v.Pauses = append(v.Pauses, trackingPause{From: ft(&at), Reason: reason})
		case counter.SupplementReceived:
			if n := len(v.Pauses); n > 0 && v.Pauses[n-1].To == "" {
				v.Pauses[n-1].To = ft(&at)
			}
		case counter.ApologyIssued:
			nd := e.NewDueAt
			v.Apologies = append(v.Apologies, trackingApology{At: ft(&at), NewDue: ft(&nd), Reason: e.Reason})
		}
	}
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, "tracking.html", v); err != nil {
		return fmt.Errorf("render tracking: %w", err)
	}
	setPageHeaders(c)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b.Bytes())
}

func (s *Server) agencyName(id string) string {
	if s.Config != nil {
		if a := s.Config.Agency(id); a != nil {
			return a.Name
		}
	}
	return id
}

const notFoundHTML = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>Không tìm thấy</title>` +
	`<link rel="stylesheet" href="/assets/app.css"><body class="public"><main class="card">` +
	`<h1>Không tìm thấy hồ sơ</h1><p>Mã hồ sơ hoặc mã tra cứu không đúng. Vui lòng kiểm tra lại Giấy tiếp nhận.</p>` +
	`<p lang="en">No such dossier, or wrong tracking key.</p></main></body></html>`

// handleTrackingQR answers GET /tra-cuu/{code}/qr.svg?k=KEY: a QR code of
// the status page's absolute URL, printed on the slip.
func (s *Server) handleTrackingQR(c *fiber.Ctx) error {
	d, _, err := s.trackedDossier(c)
	if err != nil {
		return err
	}
	target := s.publicBase(c) + "/tra-cuu/" + url.PathEscape(d.Code) + "?k=" + url.QueryEscape(c.Query("k"))
	svg, err := qrSVG(target)
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(svg)
}

// qrSVG encodes text as a QR code (level M) drawn as one SVG path.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, err
	}
	const quiet = 4
	n := code.Size + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
