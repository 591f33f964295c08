package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/data"
)

// recforge help lists every reader data.Open accepts and shows a spec of
// each behaviour format and of taobao, each naming a registered reader and,
// for behaviour specs, parsing.
func TestHelpListsReadersAndSpecs(t *testing.T) {
	code, out, _ := recforge(t, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	_, specs, ok := strings.Cut(out, "Data specs")
	if !ok {
		t.Fatalf("no data specs in\n%s", out)
	}
	m := regexp.MustCompile(`READER one of: ([^;]*);`).FindStringSubmatch(specs)
	if m == nil {
		t.Fatalf("no reader list in\n%s", specs)
	}
	if got, want := strings.Split(m[1], ", "), data.ReaderNames(); !slices.Equal(got, want) {
		t.Errorf("readers %v, want data.ReaderNames %v", got, want)
	}
	for _, r := range []string{"behavior", "taobao", "synthetic"} {
		if !slices.Contains(data.ReaderNames(), r) {
			t.Errorf("reader %q is not registered in the command", r)
		}
	}
	examples := regexp.MustCompile(`\b([a-z-]+):[^\s,;]+`).FindAllStringSubmatch(specs, -1)
	seen := map[string]bool{}
	for _, e := range examples {
		reader := e[1]
		if !slices.Contains(data.ReaderNames(), reader) {
			continue // prose such as "e.g."
		}
		seen[reader] = true
		if reader == "behavior" {
			sp, err := behavior.ParseSpec(strings.TrimPrefix(e[0], "behavior:"))
			if err != nil {
				t.Errorf("example %q: %v", e[0], err)
				continue
			}
			seen["behavior:"+sp.Format] = true
		}
	}
	want := []string{"taobao", "criteo", "synthetic"}
	for _, f := range behavior.Formats {
		want = append(want, "behavior:"+f)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no example of %s in\n%s", w, specs)
		}
	}
}
