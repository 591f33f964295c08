package serve

import (
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Error codes of the API's error responses.
const (
	CodeMalformedJSON  = "malformed_json"  // not JSON, or not the request's shape
	CodeWrongType      = "wrong_type"      // a value of the wrong JSON type
	CodeUnknownField   = "unknown_field"   // a key the schema or the API does not know
	CodeDuplicateField = "duplicate_field" // a key given twice, or in both context and candidate
	CodeInvalidValue   = "invalid_value"   // a value the encoders reject (not a number, NaN, …)
	CodeMissingValue   = "missing_value"   // a required value left out
	CodeBodyTooLarge   = "body_too_large"  // the body exceeds --max-body
	CodeTooManyRows    = "too_many_rows"   // more rows or candidates than --max-candidates
	CodeUnknownModel   = "unknown_model"   // no model of that name
	CodeNotFound       = "not_found"       // no such endpoint
	CodeMethod         = "method_not_allowed"
	CodeUnsupported    = "unsupported_media_type"
	CodeOverloaded     = "overloaded"  // --max-concurrent requests in flight
	CodeUnavailable    = "unavailable" // the server is shutting down
	CodeInternal       = "internal"    // a bug: the handler panicked
	CodeBadRequest     = "bad_request" // anything else the client got wrong
)

// Error is an error response: HTTP status Status with the body
// {"error": {"code": …, "message": …, "field": …}}.
type Error struct {
	Status int `json:"-"`
	// Code is one of the Code constants.
	Code string `json:"code"`
	// Message says what was wrong and what was expected.
	Message string `json:"message"`
	// Field is the path of the offending value in the request
	// ("rows[3].C7", "candidates[0].hist_item[2]"), when there is one.
	Field string `json:"field,omitempty"`
}

// Error formats e as "field: message (code)".
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

func badRequest(code, field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// clipLen is the most bytes of a client's text (a key, a name, a path) an
// error message repeats, as feature.ValueError does for values: a huge key
// must not make a huge reply or log line.
const clipLen = 64

// clip returns s cut to clipLen bytes at a character boundary, with "..."
// when it was cut.
func clip[T string | []byte](s T) string {
	if len(s) <= clipLen {
		return string(s)
	}
	n := clipLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return string(s[:n]) + "..."
}
