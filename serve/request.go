package serve

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/recforge/recforge/feature"
)

// Column is one input column of a served model: a key of the request rows.
type Column struct {
	// Name is the source column's name, the key requests use.
	Name string `json:"name"`
	// Fields are the schema fields that read the column.
	Fields []string `json:"fields"`
	// Sequence is true for a column of several values (a behaviour
	// history): an array in JSON requests, the values joined with
	// Separator in KServe BYTES tensors.
	Sequence  bool   `json:"sequence,omitempty"`
	Separator string `json:"separator,omitempty"`
	// Numeric is true when every field reading the column is numeric.
	Numeric bool `json:"numeric,omitempty"`
}

// inputs are a model's input columns in the order the row encoder is bound
// to, and the lookup of request keys.
type inputs struct {
	cols []Column
	seps []byte
	// index maps a column name to its position, or -1 for a column only
	// the label or group fields read, which requests may send and which
	// is ignored.
	index map[string]int
}

// newInputs lists the columns the features of s read, in field order.
func newInputs(s feature.Schema) *inputs {
	in := &inputs{index: map[string]int{}}
	for _, f := range s.Fields {
		if f.Type == feature.Label || f.Type == feature.Group {
			continue
		}
		k, ok := in.index[f.Column]
		if !ok {
			k = len(in.cols)
			in.index[f.Column] = k
			in.cols = append(in.cols, Column{Name: f.Column, Numeric: true})
			in.seps = append(in.seps, 0)
		}
		c := &in.cols[k]
		c.Fields = append(c.Fields, f.Name)
		c.Numeric = c.Numeric && f.Type == feature.Numeric
		if f.Type == feature.Sequence {
			c.Sequence, c.Separator = true, f.Separator
			in.seps[k] = f.Separator[0]
		}
	}
	for _, f := range s.Fields {
		if _, ok := in.index[f.Column]; !ok {
			in.index[f.Column] = -1
		}
	}
	return in
}

// names lists the column names, for error messages.
func (in *inputs) names() string {
	var b strings.Builder
	for i, c := range in.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 12 && len(in.cols) > 14 {
			fmt.Fprintf(&b, "… (%d in all)", len(in.cols))
			break
		}
		b.WriteString(c.Name)
	}
	return b.String()
}

// Where a value's bytes are.
const (
	srcAbsent uint8 = iota // the key was not given
	srcBody                // body[off:end]
	srcArena               // arena[off:end]
	srcNull                // given as null, "" or []: missing
)

// span locates one raw value.
type span struct {
	off, end int32
	src      uint8
}

// request is the decoded form of a scoring request, in buffers reused
// across requests: the raw values of n rows × len(cols) columns as spans
// into the body or the arena (unescaped strings, joined sequences).
type request struct {
	body   []byte
	arena  []byte
	keybuf []byte
	// rows holds n × ncols spans, row-major; ctx the rank context's
	// ncols spans (all absent for other requests).
	rows  []span
	ctx   []span
	n     int
	ncols int
	// what names the rows in error paths: "rows", "candidates" or
	// "inputs".
	what string
	// rank options
	topK      int
	attention bool
	// recommend options: the user, k, exclude_seen and the seen items
	user     span
	k        int
	keepSeen bool
	seen     []span
	// KServe: the request id (a span) and the requested outputs
	id       span
	vals     [][]byte
	scores   []float32
	order    []int32
	out      []byte
	in       *inputs
	maxRows  int
	colInput []int // KServe: the input index of each column, -1 if absent
	// reserved is the body budget this request holds (see readBody).
	reserved int64
}

// reset prepares r for a request to a model with these inputs.
func (r *request) reset(in *inputs, maxRows int) {
	r.in, r.maxRows = in, maxRows
	r.ncols = len(in.cols)
	r.n, r.topK, r.attention = 0, 0, true
	r.user, r.k, r.keepSeen, r.seen = span{}, 0, false, r.seen[:0]
	r.rows, r.arena = r.rows[:0], r.arena[:0]
	r.ctx = r.ctx[:0]
	for range r.ncols {
		r.ctx = append(r.ctx, span{})
	}
	r.id = span{}
	r.what = "rows"
	if cap(r.vals) < r.ncols {
		r.vals = make([][]byte, r.ncols)
	}
	r.vals = r.vals[:r.ncols]
}

// bytes returns the value of sp (nil when missing).
func (r *request) bytes(sp span) []byte {
	switch sp.src {
	case srcBody:
		return r.body[sp.off:sp.end]
	case srcArena:
		return r.arena[sp.off:sp.end]
	}
	return nil
}

// rowCount implements rowSource.
func (r *request) rowCount() int { return r.n }

// fill implements rowSource: row i's values, the rank context's where the
// candidate leaves a column out.
func (r *request) fill(i int, dst [][]byte) {
	row := r.rows[i*r.ncols : (i+1)*r.ncols]
	for k, sp := range row {
		if sp.src == srcAbsent {
			sp = r.ctx[k]
		}
		dst[k] = r.bytes(sp)
	}
}

// path implements rowSource.
func (r *request) path(i, col int) string {
	name := r.in.cols[col].Name
	if r.what == "inputs" {
		return "inputs[" + itoa(r.colInput[col]) + "].data[" + itoa(i) + "]"
	}
	if r.rows[i*r.ncols+col].src == srcAbsent && r.ctx[col].src != srcAbsent {
		return "context." + name
	}
	return r.what + "[" + itoa(i) + "]." + name
}

// rowPath is the path of row i.
func (r *request) rowPath(i int) string {
	if i < 0 {
		return "context"
	}
	return r.what + "[" + itoa(i) + "]"
}

// tooMany is the error for a predict or rank request over the row cap.
func (r *request) tooMany() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooManyRows, Field: r.what,
		Message: fmt.Sprintf("more than %d %s; the server's limit is --max-candidates %d", r.maxRows, r.what, r.maxRows)}
}

// parsePredict decodes {"rows": [{column: value, …}, …]}.
func (r *request) parsePredict() *Error {
	s := &scanner{b: r.body}
	seen := false
	err := s.object(&r.keybuf, func(key []byte) *Error {
		if string(key) != "rows" {
			return badRequest(CodeUnknownField, clip(key), "unknown key; a predict request is {\"rows\": [{column: value, …}, …]}")
		}
		if seen {
			return badRequest(CodeDuplicateField, "rows", "rows given twice")
		}
		seen = true
		return r.parseRows(s)
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return err
	}
	if !seen || r.n == 0 {
		return badRequest(CodeMissingValue, "rows", "expected at least one row: {\"rows\": [{column: value, …}, …]}")
	}
	return nil
}

// firstTime marks a top-level key as seen, or answers that it was given
// twice.
func firstTime(seen *bool, name string) *Error {
	if *seen {
		return badRequest(CodeDuplicateField, name, "%s given twice", name)
	}
	*seen = true
	return nil
}

// parseRank decodes {"context": {…}, "candidates": [{…}, …], "top_k": N,
// "attention": bool}.
func (r *request) parseRank() *Error {
	s := &scanner{b: r.body}
	r.what = "candidates"
	var seenCtx, seenCands, seenK, seenAtt bool
	err := s.object(&r.keybuf, func(key []byte) *Error {
		switch string(key) {
		case "context":
			if err := firstTime(&seenCtx, "context"); err != nil {
				return err
			}
			if c := s.peek(); c != '{' {
				if c == 'n' {
					return s.literal("null")
				}
				return s.typeError("context", "expected an object of column values, found %s", kindOf(c))
			}
			return r.parseRow(s, -1, r.ctx)
		case "candidates":
			if err := firstTime(&seenCands, "candidates"); err != nil {
				return err
			}
			return r.parseRows(s)
		case "top_k":
			if err := firstTime(&seenK, "top_k"); err != nil {
				return err
			}
			k, err := s.count("top_k", "a non-negative integer (0 for every candidate)", true)
			if err != nil {
				return err
			}
			r.topK = k
			return nil
		case "attention":
			if err := firstTime(&seenAtt, "attention"); err != nil {
				return err
			}
			att, err := s.boolean("attention")
			r.attention = att
			return err
		}
		return badRequest(CodeUnknownField, clip(key), "unknown key; a rank request is {\"context\": {…}, \"candidates\": [{…}, …], \"top_k\": N, \"attention\": true}")
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return err
	}
	if r.n == 0 {
		return badRequest(CodeMissingValue, "candidates", "expected at least one candidate")
	}
	for i := range r.n {
		row := r.rows[i*r.ncols : (i+1)*r.ncols]
		for k, sp := range row {
			if sp.src != srcAbsent && r.ctx[k].src != srcAbsent {
				return badRequest(CodeDuplicateField, r.rowPath(i)+"."+r.in.cols[k].Name,
					"column %s is given both in context and in the candidate; give it in one place", r.in.cols[k].Name)
			}
		}
	}
	return nil
}

// smallInt parses a non-negative integer literal below 2^31.
func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < 1<<31
}

// parseRows decodes an array of row objects into r.rows.
func (r *request) parseRows(s *scanner) *Error {
	if c := s.peek(); c != '[' {
		return s.typeError(r.what, "expected an array of objects, found %s", kindOf(c))
	}
	return s.array(func(i int) *Error {
		if i >= r.maxRows {
			return r.tooMany()
		}
		if c := s.peek(); c != '{' {
			return s.typeError(r.rowPath(i), "expected an object of column values, found %s", kindOf(c))
		}
		base := len(r.rows)
		for range r.ncols {
			r.rows = append(r.rows, span{})
		}
		r.n = i + 1
		return r.parseRow(s, i, r.rows[base:base+r.ncols])
	})
}

// parseRow decodes one object of column values into dst (ncols spans);
// row is its index (-1 for the rank context).
func (r *request) parseRow(s *scanner, row int, dst []span) *Error {
	return s.object(&r.keybuf, func(key []byte) *Error {
		k, ok := r.in.index[string(key)]
		if !ok {
			return badRequest(CodeUnknownField, r.rowPath(row)+"."+clip(key),
				"unknown column; this model reads %s", r.in.names())
		}
		if k < 0 { // the label or group column: accepted, ignored
			return s.skip(0)
		}
		if dst[k].src != srcAbsent {
			return badRequest(CodeDuplicateField, r.rowPath(row)+"."+clip(key), "column given twice")
		}
		sp, err := r.value(s, k, func() string { return r.rowPath(row) + "." + r.in.cols[k].Name })
		dst[k] = sp
		return err
	})
}

// value decodes the value of column k: a string or number for a scalar
// column, an array of them for a sequence column, null for missing.
func (r *request) value(s *scanner, k int, path func() string) (span, *Error) {
	c := s.peek()
	col := &r.in.cols[k]
	switch {
	case c == 'n':
		return span{src: srcNull}, s.literal("null")
	case col.Sequence && c == '[':
		return r.sequence(s, k, path)
	case col.Sequence:
		return span{}, s.typeError(path(), "expected an array of strings or numbers (a sequence), found %s", kindOf(c))
	case c == '"':
		sp, err := r.scalarString(s)
		return sp, err
	case c == '-' || (c >= '0' && c <= '9'):
		start, end, err := s.number()
		return bodySpan(start, end), err
	}
	what := "a string or a number"
	if col.Numeric {
		what = "a number (or a string holding one)"
	}
	return span{}, s.typeError(path(), "expected %s, found %s", what, kindOf(c))
}

// bodySpan is the span of body[start:end], or a missing value when empty.
func bodySpan(start, end int) span {
	if start == end {
		return span{src: srcNull}
	}
	return span{off: int32(start), end: int32(end), src: srcBody}
}

// scalarString decodes a string value, unescaping it into the arena if
// needed.
func (r *request) scalarString(s *scanner) (span, *Error) {
	start, end, esc, err := s.str()
	if err != nil || !esc {
		return bodySpan(start, end), err
	}
	off := len(r.arena)
	r.arena = appendUnescaped(r.arena, s.b[start:end])
	if len(r.arena) == off {
		return span{src: srcNull}, nil
	}
	return span{off: int32(off), end: int32(len(r.arena)), src: srcArena}, nil
}

// sequence decodes an array of strings or numbers, joining the elements
// with the column's separator into the arena.
func (r *request) sequence(s *scanner, k int, path func() string) (span, *Error) {
	sep := r.in.seps[k]
	off := len(r.arena)
	err := s.array(func(i int) *Error {
		if i > 0 {
			r.arena = append(r.arena, sep)
		}
		el := len(r.arena)
		switch c := s.peek(); {
		case c == '"':
			start, end, esc, err := s.str()
			if err != nil {
				return err
			}
			if esc {
				r.arena = appendUnescaped(r.arena, s.b[start:end])
			} else {
				r.arena = append(r.arena, s.b[start:end]...)
			}
		case c == '-' || (c >= '0' && c <= '9'):
			start, end, err := s.number()
			if err != nil {
				return err
			}
			r.arena = append(r.arena, s.b[start:end]...)
		default:
			return s.typeError(path()+"["+itoa(i)+"]", "expected a string or a number, found %s", kindOf(c))
		}
		for _, b := range r.arena[el:] {
			if b == sep {
				return badRequest(CodeInvalidValue, path()+"["+itoa(i)+"]",
					"a sequence element must not contain the separator %q", string(sep))
			}
		}
		return nil
	})
	if err != nil {
		return span{}, err
	}
	if len(r.arena) == off {
		return span{src: srcNull}, nil
	}
	return span{off: int32(off), end: int32(len(r.arena)), src: srcArena}, nil
}
