package yamlconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/parser"
)

// bomb returns a "billion laughs" document: levels anchors, each a list of
// width aliases of the one before, under model.params.
func bomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("model:\n  name: deepfm\n  params:\n    l0: &l0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [", i, i)
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// The count expands aliases as the decoder does, every anchor's value
// counted where an alias names it.
func TestNodesExpandsAliases(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int64
	}{
		// map 1; keys a, b, c 3; [1,2,3] 4; *x 4; [*x, *x] 1+4+4.
		{"a: &x [1, 2, 3]\nb: *x\nc: [*x, *x]\n", 21},
		// A merge key counts as a key, the merged map as its alias.
		{"base: &b {k: 1, v: 2}\nder:\n  <<: *b\n  w: 3\n", 1 + 1 + 5 + 1 + (1 + 1 + 5 + 2)},
		{"", 0},
		{"# only a comment\n", 0},
	} {
		f, err := parser.ParseBytes([]byte(c.src), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := Nodes(f); got != c.want {
			t.Errorf("Nodes(%q) = %d, want %d", c.src, got, c.want)
		}
	}
	// Level i of bomb(levels, width) holds 1 + width·size(i−1) values.
	f, err := parser.ParseBytes([]byte(bomb(9, 9)), 0)
	if err != nil {
		t.Fatal(err)
	}
	level := int64(2) // l0: the list and "lol"
	// The root map, key model, its map, name: deepfm, key params, its map,
	// key l0 and l0.
	want := 1 + 1 + 1 + 2 + 1 + 1 + 1 + level
	for range 9 {
		level = 1 + 9*level
		want += 1 + level
	}
	if got := Nodes(f); got != want {
		t.Fatalf("billion laughs: Nodes = %d, want %d", got, want)
	}
}

// A "billion laughs" document is refused before decoding: quickly, in a
// few megabytes, with the count and the limit in the message.
func TestUnmarshalRefusesAliasBomb(t *testing.T) {
	src := []byte(bomb(9, 9))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var v map[string]any
	err := Unmarshal(src, &v)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error for an alias bomb")
	}
	for _, want := range []string{"aliases", fmt.Sprint(MaxNodes), "926177122"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if v != nil {
		t.Errorf("the refused document was decoded: %d keys", len(v))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("refusing the bomb allocated %d bytes, want < 8 MiB", alloc)
	}
	if elapsed > time.Second {
		t.Errorf("refusing the bomb took %v", elapsed)
	}
	// A document just within the limit decodes, its aliases expanded.
	v = nil
	if err := Unmarshal([]byte(bomb(2, 9)), &v); err != nil {
		t.Fatal(err)
	}
	l2 := v["model"].(map[string]any)["params"].(map[string]any)["l2"].([]any)
	if len(l2) != 9 || len(l2[8].([]any)) != 9 {
		t.Fatalf("aliases not expanded: %v", l2)
	}
}

func TestUnmarshalSizeAndEmpty(t *testing.T) {
	big := []byte("k: [" + strings.Repeat("1,", MaxBytes/2) + "1]\n")
	var v map[string]any
	err := Unmarshal(big, &v)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes, more than the %d bytes", len(big), MaxBytes)) {
		t.Fatalf("error %v for a %d-byte document", err, len(big))
	}
	// Within the byte limit, too many values are refused as well.
	many := []byte("k: [" + strings.Repeat("1,", MaxNodes) + "1]\n")
	if err := Unmarshal(many, &v); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("holds %d values, more than the limit of %d", MaxNodes+4, MaxNodes)) {
		t.Fatalf("error %v for %d values", err, MaxNodes+4)
	}
	type T struct{ A, B int }
	for _, src := range []string{"", "# nothing\n", "null\n", "---\n"} {
		x := T{A: 1, B: 2}
		if err := Unmarshal([]byte(src), &x); err != nil || x != (T{1, 2}) {
			t.Errorf("Unmarshal(%q) = %v, %+v; want nil and v untouched", src, err, x)
		}
	}
	x := T{A: 1}
	if err := Unmarshal([]byte("b: 3\n"), &x); err != nil || x != (T{1, 3}) {
		t.Errorf("got %v, %+v", err, x)
	}
	var e *Error
	if err := Unmarshal([]byte("a: [\n"), &x); !errors.As(err, &e) || e.Line != 1 || e.Column != 4 || !strings.HasPrefix(err.Error(), "1:4: ") {
		t.Errorf("syntax error %v, want it located at 1:4", err)
	}
}

// An error names FILE:LINE:COL, then shows the line with a caret under the
// column, in three lines at most; a decoding error says what the document
// should hold, not the Go types.
func TestErrorFormat(t *testing.T) {
	type T struct {
		Train struct{ Epochs int } `yaml:"train"`
	}
	var x T
	for _, c := range []struct{ src, want string }{
		{"train:\n  epochs: x\n", "f.yaml:2:11: want an integer, got a string\n      epochs: x\n" + strings.Repeat(" ", 4+10) + "^"},
		{"train:\n  epochs: [1, 2]\n", "f.yaml:2:11: want an integer, got a list\n      epochs: [1, 2]\n" + strings.Repeat(" ", 4+10) + "^"},
		{"train:\n\tepochs: 3\n", "f.yaml:2:1: found character '\t' that cannot start any token\n    \tepochs: 3\n    ^"},
		{"train: {epochs: 3\n", "f.yaml:1:8: "},
	} {
		err := InFile("f.yaml", Unmarshal([]byte(c.src), &x))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Count(err.Error(), "\n") > 2 {
			t.Errorf("%q: %q, want it to start %q, in at most three lines", c.src, err, c.want)
		}
	}
	// The caret copies the line's tabs: under column 3 of "\tb\tc" is "\t ^".
	e := &Error{Line: 4, Column: 4, Msg: "m", Text: "\tb\tc"}
	if got, want := e.Error(), "4:4: m\n    \tb\tc\n    \t \t^"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	// Any other error is prefixed with the file.
	if got := InFile("f.yaml", errors.New("boom")).Error(); got != "f.yaml: boom" {
		t.Errorf("InFile: %q", got)
	}
}

func TestReadFileBounded(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(p, make([]byte, 3*MaxBytes), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes, more than the %d", 3*MaxBytes, MaxBytes)) {
		t.Fatalf("ReadFile of a %d-byte file: %v", 3*MaxBytes, err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(ok); err != nil || string(b) != "a: 1\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.yaml")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
}
