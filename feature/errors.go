package feature

import "fmt"

// ValueError is a malformed value. It names the field, the column and the
// value; the reader that produced the record adds file and line.
type ValueError struct {
	Field  string // the schema field's name
	Column int    // 1-based position in the bound column order
	Value  string // the offending value (truncated to 64 bytes)
	Msg    string // what was expected
}

// Error formats e as `field "I5" (column 6): expected a number, found "abc"`.
func (e *ValueError) Error() string {
	return fmt.Sprintf("field %q (column %d): %s, found %q", e.Field, e.Column, e.Msg, e.Value)
}

// valueError builds a ValueError, keeping at most 64 bytes of the value so
// that a runaway column does not flood the message.
func valueError(f *Field, col int, v []byte, msg string) *ValueError {
	s := string(v)
	if len(v) > 64 {
		s = string(v[:64]) + "..."
	}
	return &ValueError{Field: f.Name, Column: col + 1, Value: s, Msg: msg}
}
