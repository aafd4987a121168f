package counter

import (
	"errors"
	"fmt"
)

// Error codes that are part of the API (SPEC.md §6.1). Each has an HTTP
// status in dashboard/error.go.
const (
	CodeBadJSON          = "bad_json"
	CodeBodyTooLarge     = "body_too_large"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeDossierNotFound  = "dossier_not_found"
	CodeDossierClosed    = "dossier_closed"
	CodeAlreadyReceived  = "already_received"
	CodeNotHolder        = "not_holder"
	CodeEventIDConflict  = "event_id_conflict"
	CodeEventInFuture    = "event_in_future"
	CodeInvalid          = "invalid_event"
	CodeInvalidParam     = "invalid_parameter"
	CodeUnknownAgency    = "unknown_agency"
	CodeUnknownOfficial  = "unknown_official"
	CodeUnknownProcedure = "unknown_procedure"
	CodeUnknownDesk      = "unknown_desk"
	CodeUnknownDocument  = "unknown_document"
	CodeBeforeCreation   = "before_creation"
	CodeTooManyRequests  = "too_many_requests"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
	// CodeReadOnlyNode: a write sent to a read-only roll-up node (SPEC.md
	// §10.5; issue 15).
	CodeReadOnlyNode = "read_only_node"
	// CodeAgencyNotInForce: an event at (or a transfer to) an agency that
	// was not in force on the event's date (SPEC.md §10.2; issue 11).
	CodeAgencyNotInForce = "agency_not_in_force"
)

// Error is an application error. Code is part of the API (SPEC.md §6.1);
// Message is English, MessageVI Vietnamese, and Field names the input at
// fault ("events[3].at") when there is one.
type Error struct {
	Code      string
	Message   string
	MessageVI string
	Field     string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error; en and vi are format strings sharing args.
func Errorf(code, field, en, vi string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(en, args...), MessageVI: fmt.Sprintf(vi, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, "" for nil, and
// CodeInternal for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// WithFieldPrefix returns a copy of err with prefix prepended to its Field
// ("events[3]." + "at"); other errors are returned unchanged.
func WithFieldPrefix(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = prefix
	} else {
		c.Field = prefix + "." + c.Field
	}
	return &c
}
