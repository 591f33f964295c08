package pipeline

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// aliasBomb returns a configuration whose model.params hold a "billion
// laughs": nine anchors, each a list of nine aliases of the one before,
// about 10⁹ values once expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("model:\n  name: deepfm\n  params:\n    l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	return b.String()
}

// A configuration whose aliases expand without bound is refused before it
// is decoded: at once, in a few megabytes, naming the file and the limit.
// (The decoder used to expand it, growing to gigabytes.)
func TestLoadConfigRefusesAliasBomb(t *testing.T) {
	path := writeConfig(t, aliasBomb())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := LoadConfig(path)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{path, "926177122 values", "aliases", "limit of 100000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("LoadConfig allocated %d bytes, want < 8 MiB", alloc)
	}
	if elapsed > time.Second {
		t.Errorf("LoadConfig took %v", elapsed)
	}
}

// A configuration over the size limit is refused by size, naming the file.
func TestLoadConfigRefusesHugeFile(t *testing.T) {
	path := writeConfig(t, "model:\n  name: deepfm\n"+strings.Repeat("# padding\n", 30000))
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), path+": 300022 bytes, more than the 262144 bytes") {
		t.Fatalf("error %v", err)
	}
}

// Anchors and aliases within the limits keep working: one set of
// hyper-parameters shared by two models.
func TestLoadConfigAliases(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, `models:
  deepfm: {params: &p {hidden: [8, 4], dropout: 0.1}}
  nfm: {params: *p}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"deepfm", "nfm"} {
		if got := fmt.Sprint(c.Models[m].Params); got != "map[dropout:0.1 hidden:[8 4]]" {
			t.Errorf("%s params %s", m, got)
		}
	}
}
