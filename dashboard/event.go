package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// MaxBatch is the largest number of events one POST /events may carry.
const MaxBatch = counter.MaxEventsPerBatch

func (s *Server) registerEventRoutes(r fiber.Router) {
	r.Post("/events", s.handleEventCreate)
}

// handleEventCreate answers POST /api/v1/events: one event, or
// {"events": [...]} stored atomically. 201 when something was written, 200
// when every event was a retry of one already stored.
func (s *Server) handleEventCreate(c *fiber.Ctx) error {
	p, err := s.principal(c)
	if err != nil {
		return err
	}
	events, err := DecodeEvents(c.Body())
	if err != nil {
		return err
	}
	if err := stampOfficial(p, events); err != nil {
		return err
	}
	ctx, err := s.writerContext(c.UserContext(), p, events)
	if err != nil {
		return err
	}
	res, err := s.Ledger.Record(ctx, events)
	if err != nil {
		return err
	}
	if res == nil {
		res = &counter.RecordResult{}
	}
	out := recordJSON{
		Events:     nonNil(res.Events),
		Dossiers:   s.withTrackingURLs(c, s.withClocks(res.Dossiers)),
		Violations: nonNil(res.Violations),
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	return c.Status(status).JSON(out)
}

type recordJSON struct {
	Events     []counter.Event     `json:"events"`
	Dossiers   []*counter.Dossier  `json:"dossiers"`
	Violations []counter.Violation `json:"violations"`
}

// DecodeEvents parses the body of POST /events: one event object, or
// {"events": [...]} with 1 to MaxBatch events. Malformed JSON is
// CodeBadJSON; valid JSON of the wrong shape is CodeInvalid with Field
// naming the first bad field ("at", "events[2].at"). Fields the server
// sets (seq, recorded_at, prev_hash, hash) are cleared. The events share
// no memory with body.
func DecodeEvents(body []byte) ([]counter.Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, counter.Errorf(counter.CodeBadJSON, "", "empty body: send an event or {\"events\": [...]}",
			"nội dung rỗng: gửi một sự kiện hoặc {\"events\": [...]}")
	}
	if !json.Valid(body) {
		return nil, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
	}
	if body[0] != '{' {
		return nil, counter.Errorf(counter.CodeInvalid, "", "body must be an event object or {\"events\": [...]}",
			"nội dung phải là một sự kiện hoặc {\"events\": [...]}")
	}
	keys, err := objectKeys(body)
	if err != nil {
		return nil, err
	}
	if _, batch := keys["events"]; !batch {
		e, err := decodeEvent(body)
		if err != nil {
			return nil, err
		}
		return []counter.Event{e}, nil
	}
	for k := range keys {
		if k != "events" {
			return nil, counter.Errorf(counter.CodeInvalid, k, "unknown field %q beside \"events\"",
				"trường %q không hợp lệ bên cạnh \"events\"", k)
		}
	}
	raw := keys["events"]
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, counter.Errorf(counter.CodeInvalid, "events", "events must be an array of event objects",
			"events phải là một mảng các sự kiện")
	}
	switch {
	case len(list) == 0:
		return nil, counter.Errorf(counter.CodeInvalid, "events", "events is empty", "events rỗng")
	case len(list) > MaxBatch:
		return nil, counter.Errorf(counter.CodeTooManyEvents, "events", "too many events: %d, at most %d",
			"quá nhiều sự kiện: %d, tối đa %d", len(list), MaxBatch)
	}
	events := make([]counter.Event, len(list))
	for i, r := range list {
		e, err := decodeEvent(r)
		if err != nil {
			return nil, counter.WithFieldPrefix(err, "events["+strconv.Itoa(i)+"]")
		}
		events[i] = e
	}
	return events, nil
}

// objectKeys returns the members of the JSON object body; a key given
// twice is refused, since which value wins would be a guess.
func objectKeys(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
		}
		if _, dup := out[k]; dup {
			return nil, counter.Errorf(counter.CodeInvalid, k, "field %q given twice", "trường %q bị lặp lại", k)
		}
		out[k] = v
	}
	return out, nil
}

// decodeEvent decodes one event object: values of the wrong type are
// CodeInvalid naming the field. Unknown fields are ignored, so that an
// integration may send its own metadata alongside an event; a misspelt
// required field still fails as missing.
func decodeEvent(raw []byte) (counter.Event, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return counter.Event{}, counter.Errorf(counter.CodeInvalid, "", "an event must be a JSON object",
			"mỗi sự kiện phải là một đối tượng JSON")
	}
	var e counter.Event
	if err := strictDecode(raw, &e); err != nil {
		field, why := locate(raw, reflect.TypeOf(e), "")
		if field == "" {
			return counter.Event{}, &counter.Error{Code: counter.CodeInvalid,
				Message: "invalid event: " + why.en, MessageVI: "sự kiện không hợp lệ: " + why.vi}
		}
		return counter.Event{}, &counter.Error{Code: counter.CodeInvalid, Field: field,
			Message:   "invalid field " + field + ": " + why.en,
			MessageVI: "trường " + field + " không hợp lệ: " + why.vi}
	}
	e.Seq, e.RecordedAt, e.PrevHash, e.Hash = 0, time.Time{}, "", ""
	if e.Applicant != nil {
		e.Applicant.IDHash = "" // the server's keyed hash, never the client's
	}
	return e, nil
}

func strictDecode(raw []byte, v any) error {
	return json.NewDecoder(bytes.NewReader(raw)).Decode(v)
}

var timeType = reflect.TypeFor[time.Time]()

// locate finds the first member of raw, a JSON value meant for type t at
// path, that does not decode: its path ("at", "slip.due_at",
// "items[1].code") and why. It decodes each member on its own, walking t
// alongside, so its cost is bounded by the depth of counter.Event and not
// by the nesting of the input.
func locate(raw json.RawMessage, t reflect.Type, path string) (string, reason) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case t.Kind() == reflect.Struct && t != timeType && len(raw) > 0 && raw[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			return path, reason{"malformed object", "đối tượng sai cú pháp"}
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return path, reason{"malformed object", "đối tượng sai cú pháp"}
			}
			k, _ := tok.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return path, reason{"malformed object", "đối tượng sai cú pháp"}
			}
			f, ok := fieldByJSONName(t, k)
			if !ok {
				continue
			}
			if err := strictDecode(v, reflect.New(f.Type).Interface()); err != nil {
				return locate(v, f.Type, join(path, k))
			}
		}
	case t.Kind() == reflect.Slice && len(raw) > 0 && raw[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return path, reason{"malformed array", "mảng sai cú pháp"}
		}
		for i, v := range list {
			if err := strictDecode(v, reflect.New(t.Elem()).Interface()); err != nil {
				return locate(v, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	return path, expected(t)
}

// fieldByJSONName finds the field of struct t that encoding/json fills
// from key: an exact tag match first, then a case-insensitive one.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}

// reason says in English and Vietnamese why a value was refused.
type reason struct{ en, vi string }

// expected describes the JSON a value of type t must be.
func expected(t reflect.Type) reason {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return reason{"expected an RFC 3339 time with offset", "cần thời điểm theo RFC 3339 có múi giờ"}
	case t.Kind() == reflect.String:
		return reason{"expected a string", "cần một chuỗi"}
	case t.Kind() == reflect.Bool:
		return reason{"expected true or false", "cần true hoặc false"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return reason{"expected a number", "cần một số"}
	case t.Kind() == reflect.Slice:
		return reason{"expected an array", "cần một mảng"}
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		return reason{"expected an object", "cần một đối tượng"}
	}
	return reason{"wrong type", "sai kiểu dữ liệu"}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
