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
// null document leaves v as it is. Parse and decode errors are formatted
// with their line and column and the offending source line; a panic of
// the parser (it has some on malformed input) is returned as an error.
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
		return errors.New(yaml.FormatError(err, false, true))
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
		return errors.New(yaml.FormatError(err, false, true))
	}
	return nil
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
