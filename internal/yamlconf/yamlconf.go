// Package yamlconf decodes the project's YAML documents — run
// configurations and feature schemas — within bounds, so that a hostile or
// mistaken file costs a clear error instead of the machine's memory.
//
// goccy/go-yaml (v1.19.2) has no limit of its own: it expands every alias
// (*name) into a fresh copy of its anchor's value while decoding, so a
// "billion laughs" document of a few hundred bytes decodes into billions
// of values. Before decoding, Unmarshal therefore counts the values the
// document holds with every alias expanded — in time linear in the
// document, each anchor's size computed once — and refuses more than
// MaxNodes.
package yamlconf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits of a document. A configuration or schema holds hundreds of
// values in a few kilobytes; the limits leave two orders of magnitude of
// room. They bound the cost of a document to about a second and 150 MB:
// the parser takes about 1 KB per token before anything can be counted,
// and a document of MaxBytes holds at most MaxBytes/2 tokens.
const (
	// MaxBytes bounds the size of a document.
	MaxBytes = 256 << 10
	// MaxNodes bounds the values (scalars, lists and maps) of a document
	// with its aliases expanded.
	MaxNodes = 100_000
)

// ReadFile reads the document in path, refusing one over MaxBytes without
// reading it whole. The error names the file.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxBytes {
		size := "more than " + fmt.Sprint(MaxBytes)
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = fmt.Sprint(st.Size())
		}
		return nil, fmt.Errorf("%s: %s bytes, more than the %d bytes a configuration document may hold", path, size, MaxBytes)
	}
	return src, nil
}

// Unmarshal decodes the first document of src into v with opts, after
// checking src against MaxBytes and MaxNodes. An empty, comment-only or
// null document leaves v as it is. Parse and decode errors are *Error,
// located by line and column; a panic of the parser (it has some on
// malformed input) is returned as an error.
func Unmarshal(src []byte, v any, opts ...yaml.DecodeOption) (err error) {
	if len(src) > MaxBytes {
		return fmt.Errorf("%d bytes, more than the %d bytes a configuration document may hold", len(src), MaxBytes)
	}
	defer func() {
		// goccy/go-yaml v1.19.2 panics on some malformed input (a dangling
		// tag such as "fields:\n  ! 0", found by feature's FuzzParseSchema).
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML (the parser failed: %v)", r)
		}
	}()
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return located(src, err)
	}
	if n, aliased := nodes(file); n > MaxNodes {
		found := fmt.Sprint(n)
		if n == math.MaxInt64 {
			found = "more than " + found
		}
		if !aliased {
			return fmt.Errorf("the document holds %s values, more than the limit of %d a configuration may hold", found, MaxNodes)
		}
		return fmt.Errorf("the document holds %s values with its aliases (*name) expanded, more than the limit of %d: "+
			"a configuration needs far fewer (an alias bomb?)", found, MaxNodes)
	}
	if len(file.Docs) == 0 || isNull(file.Docs[0].Body) {
		return nil
	}
	if err := yaml.UnmarshalWithOptions(src, v, opts...); err != nil {
		return located(src, err)
	}
	return nil
}

// Error is a parse or decode error at a place in a document.
type Error struct {
	// File is the document's file; "" when not known (see InFile).
	File string
	// Line and Column, from 1, locate the error; 0 when the parser gave no
	// place.
	Line, Column int
	// Msg says what is wrong.
	Msg string
	// Text is the document's line Line, shown with a caret under Column.
	Text string
}

// Error returns "FILE:LINE:COL: MSG" (as compilers write it, so that
// editors can jump there), then the line and a caret: three lines at most.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 && strings.TrimSpace(e.Text) != "" {
		b.WriteString("\n    " + e.Text + "\n    ")
		// The caret's indentation copies the line's tabs, so that it
		// lands under the column however tabs are shown.
		for i, r := range []rune(e.Text) {
			if i >= e.Column-1 {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('^')
	}
	return b.String()
}

// InFile returns err with the file path it was read from: an *Error
// (wrapped or not) names it in front of its place, any other error is
// prefixed with it.
func InFile(path string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		located := *e
		located.File = path
		return &located
	}
	return fmt.Errorf("%s: %w", path, err)
}

// located turns a parse or decode error of goccy/go-yaml into an *Error
// with its place and the source line there.
func located(src []byte, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return err
	}
	e := &Error{Msg: ye.GetMessage()}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.SrcType != nil && te.DstType != nil {
		// The decoder's message names Go types and fields; say what the
		// document should hold instead.
		e.Msg = fmt.Sprintf("want %s, got %s", kindName(te.DstType), kindName(te.SrcType))
	}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
		lines := strings.Split(string(src), "\n")
		if e.Line >= 1 && e.Line <= len(lines) {
			e.Text = strings.TrimRight(lines[e.Line-1], "\r")
		}
	}
	return e
}

// kindName says what YAML value a Go type is decoded from.
func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// isNull reports a document without content: no body, or a null.
func isNull(body ast.Node) bool {
	if body == nil {
		return true
	}
	_, null := body.(*ast.NullNode)
	return null
}

// Nodes returns the number of values (scalars, sequences, mappings and
// mapping keys) in f's documents with every alias replaced by its
// anchor's value, as a decoder materializes them; it saturates at
// math.MaxInt64. Each anchor's size is computed once, where it is defined,
// so the count takes time linear in the document however far the aliases
// expand.
func Nodes(f *ast.File) int64 {
	n, _ := nodes(f)
	return n
}

// nodes is Nodes, and whether f holds an alias.
func nodes(f *ast.File) (int64, bool) {
	c := counter{anchors: map[string]int64{}}
	var n int64
	for _, d := range f.Docs {
		n = satAdd(n, c.size(d))
	}
	return n, c.aliased
}

type counter struct {
	// anchors holds the expanded size of each anchor defined so far; a
	// later definition of the same name replaces it, as for the decoder.
	anchors map[string]int64
	aliased bool
}

func (c *counter) size(node ast.Node) int64 {
	switch n := node.(type) {
	case nil:
		return 0
	case *ast.DocumentNode:
		return c.size(n.Body)
	case *ast.MappingNode:
		s := int64(1)
		for _, v := range n.Values {
			s = satAdd(s, c.size(v))
		}
		return s
	case *ast.MappingValueNode:
		return satAdd(c.size(n.Key), c.size(n.Value))
	case *ast.MappingKeyNode:
		return c.size(n.Value)
	case *ast.SequenceNode:
		s := int64(1)
		for _, v := range n.Values {
			s = satAdd(s, c.size(v))
		}
		return s
	case *ast.SequenceEntryNode:
		return c.size(n.Value)
	case *ast.TagNode:
		return c.size(n.Value)
	case *ast.AnchorNode:
		s := c.size(n.Value)
		if n.Name != nil {
			c.anchors[n.Name.GetToken().Value] = s
		}
		return s
	case *ast.AliasNode:
		c.aliased = true
		if n.Value == nil {
			return 1
		}
		if s, ok := c.anchors[n.Value.GetToken().Value]; ok {
			return s
		}
		return 1 // an unknown anchor: the decoder reports it
	default:
		return 1 // a scalar, a merge key
	}
}

// satAdd returns a+b for a, b ≥ 0, saturating at math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
