package serve

import (
	"net/http"
	"unicode/utf8"
)

// scanner is a JSON tokenizer over a request body held in memory. It
// allocates nothing on the success path: strings and numbers are returned as
// offsets into the body, unescaped only when they hold escapes. The standard
// decoder's reflection and per-value allocations dominated the latency of a
// 100-candidate request; this keeps decoding well under the model's time.
type scanner struct {
	b []byte
	i int
}

// maxDepth bounds the nesting of values the scanner skips, so that a body of
// "[[[[…" cannot exhaust the stack.
const maxDepth = 64

// syntax is a malformed-JSON error at the scanner's offset.
func (s *scanner) syntax(what string) *Error {
	found := "end of input"
	if s.i < len(s.b) {
		c := s.b[s.i]
		if c >= 0x20 && c < 0x7f {
			found = "'" + string(c) + "'"
		} else {
			found = "byte 0x" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
		}
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformedJSON,
		Message: "malformed JSON at byte offset " + itoa(s.i) + ": expected " + what + ", found " + found}
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// ws skips white space.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// expect consumes c after white space.
func (s *scanner) expect(c byte, what string) *Error {
	if s.peek() != c {
		return s.syntax(what)
	}
	s.i++
	return nil
}

// end checks that only white space follows the top-level value.
func (s *scanner) end() *Error {
	if s.peek() != 0 || s.i < len(s.b) {
		return s.syntax("the end of the body after the top-level object")
	}
	return nil
}

// str scans a string starting at the opening quote and returns its raw
// content b[start:end] and whether it holds escapes.
func (s *scanner) str() (start, end int, escaped bool, err *Error) {
	if s.peek() != '"' {
		return 0, 0, false, s.syntax("a string")
	}
	s.i++
	start = s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			end = s.i
			s.i++
			return start, end, escaped, nil
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return 0, 0, false, s.syntax("an escape sequence")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for k := 0; k < 4; k++ {
					if s.i >= len(s.b) || hexVal(s.b[s.i]) < 0 {
						return 0, 0, false, s.syntax("four hex digits after \\u")
					}
					s.i++
				}
			default:
				return 0, 0, false, s.syntax("an escape sequence")
			}
		case c < 0x20:
			return 0, 0, false, s.syntax("a string character (control characters must be escaped)")
		default:
			s.i++
		}
	}
	return 0, 0, false, s.syntax("a closing quote")
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// appendUnescaped appends the string content raw (already validated by
// str) with its escapes resolved; a lone surrogate becomes U+FFFD, as in
// encoding/json.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+1:])
			i += 4
			if r >= 0xd800 && r < 0xdc00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2 := hex4(raw[i+3:]); r2 >= 0xdc00 && r2 < 0xe000 {
					r = (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
					i += 6
				}
			}
			if r >= 0xd800 && r < 0xe000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, rune(r))
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// number scans a JSON number and returns its literal b[start:end].
func (s *scanner) number() (start, end int, err *Error) {
	s.ws()
	start = s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return 0, 0, s.syntax("a digit")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return 0, 0, s.syntax("a digit after the decimal point")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return 0, 0, s.syntax("a digit in the exponent")
		}
	}
	return start, s.i, nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// literal consumes true, false or null.
func (s *scanner) literal(word string) *Error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax("a JSON value")
	}
	s.i += len(word)
	return nil
}

// kind names the JSON type of the value starting at the next byte, for
// wrong-type messages.
func kindOf(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// skip scans and discards one value of any type.
func (s *scanner) skip(depth int) *Error {
	if depth > maxDepth {
		return s.syntax("at most " + itoa(maxDepth) + " levels of nesting")
	}
	switch c := s.peek(); c {
	case '"':
		_, _, _, err := s.str()
		return err
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return nil
		}
		for {
			if _, _, _, err := s.str(); err != nil {
				return err
			}
			if err := s.expect(':', "':'"); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.next('}'); err != nil || !more {
				return err
			}
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.next(']'); err != nil || !more {
				return err
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, _, err := s.number()
		return err
	}
}

// next consumes the ',' before another member or element (more is true),
// or the closing byte.
func (s *scanner) next(closing byte) (more bool, err *Error) {
	switch s.peek() {
	case ',':
		s.i++
		return true, nil
	case closing:
		s.i++
		return false, nil
	}
	return false, s.syntax("',' or '" + string(closing) + "'")
}

// object iterates over the members of an object: member is called with
// the key (unescaped into key's buffer if needed) positioned before the
// value, and must consume the value.
func (s *scanner) object(keybuf *[]byte, member func(key []byte) *Error) *Error {
	if err := s.expect('{', "'{'"); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		start, end, esc, err := s.str()
		if err != nil {
			return err
		}
		key := s.b[start:end]
		if esc {
			*keybuf = appendUnescaped((*keybuf)[:0], key)
			key = *keybuf
		}
		if err := s.expect(':', "':' after the key"); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		more, err := s.next('}')
		if err != nil || !more {
			return err
		}
	}
}

// array iterates over the elements of an array: elem is called positioned
// before element i and must consume it.
func (s *scanner) array(elem func(i int) *Error) *Error {
	if err := s.expect('[', "'['"); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		more, err := s.next(']')
		if err != nil || !more {
			return err
		}
	}
}

// typeError is a wrong-type error for the value at the scanner, or a
// syntax error when no JSON value starts there.
func (s *scanner) typeError(field, format string, args ...any) *Error {
	switch c := s.peek(); {
	case c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' || c == '-' || (c >= '0' && c <= '9'):
		return badRequest(CodeWrongType, field, format, args...)
	}
	return s.syntax("a JSON value")
}

// count decodes a non-negative integer below 2^31 (above zero unless
// zero is allowed) for field, described as what in errors.
func (s *scanner) count(field, what string, zero bool) (int, *Error) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		return 0, s.typeError(field, "expected %s, found %s", what, kindOf(c))
	}
	start, end, err := s.number()
	if err != nil {
		return 0, err
	}
	n, ok := smallInt(s.b[start:end])
	if !ok || n == 0 && !zero {
		return 0, badRequest(CodeInvalidValue, field, "expected %s, found %s", what, clip(s.b[start:end]))
	}
	return n, nil
}

// boolean decodes true or false for field.
func (s *scanner) boolean(field string) (bool, *Error) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, s.typeError(field, "expected true or false, found %s", kindOf(s.peek()))
}
