package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/dataset"
)

// Fitting, encoding and the test evaluation print one line per stage on a
// stderr that is no terminal: rows, time and rate when the stage read the
// data, the cache's rows when it was current; --quiet prints none.
func TestStageProgressLines(t *testing.T) {
	dir := t.TempDir()
	spec := "synthetic:ctr?rows=3000&seed=2"
	args := []string{"train", "--model", "lr", "--data", spec, "--epochs", "1", "--cache-dir", filepath.Join(dir, "c"), "--out", filepath.Join(dir, "run")}
	code, _, stderr := recforge(t, args...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	for _, stage := range []string{"fit", "encode"} {
		re := regexp.MustCompile(`(?m)^` + stage + ` ` + regexp.QuoteMeta(spec) + `: 3,000 rows in [0-9.]+m?s \([0-9,]+ rows/s\)$`)
		if n := len(re.FindAllString(stderr, -1)); n != 1 {
			t.Errorf("%d %s lines, want one:\n%s", n, stage, stderr)
		}
	}
	// The test evaluation too, over the test rows the data line counts.
	test := regexp.MustCompile(`(?m)^data: .* ([0-9]+) test rows`).FindStringSubmatch(stderr)
	eval := regexp.MustCompile(`(?m)^evaluate test: ([0-9,]+) rows in [0-9.]+[mµ]?s \([0-9,]+ rows/s\)$`).FindAllStringSubmatch(stderr, -1)
	if test == nil || len(eval) != 1 || strings.ReplaceAll(eval[0][1], ",", "") != test[1] {
		t.Errorf("want one evaluate line over the data line's test rows:\n%s", stderr)
	}
	// Fitting and encoding the same data again find the fitted encoders and
	// the cache current.
	code, _, stderr = recforge(t, append(args, "--overwrite")...)
	if code != 0 {
		t.Fatalf("train again: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"fit " + spec + ": the encoders fitted by an earlier run, from the cache (current)\n",
		"encode " + spec + ": 3,000 rows, from the cache (current)\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("second run's stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, _, stderr = recforge(t, append(args, "--overwrite", "--quiet")...)
	if code != 0 || strings.Contains(stderr, "fit ") || strings.Contains(stderr, "encode ") || strings.Contains(stderr, "evaluate ") {
		t.Errorf("--quiet: exit %d, stderr %q; want no stage lines", code, stderr)
	}
}

// The stage line's rate and time come from the clock between the
// stage's first report and its last.
func TestStageProgressLineFormat(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "deepfm", false)
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	p.stage(dataset.Progress{Stage: "fit", Spec: "criteo:day_*.gz"})
	now = now.Add(2 * time.Minute)
	p.stage(dataset.Progress{Stage: "fit", Spec: "criteo:day_*.gz", Rows: 1 << 20, BytesRead: 10, TotalBytes: 100})
	now = now.Add(2 * time.Minute)
	p.stage(dataset.Progress{Stage: "fit", Spec: "criteo:day_*.gz", Rows: 45_840_617, BytesRead: 100, TotalBytes: 100, Done: true})
	if want := "fit criteo:day_*.gz: 45,840,617 rows in 4m0s (191,002 rows/s)\n"; b.String() != want {
		t.Errorf("stage output %q, want %q", b.String(), want)
	}
}
