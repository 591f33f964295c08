package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
)

// predict and eval refuse an artifact whose weights hold a NaN or an
// infinity: exit 1 with one line naming the artifact, the tensor and the
// element, and no scores written.
func TestNonFiniteWeightsRefused(t *testing.T) {
	dir := t.TempDir()
	tr, _, te := ctrFiles(t, dir, 1000)
	out := filepath.Join(dir, "run")
	if code, _, stderr := recforge(t, "train", "--model", "lr", "--data", "criteo:"+tr, "--epochs", "1", "--out", out,
		"--cache-dir", filepath.Join(dir, "cache")); code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	art := filepath.Join(out, "model")
	weights := filepath.Join(art, artifact.WeightsFile)
	clean, err := os.ReadFile(weights)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		// Every weight v, the file otherwise intact.
		b := append([]byte(nil), clean...)
		f, err := artifact.ReadSafetensors(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range f.Tensors { // Data aliases b
			for i := 0; i < len(tn.Data); i += 4 {
				binary.LittleEndian.PutUint32(tn.Data[i:], math.Float32bits(v))
			}
		}
		if err := os.WriteFile(weights, b, 0o644); err != nil {
			t.Fatal(err)
		}
		scores := filepath.Join(dir, "scores.txt")
		for _, args := range [][]string{
			{"predict", "--artifact", art, "--data", "criteo:" + te},
			{"predict", "--artifact", art, "--data", "criteo:" + te, "--output", scores},
			{"eval", "--artifact", art, "--data", "criteo:" + te},
		} {
			code, stdout, stderr := recforge(t, args...)
			if code != 1 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
				!strings.Contains(stderr, art) || !strings.Contains(stderr, `tensor "`) || !strings.Contains(stderr, "element [0") ||
				!strings.Contains(stderr, "is "+fmt.Sprint(v)) || !strings.Contains(stderr, "must be finite") {
				t.Errorf("%s with weights of %v: exit %d, stdout %.200q, stderr %q", args[0], v, code, stdout, stderr)
			}
		}
		if _, err := os.Stat(scores); !os.IsNotExist(err) {
			t.Errorf("predict --output left %s: %v", scores, err)
		}
	}
}
