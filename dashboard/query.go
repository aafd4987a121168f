package dashboard

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// Page sizes of the list endpoints.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	// maxCursor bounds the opaque cursor a client may send back.
	maxCursor = 1024
)

// query reads a query parameter as a string that outlives the handler.
func query(c *fiber.Ctx, key string) string {
	return strings.Clone(c.Query(key))
}

func errParam(field, en, vi string, args ...any) *counter.Error {
	return counter.Errorf(counter.CodeInvalidParam, field, en, vi, args...)
}

// agencyParam returns the agency query parameter, the root when absent.
// Returns CodeNotFound for an agency not in the tree.
func (s *Server) agencyParam(c *fiber.Ctx) (string, error) {
	id := query(c, "agency")
	if id == "" {
		if s.Config == nil || s.Config.Root == nil {
			return "", newError(counter.CodeUnavailable)
		}
		return s.Config.Root.ID, nil
	}
	if s.Config == nil || s.Config.Agency(id) == nil {
		return "", counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", id)
	}
	return id, nil
}

// pageParams returns limit (default DefaultLimit, 1..MaxLimit) and cursor.
func pageParams(c *fiber.Ctx) (int, string, error) {
	limit := DefaultLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return 0, "", errParam("limit", "limit must be an integer from 1 to %d", "limit phải là số nguyên từ 1 đến %d", MaxLimit)
		}
		limit = n
	}
	cursor := query(c, "cursor")
	if len(cursor) > maxCursor {
		return 0, "", errParam("cursor", "invalid cursor", "cursor không hợp lệ")
	}
	return limit, cursor, nil
}

// timeParam parses an optional RFC 3339 query parameter.
func timeParam(c *fiber.Ctx, key string) (time.Time, error) {
	v := c.Query(key)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errParam(key, "%s must be an RFC 3339 time, e.g. 2026-03-10T08:15:00+07:00",
			"%s phải là thời điểm theo RFC 3339, ví dụ 2026-03-10T08:15:00+07:00", key)
	}
	return t, nil
}

// periodParams parses from and to; to must not precede from.
func periodParams(c *fiber.Ctx) (from, to time.Time, err error) {
	if from, err = timeParam(c, "from"); err != nil {
		return
	}
	if to, err = timeParam(c, "to"); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = errParam("to", "to is before from", "to sớm hơn from")
	}
	return
}

// enumParam returns an optional query parameter that must be one of allowed.
func enumParam(c *fiber.Ctx, key string, allowed []string) (string, error) {
	v := query(c, key)
	if v == "" || slices.Contains(allowed, v) {
		return v, nil
	}
	return "", errParam(key, "%s must be one of %s", "%s phải là một trong %s", key, strings.Join(allowed, ", "))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
