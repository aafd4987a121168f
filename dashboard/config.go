package dashboard

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// MaxDueValue bounds the value of GET /calendar/due: the calendar's
// horizon in hours, so that no request walks the calendar for long.
const MaxDueValue = calendar.MaxScanDays * 24

var dueUnits = []string{string(calendar.WorkingDays), string(calendar.WorkingHours), string(calendar.Days), unitWD}

// unitWD is rules.yaml's working-day duration that keeps the clock time.
const unitWD = "wd"

func (s *Server) registerConfigRoutes(r fiber.Router) {
	r.Get("/agencies", s.handleAgencyIndex)
	r.Get("/procedures", s.handleProcedureIndex)
	r.Get("/calendar/due", s.handleCalendarDue)
}

// handleAgencyIndex answers GET /api/v1/agencies?at=YYYY-MM-DD (SPEC.md
// §10.2): the agency tree in force on that day (default: today, by the
// server clock, in the calendar's zone), each agency with the head in
// office that day, and the officials of those agencies. `at=all` (an
// extension) gives the whole tree as loaded, every period's agencies with
// their from/until, for pages that name the agencies of old records.
func (s *Server) handleAgencyIndex(c *fiber.Ctx) error {
	if s.Config == nil {
		return newError(counter.CodeUnavailable)
	}
	if query(c, "at") == "all" {
		return c.JSON(agencyIndexJSON{At: "all", Agencies: s.Config.Root, Officials: nonNil(s.Config.Officials)})
	}
	loc := time.Local
	if s.Config.Calendar != nil && s.Config.Calendar.Location != nil {
		loc = s.Config.Calendar.Location
	}
	day := s.now().In(loc)
	if at := query(c, "at"); at != "" {
		d, err := calendar.ParseDate(at)
		if err != nil || len(at) != len(time.DateOnly) {
			return errParam("at", "at must be a date YYYY-MM-DD (or all)", "at phải là ngày dạng YYYY-MM-DD (hoặc all)")
		}
		day = d.In(loc).Add(12 * time.Hour)
	}
	tree := s.Config.TreeAt(day)
	officials := []counter.Official{}
	for _, o := range s.Config.Officials {
		if s.Config.InForce(o.Agency, day) {
			officials = append(officials, o)
		}
	}
	return c.JSON(agencyIndexJSON{At: calendar.DateOf(day).String(), Agencies: tree, Officials: officials})
}

type agencyIndexJSON struct {
	At        string             `json:"at"`
	Agencies  *counter.Agency    `json:"agencies"`
	Officials []counter.Official `json:"officials"`
}

// handleProcedureIndex answers GET /api/v1/procedures: the catalogue.
func (s *Server) handleProcedureIndex(c *fiber.Ctx) error {
	if s.Config == nil {
		return newError(counter.CodeUnavailable)
	}
	return c.JSON(fiber.Map{"procedures": nonNil(s.Config.Procedures)})
}

// handleCalendarDue answers GET /api/v1/calendar/due?from=&value=&unit=:
// the deadline arithmetic of SPEC.md §4, in the calendar's time zone.
func (s *Server) handleCalendarDue(c *fiber.Ctx) error {
	if s.Config == nil || s.Config.Calendar == nil {
		return newError(counter.CodeUnavailable)
	}
	from, err := timeParam(c, "from")
	if err != nil {
		return err
	}
	if from.IsZero() {
		return errParam("from", "from is required (RFC 3339)", "thiếu from (thời điểm RFC 3339)")
	}
	value, err := strconv.Atoi(c.Query("value"))
	if err != nil || value < 0 || value > MaxDueValue {
		return errParam("value", "value must be an integer from 0 to %d", "value phải là số nguyên từ 0 đến %d", MaxDueValue)
	}
	unit := strings.Clone(c.Query("unit"))
	if !slices.Contains(dueUnits, unit) {
		return errParam("unit", "unit must be one of %s", "unit phải là một trong %s", strings.Join(dueUnits, ", "))
	}
	var due time.Time
	if unit == unitWD {
		// rules.yaml's "wd" (SPEC.md §4): the desk's warnings use it.
		due = s.Config.Calendar.AddWD(from, value)
	} else {
		due, err = s.Config.Calendar.Due(from, value, calendar.Unit(unit))
	}
	if err != nil {
		return counter.Errorf(counter.CodeInvalidParam, "from", "cannot compute the due time: %v",
			"không tính được thời hạn: %v", err)
	}
	if loc := s.Config.Calendar.Location; loc != nil {
		due = due.In(loc)
	}
	// return_at: the hour a slip promises (the end of the due day's last
	// office period), for the desk's Form 01.
	return c.JSON(fiber.Map{"due_at": due.Format(time.RFC3339),
		"return_at": ReturnTime(s.Config.Calendar, due).Format(time.RFC3339)})
}
