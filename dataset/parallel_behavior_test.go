package dataset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/dataset"
)

// A behaviour source, whose sequences Build stores by reference in pools
// that grow row after row across chunks: the same encoders and the same
// cache for any thread count.
func TestParallelBehaviorSameAsOneThread(t *testing.T) {
	spec := "behavior:synthetic?users=9000&items=500&categories=20&per_user=3&min_history=3&max_history=30&max_len=8&part=train"
	schema, err := behavior.Schema(spec)
	if err != nil {
		t.Fatal(err)
	}
	var wantEnc, wantCache []byte
	for _, n := range []int{1, 2, 4} {
		opts := dataset.Options{Threads: n}
		enc, err := dataset.Fit(context.Background(), spec, schema, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(enc)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "c.rfc")
		d, _, err := dataset.Build(context.Background(), spec, enc, path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !d.ByReference() || d.Rows <= 16384 {
			t.Fatalf("%d rows stored by reference %v, want more than a chunk by reference", d.Rows, d.ByReference())
		}
		d.Close()
		c, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			wantEnc, wantCache = b, c
			continue
		}
		if !bytes.Equal(b, wantEnc) {
			t.Errorf("%d threads fitted other encoders than one", n)
		}
		if !bytes.Equal(c, wantCache) {
			t.Errorf("%d threads built another cache than one", n)
		}
	}
}
