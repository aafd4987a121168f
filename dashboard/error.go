package dashboard

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
)

// Codes for failures that only the HTTP layer produces.
const (
	CodeMethodNotAllowed = "method_not_allowed"
	CodeBadRequest       = "bad_request"
	CodeRequestTimeout   = "request_timeout"
	CodeHeaderTooLarge   = "header_too_large"
	// CodeUnsupportedEncoding refuses a compressed request body, which
	// could inflate past every limit.
	CodeUnsupportedEncoding = "unsupported_encoding"
)

// codes maps every error code of the API to its HTTP status (SPEC.md §6.1).
// TestErrorCodes checks that every counter.Code* constant is here.
var codes = map[string]int{
	counter.CodeBadJSON:          http.StatusBadRequest,
	counter.CodeBodyTooLarge:     http.StatusRequestEntityTooLarge,
	counter.CodeUnauthorized:     http.StatusUnauthorized,
	counter.CodeForbidden:        http.StatusForbidden,
	counter.CodeNotFound:         http.StatusNotFound,
	counter.CodeDossierNotFound:  http.StatusNotFound,
	counter.CodeDossierClosed:    http.StatusConflict,
	counter.CodeAlreadyReceived:  http.StatusConflict,
	counter.CodeNotHolder:        http.StatusConflict,
	counter.CodeEventIDConflict:  http.StatusConflict,
	counter.CodeEventInFuture:    http.StatusUnprocessableEntity,
	counter.CodeInvalid:          http.StatusUnprocessableEntity,
	counter.CodeInvalidParam:     http.StatusUnprocessableEntity,
	counter.CodeUnknownAgency:    http.StatusUnprocessableEntity,
	counter.CodeUnknownOfficial:  http.StatusUnprocessableEntity,
	counter.CodeUnknownProcedure: http.StatusUnprocessableEntity,
	counter.CodeUnknownDesk:      http.StatusUnprocessableEntity,
	counter.CodeUnknownDocument:  http.StatusUnprocessableEntity,
	counter.CodeBeforeCreation:   http.StatusUnprocessableEntity,
	counter.CodeTooManyRequests:  http.StatusTooManyRequests,
	counter.CodeUnavailable:      http.StatusServiceUnavailable,
	counter.CodeInternal:         http.StatusInternalServerError,
	counter.CodeReadOnlyNode:     http.StatusForbidden,
	counter.CodeAgencyNotInForce: http.StatusUnprocessableEntity,

	counter.CodeNotReceived:          http.StatusConflict,
	counter.CodeAlreadyExists:        http.StatusConflict,
	counter.CodeAlreadyFinished:      http.StatusConflict,
	counter.CodeNoOpenSupplement:     http.StatusConflict,
	counter.CodeComplaintResolved:    http.StatusConflict,
	counter.CodeConflictsWithHistory: http.StatusConflict,
	counter.CodeComplaintNotFound:    http.StatusNotFound,
	counter.CodeTooManyEvents:        http.StatusUnprocessableEntity,
	counter.CodeTooLong:              http.StatusUnprocessableEntity,
	counter.CodeBadCharacters:        http.StatusUnprocessableEntity,
	counter.CodeOutOfRange:           http.StatusUnprocessableEntity,
	counter.CodeNotInRegime:          http.StatusUnprocessableEntity,
	counter.CodeNoStopRequest:        http.StatusConflict,

	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeBadRequest:       http.StatusBadRequest,
	CodeRequestTimeout:   http.StatusRequestTimeout,
	CodeHeaderTooLarge:   http.StatusRequestHeaderFieldsTooLarge,

	CodeUnsupportedEncoding: http.StatusUnsupportedMediaType,
}

// messages holds the default English and Vietnamese messages of the codes
// the HTTP layer raises itself (fiber's errors, internal errors).
var messages = map[string][2]string{
	counter.CodeBadJSON:         {"malformed JSON", "JSON không hợp lệ"},
	counter.CodeBodyTooLarge:    {"request body larger than 1 MiB", "nội dung yêu cầu vượt quá 1 MiB"},
	counter.CodeUnauthorized:    {"missing or invalid bearer token", "thiếu hoặc sai mã truy cập (Bearer token)"},
	counter.CodeForbidden:       {"outside the token's scope", "vượt quá phạm vi của mã truy cập"},
	counter.CodeNotFound:        {"not found", "không tìm thấy"},
	counter.CodeTooManyRequests: {"too many requests", "quá nhiều yêu cầu"},
	counter.CodeUnavailable:     {"service unavailable", "dịch vụ tạm thời không sẵn sàng"},
	counter.CodeInternal:        {"internal error", "lỗi nội bộ"},
	CodeMethodNotAllowed:        {"method not allowed", "phương thức không được phép"},
	CodeBadRequest:              {"bad request", "yêu cầu không hợp lệ"},
	CodeRequestTimeout:          {"request timeout", "hết thời gian chờ yêu cầu"},
	CodeHeaderTooLarge:          {"request headers too large", "phần đầu yêu cầu quá lớn"},
	CodeUnsupportedEncoding:     {"compressed request bodies are not accepted", "không nhận nội dung yêu cầu nén"},
}

// fiberCodes names the codes of the statuses fiber and fasthttp answer
// with on their own (unknown route, wrong method, body over the limit).
var fiberCodes = map[int]string{
	http.StatusBadRequest:                  CodeBadRequest,
	http.StatusUnauthorized:                counter.CodeUnauthorized,
	http.StatusForbidden:                   counter.CodeForbidden,
	http.StatusNotFound:                    counter.CodeNotFound,
	http.StatusMethodNotAllowed:            CodeMethodNotAllowed,
	http.StatusRequestTimeout:              CodeRequestTimeout,
	http.StatusRequestEntityTooLarge:       counter.CodeBodyTooLarge,
	http.StatusTooManyRequests:             counter.CodeTooManyRequests,
	http.StatusRequestHeaderFieldsTooLarge: CodeHeaderTooLarge,
	http.StatusServiceUnavailable:          counter.CodeUnavailable,
}

// StatusOf returns the HTTP status of an error code; 500 for a code the map
// does not know.
func StatusOf(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error answer (SPEC.md §6.1).
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	Field     string `json:"field,omitempty"`
}

// newError returns an *counter.Error with the default messages of code.
func newError(code string) *counter.Error {
	m := messages[code]
	return &counter.Error{Code: code, Message: m[0], MessageVI: m[1]}
}

// toAPIError turns any error into the *counter.Error shown to the client.
// internal is true when the cause must be logged because the client sees
// only a generic message.
func toAPIError(err error) (e *counter.Error, internal bool) {
	var ce *counter.Error
	if errors.As(err, &ce) {
		if _, ok := codes[ce.Code]; !ok || ce.Code == counter.CodeInternal {
			return newError(counter.CodeInternal), true
		}
		out := *ce
		def := messages[out.Code]
		if out.Message == "" {
			out.Message = def[0]
		}
		if out.MessageVI == "" {
			out.MessageVI = def[1]
		}
		if out.Message == "" {
			out.Message = out.Code
		}
		if out.MessageVI == "" {
			out.MessageVI = out.Message
		}
		return &out, false
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if code, ok := fiberCodes[fe.Code]; ok {
			return newError(code), false
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return newError(CodeBadRequest), false
		}
	}
	return newError(counter.CodeInternal), true
}

// handleError is fiber's Config.ErrorHandler: it writes err as the JSON
// error body with the status of its code. It is the only place where codes
// become statuses.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	e, internal := toAPIError(err)
	if internal {
		s.logger().Error("internal error", "method", c.Method(), "path", c.Path(), "err", err)
	}
	return writeError(c, e)
}

func writeError(c *fiber.Ctx, e *counter.Error) error {
	status := StatusOf(e.Code)
	// A client that gave up may leave a half-written answer; start clean.
	c.Response().ResetBody()
	if status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="motcua"`)
	}
	return c.Status(status).JSON(errorBody{Error: errorJSON{
		Code: e.Code, Message: e.Message, MessageVI: e.MessageVI, Field: e.Field,
	}})
}
