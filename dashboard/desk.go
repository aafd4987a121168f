package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
	"github.com/motcua/motcua/counter/store"
)

// What the desk and the board need beyond SPEC.md §6: who is signed in,
// server-issued dossier codes (§10.3), and the board's aggregates.

// CodeIssuer issues dossier codes; *store.Store implements it.
type CodeIssuer interface {
	// NextDossierCode returns the next code of prefix for the day of now,
	// durable before it returns; never the same code twice.
	NextDossierCode(prefix string, now time.Time) (string, error)
}

func (s *Server) registerDeskRoutes(r fiber.Router) {
	r.Get("/session", s.handleSessionView)
	r.Post("/dossier-codes", s.handleDossierCodeCreate)
	r.Get("/board", s.handleBoardView)
}

// stampOfficial charges every event of a per-official desk token to its
// clerk: an event without official gets the token's; one naming another
// official is refused (403 on "official"). Other tokens pass unchanged.
func stampOfficial(p Principal, events []counter.Event) error {
	if p.Official == "" {
		return nil
	}
	for i := range events {
		switch events[i].Official {
		case "":
			events[i].Official = p.Official
		case p.Official:
		default:
			field := "official"
			if len(events) > 1 {
				field = "events[" + itoa(i) + "].official"
			}
			return counter.Errorf(counter.CodeForbidden, field, "this desk token records only %s's events",
				"mã truy cập này chỉ ghi sự kiện của cán bộ %s", p.Official)
		}
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

type sessionJSON struct {
	Role         string `json:"role"`
	Agency       string `json:"agency"`
	Name         string `json:"name,omitempty"`
	Official     string `json:"official,omitempty"`
	OfficialName string `json:"official_name,omitempty"`
	// PersonalData tells a page whether applicants and free text reach it.
	PersonalData bool `json:"personal_data"`
	// PublicURL is the address citizens reach (slips, QR codes).
	PublicURL string    `json:"public_url"`
	Now       time.Time `json:"now"`
	// Rules are the thresholds the desk warns against before saving.
	Rules *counter.Rules `json:"rules,omitempty"`
	// Shifts are the shifts open now in the token's scope (desk and
	// integration tokens), so that a desk finds out that its clerk's shift
	// ended at closing time; absent when the ledger cannot tell.
	Shifts *[]shiftJSON `json:"shifts,omitempty"`
}

// shiftJSON is an open shift: who sits at which desk since when, and when
// the server ends it if nobody does (store.ClosingTime).
type shiftJSON struct {
	Agency   string    `json:"agency"`
	Desk     string    `json:"desk"`
	Official string    `json:"official,omitempty"`
	Since    time.Time `json:"since"`
	ClosesAt time.Time `json:"closes_at"`
}

// deskSource is a ledger that knows its desks' staffing (*store.Store and
// the cluster's view do).
type deskSource interface {
	Desks() ([]counter.DeskState, error)
}

// openShifts returns the shifts open in p's scope, nil when the ledger
// cannot tell.
func (s *Server) openShifts(p Principal) (*[]shiftJSON, error) {
	src, ok := s.Ledger.(deskSource)
	if !ok || s.Config == nil || s.Config.Calendar == nil || (p.Role != RoleDesk && p.Role != RoleIntegration) {
		return nil, nil
	}
	desks, err := src.Desks()
	if err != nil {
		return nil, err
	}
	out := []shiftJSON{}
	for _, d := range desks {
		if d.Open && p.Covers(s.Config, d.Agency) {
			out = append(out, shiftJSON{Agency: d.Agency, Desk: d.Desk, Official: d.Official, Since: d.Since,
				ClosesAt: store.ClosingTime(s.Config.Calendar, d.Since)})
		}
	}
	return &out, nil
}

// handleSessionView answers GET /api/v1/session: who the token speaks for,
// so that the desk shows only its counter and its clerk.
func (s *Server) handleSessionView(c *fiber.Ctx) error {
	p, err := s.principal(c)
	if err != nil {
		return err
	}
	out := sessionJSON{Role: p.Role, Agency: p.Agency, Name: p.Name, Official: p.Official,
		PersonalData: p.SeesPersonalData(), PublicURL: s.publicBase(c), Now: s.now()}
	if s.Config != nil {
		out.Rules = &s.Config.Rules
		if o := s.Config.Official(p.Official); o != nil {
			out.OfficialName = o.Name
		}
	}
	if out.Shifts, err = s.openShifts(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// nationalCode returns agency a's national unit code (agencies.yaml
// `code`, SPEC.md §10.2), read by name so that this file builds whether or
// not the configuration carries the field yet.
func nationalCode(a *counter.Agency) string {
	if a == nil {
		return ""
	}
	return strings.TrimSpace(a.Code)
}

// CodePrefix returns the prefix of agency a's dossier codes: its national
// unit code when configured, else a stable prefix derived from its id
// ("q-haichau-motcua" → "Q.HAICHAU.MOTCUA"), which no two agencies share.
func CodePrefix(a *counter.Agency) string {
	if c := nationalCode(a); c != "" {
		return c
	}
	return strings.ToUpper(strings.ReplaceAll(a.ID, "-", "."))
}

// handleDossierCodeCreate answers POST /api/v1/dossier-codes {"agency"}:
// 201 {"code"}, the agency's next code for today (SPEC.md §10.3).
func (s *Server) handleDossierCodeCreate(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleDesk, RoleIntegration)
	if err != nil {
		return err
	}
	issuer, _ := s.Ledger.(CodeIssuer)
	if s.Codes != nil {
		issuer = s.Codes
	}
	if issuer == nil || s.Config == nil {
		return newError(counter.CodeUnavailable)
	}
	var in struct {
		Agency string `json:"agency"`
	}
	if body := strings.TrimSpace(string(c.Body())); body != "" {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return counter.Errorf(counter.CodeBadJSON, "", "body must be {\"agency\"}", "nội dung phải là {\"agency\"}")
		}
	}
	if in.Agency == "" {
		in.Agency = p.Agency
	}
	a := s.Config.Agency(in.Agency)
	if a == nil {
		return counter.Errorf(counter.CodeUnknownAgency, "agency", "unknown agency %q", "không có cơ quan %q", in.Agency)
	}
	if !p.Covers(s.Config, a.ID) {
		return errOutOfScope("agency", a.ID)
	}
	code, err := issuer.NextDossierCode(CodePrefix(a), s.now())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"code": code})
}

// publicBase is the address citizens reach: PublicURL when configured,
// else the address this request came to.
func (s *Server) publicBase(c *fiber.Ctx) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	return c.BaseURL()
}

// trackingURL is the citizen's status page of d on base.
func trackingURL(base string, d *counter.Dossier) string {
	if d == nil || d.TrackingKey == "" {
		return ""
	}
	return base + "/tra-cuu/" + url.PathEscape(d.Code) + "?k=" + url.QueryEscape(d.TrackingKey)
}

// withTrackingURLs sets tracking_url on each of ds (copies already).
func (s *Server) withTrackingURLs(c *fiber.Ctx, ds []*counter.Dossier) []*counter.Dossier {
	base := s.publicBase(c)
	for _, d := range ds {
		if d != nil {
			d.TrackingURL = trackingURL(base, d)
		}
	}
	return ds
}

// Board periods: what the board's figures count (violations, receipts,
// on-time rate); open dossiers are always as of now.
const (
	PeriodToday = "today"
	PeriodMonth = "month"
	PeriodYear  = "year"
	// BoardListLen is how many overdue and paused dossiers the board lists.
	BoardListLen = 8
	// boardCacheTTL spares the store when many TVs ask at once.
	boardCacheTTL = 3 * time.Second
)

// periodBounds returns the instants from..to of period at now, in loc.
func periodBounds(period string, now time.Time, loc *time.Location) (time.Time, time.Time) {
	n := now.In(loc)
	switch period {
	case PeriodToday:
		from := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 0, 1).Add(-time.Nanosecond)
	case PeriodYear:
		from := time.Date(n.Year(), 1, 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(1, 0, 0).Add(-time.Nanosecond)
	}
	from := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0).Add(-time.Nanosecond)
}

type boardJSON struct {
	Agency  string              `json:"agency"`
	Period  string              `json:"period"`
	From    time.Time           `json:"from"`
	To      time.Time           `json:"to"`
	Now     time.Time           `json:"now"`
	Rollup  *counter.RollupNode `json:"rollup"`
	Open    map[string]int      `json:"open"` // unfinished dossiers by clock state, now
	Overdue []*counter.Dossier  `json:"overdue"`
	Paused  []*counter.Dossier  `json:"paused"`
}

type boardCache struct {
	mu sync.Mutex
	at map[string]boardEntry
}

type boardEntry struct {
	at  time.Time
	out *boardJSON
}

// handleBoardView answers GET /api/v1/board?agency=&period=: everything a
// wallboard shows, aggregated on the server over the whole subtree (no
// page of dossiers to count in the browser, so none is cut off): the
// roll-up of the period (today, this month — the default —, this year),
// the open dossiers by clock state now, and the oldest overdue and the
// paused dossiers, redacted for viewers.
func (s *Server) handleBoardView(c *fiber.Ctx) error {
	p, err := s.principal(c)
	if err != nil {
		return err
	}
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	period, err := enumParam(c, "period", []string{PeriodToday, PeriodMonth, PeriodYear})
	if err != nil {
		return err
	}
	if period == "" {
		period = PeriodMonth
	}
	now := s.now()
	key := agency + "\x00" + period + "\x00" + p.Role
	s.board.mu.Lock()
	if e, ok := s.board.at[key]; ok && now.Sub(e.at) < boardCacheTTL && !now.Before(e.at) {
		s.board.mu.Unlock()
		return c.JSON(e.out)
	}
	s.board.mu.Unlock()
	loc := time.Local
	if s.Config.Calendar != nil && s.Config.Calendar.Location != nil {
		loc = s.Config.Calendar.Location
	}
	from, to := periodBounds(period, now, loc)
	node, err := s.Ledger.Rollup(c.UserContext(), agency, from, to)
	if err != nil {
		return err
	}
	s.dropEnded(node, from, to, true)
	out := &boardJSON{Agency: agency, Period: period, From: from, To: to, Now: now, Rollup: node,
		Open: map[string]int{}, Overdue: []*counter.Dossier{}, Paused: []*counter.Dossier{}}
	// One pass over the subtree's open dossiers: counts, the oldest
	// overdue, the paused.
	cursor := ""
	for {
		ds, next, err := s.Ledger.FindDossiers(c.UserContext(), counter.DossierFilter{Agency: agency, Limit: MaxLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Finished() || d.Ended() || d.ReceivedAt == nil {
				continue
			}
			d = s.withClock(d)
			out.Open[d.Clock.State]++
			switch d.Clock.State {
			case counter.ClockOverdue:
				out.Overdue = append(out.Overdue, d)
			case counter.ClockPaused:
				if len(out.Paused) < BoardListLen {
					out.Paused = append(out.Paused, d)
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	sort.SliceStable(out.Overdue, func(i, j int) bool { return out.Overdue[i].DueAt.Before(*out.Overdue[j].DueAt) })
	if len(out.Overdue) > BoardListLen {
		out.Overdue = out.Overdue[:BoardListLen]
	}
	out.Overdue = s.redactDossiers(p, out.Overdue)
	out.Paused = s.redactDossiers(p, out.Paused)
	s.board.mu.Lock()
	if s.board.at == nil || len(s.board.at) > 1000 {
		s.board.at = map[string]boardEntry{}
	}
	s.board.at[key] = boardEntry{at: now, out: out}
	s.board.mu.Unlock()
	return c.JSON(out)
}

// ReturnTime is the hour a slip promises the result for a period that
// ends at due: the end of the last office period of due's day when due
// falls after it (a day-based period ends at 23:59:59, when the office is
// shut, SPEC.md §4), else due itself. Never later than due, so that the
// slip stays within the legal limit.
func ReturnTime(cal *calendar.Calendar, due time.Time) time.Time {
	if cal == nil || len(cal.OfficeHours) == 0 {
		return due
	}
	loc := cal.Location
	if loc == nil {
		loc = due.Location()
	}
	d := due.In(loc)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	end := day.Add(cal.OfficeHours[len(cal.OfficeHours)-1].End)
	if d.After(end) {
		return end
	}
	return d
}

// handleTrackingForm answers GET /tra-cuu: the citizen's look-up form
// (code and tracking key, as printed on the slip); with both filled in it
// sends the browser to the status page.
func (s *Server) handleTrackingForm(c *fiber.Ctx) error {
	code, key := strings.TrimSpace(c.Query("code")), strings.TrimSpace(c.Query("k"))
	if code != "" && key != "" {
		return c.Redirect("/tra-cuu/"+url.PathEscape(code)+"?k="+url.QueryEscape(key), fiber.StatusSeeOther)
	}
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, "lookup.html", struct{ Code, Key string }{strings.Clone(code), strings.Clone(key)}); err != nil {
		return fmt.Errorf("render lookup: %w", err)
	}
	setPageHeaders(c)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b.Bytes())
}

// dropEnded leaves out of a board's tree the units not in force during
// the period that have nothing to show in it (a district abolished in
// 2025 on this month's board), so that a TV pages through today's map.
// The open overdue count is today's: it shows only in a period that
// reaches today (withNow).
func (s *Server) dropEnded(n *counter.RollupNode, from, to time.Time, withNow bool) {
	kept := n.Children[:0]
	for _, ch := range n.Children {
		if s.Config.InForceBetween(ch.Agency, from, to) || !quiet(ch, withNow) {
			s.dropEnded(ch, from, to, withNow)
			kept = append(kept, ch)
		}
	}
	n.Children = kept
}

// quiet reports whether n counts nothing at all (its open overdue
// dossiers only withNow).
func quiet(n *counter.RollupNode, withNow bool) bool {
	if n.Received > 0 || n.Finished > 0 || (withNow && n.OverdueOpen > 0) {
		return false
	}
	for _, v := range n.Total {
		if v > 0 {
			return false
		}
	}
	return true
}
