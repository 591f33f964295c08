package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestSyntheticReferences(t *testing.T) {
	refs, err := SyntheticReferences("synthetic:ctr?rows=20000&seed=3&max_vocab=50", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].Metric != "auc" {
		t.Fatalf("references %+v", refs)
	}
	// The planted crosses carry signal of their own, so the truth ranks
	// better than its first-order part, and both beat chance.
	if !(refs[0].Value > refs[1].Value && refs[1].Value > 0.6 && refs[0].Value < 1) {
		t.Errorf("oracle %.4f, first-order %.4f", refs[0].Value, refs[1].Value)
	}
	if _, err := SyntheticReferences("criteo:x", 1); err == nil {
		t.Error("a file spec was accepted")
	}
}

// The demo's chart carries the demo's title, not the zoo's.
func TestDemoTitle(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	lb, p, err := Demo(context.Background(), DemoOptions{Rows: 2000, Models: []string{"lr"}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const want = "recforge demo: synthetic CTR data, 2000 rows (seed 1)"
	if lb.Title != want {
		t.Errorf("title %q, want %q", lb.Title, want)
	}
	out := t.TempDir()
	if err := lb.WriteFiles(out); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(out, "leaderboard.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte(">"+want+"<")) || bytes.Contains(svg, []byte("recforge zoo")) {
		t.Errorf("leaderboard.svg does not carry the demo's title %q", want)
	}
}
