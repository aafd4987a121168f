package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// eventBatch is the shape of a batch body, {"events": [...]}.
type eventBatch struct {
	Events []counter.Event `json:"events"`
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
	if err := checkUTF8(body); err != nil {
		return nil, err
	}
	if body[0] != '{' {
		if err := checkJSON(body, nil); err != nil {
			return nil, err
		}
		return nil, counter.Errorf(counter.CodeInvalid, "", "body must be an event object or {\"events\": [...]}",
			"nội dung phải là một sự kiện hoặc {\"events\": [...]}")
	}
	keys, err := objectKeys(body)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeFor[counter.Event]()
	if _, batch := keys["events"]; batch {
		t = reflect.TypeFor[eventBatch]()
	}
	if err := checkJSON(body, t); err != nil {
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
	list, ok, err := arrayElements(raw)
	if err != nil {
		return nil, err
	}
	if !ok {
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
// twice is refused, since which value wins would be a guess. body must be
// valid JSON (json.Valid); it is walked by hand, as checkJSON does.
func objectKeys(body []byte) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := members(body, true, func(k []byte, v []byte) error {
		if _, dup := out[string(k)]; dup {
			return counter.Errorf(counter.CodeBadJSON, string(k), "field %q given twice", "trường %q bị lặp lại", k)
		}
		out[string(k)] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// members calls fn with each member of the JSON object b (valid JSON):
// its key, unescaped (a copy only when it holds escapes), and its value,
// both slices of b that fn must not keep past b. With paths, an error
// found inside a value names the field it is in ("applicant.name").
func members(b []byte, paths bool, fn func(key, value []byte) error) error {
	w := jsonWalker{b: b}
	w.space()
	if w.i >= len(w.b) || w.b[w.i] != '{' {
		return counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
	}
	w.i++
	for {
		w.space()
		if w.i >= len(w.b) || w.b[w.i] == '}' {
			return nil
		}
		start := w.i
		escaped, err := w.skipStr()
		if err != nil {
			return err
		}
		k := w.b[start+1 : w.i-1]
		if escaped {
			v, err := unescape(w.b[start:w.i])
			if err != nil {
				return err
			}
			k = []byte(v)
		}
		w.space()
		w.i++ // ':'
		w.space()
		vstart := w.i
		path := ""
		if paths {
			path = string(k)
		}
		if err := w.value(path, nil); err != nil {
			return err
		}
		if err := fn(k, bytes.TrimSpace(w.b[vstart:w.i])); err != nil {
			return err
		}
		w.space()
		if w.i < len(w.b) && w.b[w.i] == ',' {
			w.i++
		}
	}
}

// arrayElements splits raw, a valid JSON value, into its elements; ok is
// false when it is not an array.
func arrayElements(raw []byte) (elems []json.RawMessage, ok bool, err error) {
	w := jsonWalker{b: raw}
	w.space()
	if w.i >= len(w.b) || w.b[w.i] != '[' {
		return nil, false, nil
	}
	w.i++
	for {
		w.space()
		if w.i >= len(w.b) || w.b[w.i] == ']' {
			return elems, true, nil
		}
		start := w.i
		if err := w.value("", nil); err != nil {
			return nil, true, err
		}
		elems = append(elems, json.RawMessage(bytes.TrimSpace(w.b[start:w.i])))
		w.space()
		if w.i < len(w.b) && w.b[w.i] == ',' {
			w.i++
		}
	}
}

// checkJSON refuses with CodeBadJSON what encoding/json would otherwise
// rewrite or guess at, anywhere in body (SPEC.md §10.4): bytes that are not
// UTF-8 and \\u escapes of lone surrogates (both silently become U+FFFD),
// and an object with two keys equal up to case ("at" and "At": encoding/json
// matches names case-insensitively and the last one would win). When t,
// the Go type body is meant for, is not nil, a key that matches one of its
// fields only up to case is refused too, so that names are case-sensitive.
// body must be valid JSON (json.Valid); it is walked once, by hand, since
// json.Decoder.Token is several times slower than decoding itself.
func checkJSON(body []byte, t reflect.Type) error {
	if err := checkUTF8(body); err != nil {
		return err
	}
	w := jsonWalker{b: body}
	return w.value("", t)
}

// checkUTF8 refuses a body that is not UTF-8, naming the first bad byte.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	off := 0
	for off < len(body) {
		r, n := utf8.DecodeRune(body[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return counter.Errorf(counter.CodeBadJSON, "", "the body is not valid UTF-8 (byte %d)",
		"nội dung không phải UTF-8 hợp lệ (byte thứ %d)", off+1)
}

// jsonWalker walks a valid JSON text.
type jsonWalker struct {
	b      []byte
	i      int
	fields map[reflect.Type]map[string]jsonField // struct type → folded key → its field
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// field returns the exact key of t's field that key matches up to case.
func (w *jsonWalker) field(t reflect.Type, folded string) (reflect.Type, string, bool) {
	m, ok := eventFields[t]
	if !ok {
		if w.fields == nil {
			w.fields = map[reflect.Type]map[string]jsonField{}
		}
		if m, ok = w.fields[t]; !ok {
			m = foldedFields(t)
			w.fields[t] = m
		}
	}
	f, ok := m[folded]
	return f.typ, f.name, ok
}

// foldedFields maps the folded JSON key of each of struct t's fields to
// the field.
func foldedFields(t reflect.Type) map[string]jsonField {
	m := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if name := jsonName(f); f.IsExported() && name != "-" {
			m[foldKey(name)] = jsonField{name, f.Type}
		}
	}
	return m
}

// eventFields holds foldedFields of counter.Event and of every struct
// type within it, built once: checkJSON runs on every POST /events, and
// building them per call was a third of its time. Read only after init.
var eventFields = func() map[reflect.Type]map[string]jsonField {
	out := map[reflect.Type]map[string]jsonField{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == timeType {
			return
		}
		if _, done := out[t]; done {
			return
		}
		out[t] = foldedFields(t)
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[eventBatch]())
	return out
}()

func (w *jsonWalker) space() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\n' || w.b[w.i] == '\r') {
		w.i++
	}
}

// value walks the value at w.i, found at path and meant for t (nil:
// unknown).
func (w *jsonWalker) value(path string, t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.space()
	if w.i >= len(w.b) {
		return nil
	}
	switch w.b[w.i] {
	case '{':
		return w.object(path, t)
	case '[':
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		w.i++
		for n := 0; ; n++ {
			w.space()
			if w.i >= len(w.b) || w.b[w.i] == ']' {
				w.i++
				return nil
			}
			if err := w.value(path+"["+strconv.Itoa(n)+"]", et); err != nil {
				return err
			}
			w.space()
			if w.i < len(w.b) && w.b[w.i] == ',' {
				w.i++
			}
		}
	case '"':
		_, err := w.skipStr()
		return err
	}
	for w.i < len(w.b) && !strings.ContainsRune(",]} \t\n\r", rune(w.b[w.i])) {
		w.i++ // a number, true, false or null
	}
	return nil
}

func (w *jsonWalker) object(path string, t reflect.Type) error {
	w.i++
	var seen []string // folded keys; objects are small, a slice beats a map
	var names []string
	for {
		w.space()
		if w.i >= len(w.b) || w.b[w.i] == '}' {
			w.i++
			return nil
		}
		k, err := w.str()
		if err != nil {
			return err
		}
		p := join(path, k)
		fk := foldKey(k)
		for j, f := range seen {
			if f != fk {
				continue
			}
			if names[j] == k {
				return counter.Errorf(counter.CodeBadJSON, p, "field %q given twice", "trường %q bị lặp lại", p)
			}
			return counter.Errorf(counter.CodeBadJSON, p, "keys %q and %q differ only in case",
				"hai khóa %q và %q chỉ khác nhau chữ hoa, chữ thường", names[j], k)
		}
		seen, names = append(seen, fk), append(names, k)
		var ft reflect.Type
		if t != nil && t.Kind() == reflect.Struct && t != timeType {
			if typ, name, ok := w.field(t, fk); ok {
				if name != k {
					return counter.Errorf(counter.CodeBadJSON, p, "unknown key %q: keys are case-sensitive (did you mean %q?)",
						"khóa %q không hợp lệ: khóa phân biệt chữ hoa, chữ thường (có phải là %q?)", k, name)
				}
				ft = typ
			}
		}
		w.space()
		w.i++ // ':'
		if err := w.value(p, ft); err != nil {
			return err
		}
		w.space()
		if w.i < len(w.b) && w.b[w.i] == ',' {
			w.i++
		}
	}
}

// str reads the string at w.i and returns its value, refusing a \\u
// escape that is half of a surrogate pair.
func (w *jsonWalker) str() (string, error) {
	start := w.i
	escaped, err := w.skipStr()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(w.b[start+1 : w.i-1]), nil
	}
	return unescape(w.b[start:w.i])
}

// unescape is the value of raw, a quoted JSON string with escapes.
func unescape(raw []byte) (string, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
	}
	return v, nil
}

// skipStr passes the string at w.i, as str does, without decoding it.
func (w *jsonWalker) skipStr() (escaped bool, err error) {
	w.i++
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '"':
			w.i++
			return escaped, nil
		case '\\':
			escaped = true
			if w.i+1 < len(w.b) && w.b[w.i+1] == 'u' {
				r := w.hex4(w.i)
				switch {
				case r >= 0xd800 && r < 0xdc00:
					if lo := w.hex4(w.i + 6); lo >= 0xdc00 && lo < 0xe000 {
						w.i += 12
						continue
					}
					return escaped, w.surrogate()
				case r >= 0xdc00 && r < 0xe000:
					return escaped, w.surrogate()
				}
				w.i += 6
				continue
			}
			w.i += 2
		default:
			w.i++
		}
	}
	return escaped, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
}

// hex4 is the code unit of the \\uXXXX escape at i, or -1.
func (w *jsonWalker) hex4(i int) rune {
	if i+6 > len(w.b) || w.b[i] != '\\' || w.b[i+1] != 'u' {
		return -1
	}
	v, err := strconv.ParseUint(string(w.b[i+2:i+6]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(v)
}

func (w *jsonWalker) surrogate() error {
	return counter.Errorf(counter.CodeBadJSON, "", "the \\u escape at byte %d is half of a UTF-16 surrogate pair",
		"chuỗi thoát \\u ở byte thứ %d là nửa cặp thay thế UTF-16", w.i+1)
}

// foldKey maps each rune of k to the smallest rune it equals up to case
// (unicode.SimpleFold's orbit), so that keys encoding/json would match to
// one field (at, At, AT; s, ſ; k, K) fold to one string. For ASCII that
// is the upper case letter.
func foldKey(k string) string {
	ascii := true
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(k)
	}
	var b strings.Builder
	for _, r := range k {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// jsonName is the key encoding/json uses for the struct field f.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		name = f.Name
	}
	return name
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
	if err := checkInstantText(raw); err != nil {
		return counter.Event{}, err
	}
	e.Seq, e.RecordedAt, e.PrevHash, e.Hash = 0, time.Time{}, "", ""
	if e.Applicant != nil {
		e.Applicant.IDHash = "" // the server's keyed hash, never the client's
	}
	return e, nil
}

// instantText is RFC 3339 as it can be stored exactly: at most nine
// fractional digits (time.Time keeps nanoseconds and would drop the rest)
// and an offset of whole minutes under 60.
var instantText = regexp.MustCompile(`^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-5][0-9])"$`)

// checkInstantText refuses an instant of the event raw that time.Time
// parses but would not give back as sent. raw decoded as an event already.
func checkInstantText(raw []byte) error {
	// In this order whatever the members' order: at, due_at, new_due_at,
	// slip.due_at.
	var at, due, newDue, slipDue []byte
	err := members(raw, false, func(k, v []byte) error {
		switch string(k) {
		case "at":
			at = v
		case "due_at":
			due = v
		case "new_due_at":
			newDue = v
		case "slip":
			if len(v) > 0 && v[0] == '{' {
				return members(v, false, func(k, v []byte) error {
					if string(k) == "due_at" {
						slipDue = v
					}
					return nil
				})
			}
		}
		return nil
	})
	if err != nil {
		return nil // the typed decode succeeded; nothing more to learn here
	}
	for _, f := range []struct {
		name string
		v    []byte
	}{{"at", at}, {"due_at", due}, {"new_due_at", newDue}, {"slip.due_at", slipDue}} {
		if len(f.v) == 0 || string(f.v) == "null" || instantText.Match(f.v) {
			continue
		}
		return counter.Errorf(counter.CodeInvalid, f.name,
			"invalid field %s: expected an RFC 3339 time with at most 9 fractional digits and an offset like +07:00",
			"trường %s không hợp lệ: cần thời điểm theo RFC 3339, tối đa 9 chữ số thập phân của giây, có múi giờ như +07:00", f.name)
	}
	return nil
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
