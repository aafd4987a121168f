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

// handleAgencyIndex answers GET /api/v1/agencies: the agency tree and the
// officials, as loaded.
func (s *Server) handleAgencyIndex(c *fiber.Ctx) error {
	if s.Config == nil {
		return newError(counter.CodeUnavailable)
	}
	return c.JSON(agencyIndexJSON{Agencies: s.Config.Root, Officials: nonNil(s.Config.Officials)})
}

type agencyIndexJSON struct {
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
