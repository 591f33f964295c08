package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTemp writes content to a file named name in a fresh directory,
// gzipped when gz is set, and returns its path.
func writeTemp(t testing.TB, name, content string, gz bool) string {
	t.Helper()
	data := []byte(content)
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
		data = b.Bytes()
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll returns the records of r as strings (copied), the line of each,
// and the first error other than io.EOF.
func readAll(r Reader) (rows [][]string, lines []int, err error) {
	var rec Record
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			return rows, lines, nil
		}
		if err != nil {
			return rows, lines, err
		}
		row := make([]string, len(rec.Cols))
		for i, c := range rec.Cols {
			row[i] = string(c)
		}
		rows = append(rows, row)
		lines = append(lines, rec.Line)
	}
}

// wantParseError checks that err is a *ParseError at path:line, column col,
// whose message contains msg.
func wantParseError(t *testing.T, err error, path string, line, col int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a *ParseError at line %d column %d", err, err, line, col)
	}
	if pe.File != path || pe.Line != line || pe.Column != col || !strings.Contains(pe.Msg, msg) {
		t.Fatalf("error %q: at %s:%d column %d, want line %d column %d with %q", err, filepath.Base(pe.File), pe.Line, pe.Column, line, col, msg)
	}
}

// firstError opens spec's file through Open and returns the first error of
// reading it all.
func firstError(t *testing.T, reader, path string, opts ReadOptions) error {
	t.Helper()
	r, err := Open(reader+":"+path, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	_, _, err = readAll(r)
	return err
}

// criteoLine builds a Criteo line from a label, 13 integers and 26
// categories, given as one TAB-joined string of 40 fields with the ints
// and categories filled by pattern.
func criteoLine(label string, ints []string, cats []string) string {
	f := append([]string{label}, ints...)
	f = append(f, cats...)
	return strings.Join(f, "\t")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func renameFile(from, to string) error { return os.Rename(from, to) }
