package dataset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/cancelsrc"
)

// bigSource takes minutes to read whole.
const bigSource = "synthetic:ctr?rows=50000000&seed=2&max_vocab=50"

// stopsOnCancel runs f on a spec serving bigSource whose context is
// cancelled after 20,000 records, and checks that f stops within a few
// thousand more records with an error that wraps context.Canceled and
// says how far it got.
func stopsOnCancel(t *testing.T, what string, f func(ctx context.Context, spec string) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spec, after := cancelsrc.New(bigSource, 20000, cancel)
	err := f(ctx, spec)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after") {
		t.Errorf("%s: %v, want context.Canceled saying how far it got", what, err)
	}
	if n := after(); n > 10000 {
		t.Errorf("%s read %d records after the cancel", what, n)
	}
}

// Fitting, encoding and inspecting stop soon after their context is
// cancelled, mid-read, and an interrupted encoding leaves no cache.
func TestCancelStopsLongReads(t *testing.T) {
	schema, ok, err := DefaultSchema(bigSource)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	stopsOnCancel(t, "Fit", func(ctx context.Context, spec string) error {
		_, err := Fit(ctx, spec, schema, Options{})
		return err
	})
	enc, err := Fit(context.Background(), "synthetic:ctr?rows=2000&seed=2&max_vocab=50", schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stopsOnCancel(t, "Build", func(ctx context.Context, spec string) error {
		d, _, err := Build(ctx, spec, enc, filepath.Join(dir, "c.rfc"), Options{})
		if err == nil {
			d.Close()
		}
		return err
	})
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("an interrupted Build left %v", left[0].Name())
	}
	stopsOnCancel(t, "Inspect", func(ctx context.Context, spec string) error {
		_, err := Inspect(ctx, spec, InspectOptions{})
		return err
	})
}
