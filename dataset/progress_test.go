package dataset

import (
	"os"
	"path/filepath"
	"testing"

	_ "github.com/recforge/recforge/synth" // the synthetic reader
)

// checkStage checks the reports of one stage: growing counts, the last
// one alone Done, with every record and every byte of the file read.
func checkStage(t *testing.T, stage string, got []Progress, rows, size int64) {
	t.Helper()
	if len(got) < 3 {
		t.Fatalf("%s: %d reports over %d rows, want several", stage, len(got), rows)
	}
	for i, p := range got {
		if p.Stage != stage || p.Done != (i == len(got)-1) || p.Reused || p.TotalBytes != size {
			t.Fatalf("%s: report %d of %d is %+v", stage, i+1, len(got), p)
		}
		if i == 0 && p.Rows != 0 {
			t.Fatalf("%s: first report %+v, want one before any record", stage, p)
		}
		if i > 0 && (p.Rows < got[i-1].Rows || p.BytesRead < got[i-1].BytesRead) {
			t.Fatalf("%s: report %d went back: %+v after %+v", stage, i+1, p, got[i-1])
		}
	}
	if last := got[len(got)-1]; last.Rows != rows || last.BytesRead != size {
		t.Errorf("%s: last report %+v, want all %d rows and %d bytes", stage, last, rows, size)
	}
}

// Fit and Build report their progress to Options.OnProgress: counts that
// only grow, and a last report with every record and byte read.
func TestProgressReports(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.tsv")
	const n = 3*progressEvery + 100
	writeCTR(t, src, n)
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []Progress
	opts := Options{OnProgress: func(p Progress) { got = append(got, p) },
		Keep: func(i int64) bool { return i%2 == 0 }}
	spec := "criteo:" + src
	enc, err := Fit(t.Context(), spec, criteoSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Keep leaves half the records out of the fit, not out of the count.
	checkStage(t, "fit", got, n, st.Size())

	got = nil
	opts.Keep = nil
	d, rebuilt, err := Build(t.Context(), spec, enc, filepath.Join(dir, "c.rfc"), opts)
	if err != nil || !rebuilt {
		t.Fatalf("build: rebuilt %v, %v", rebuilt, err)
	}
	d.Close()
	checkStage(t, "encode", got, int64(d.Rows), st.Size())
	if d.Rows != n {
		t.Fatalf("%d rows, want %d", d.Rows, n)
	}

	// A current cache is reported once, as reused.
	got = nil
	d, rebuilt, err = Build(t.Context(), spec, enc, filepath.Join(dir, "c.rfc"), opts)
	if err != nil || rebuilt {
		t.Fatalf("second build: rebuilt %v, %v", rebuilt, err)
	}
	d.Close()
	if len(got) != 1 || !got[0].Reused || !got[0].Done || got[0].Rows != n || got[0].Stage != "encode" {
		t.Errorf("reused cache: reports %+v, want one Done and Reused with %d rows", got, n)
	}
}

// A generated source tells its row count in advance, and no bytes.
func TestProgressOfGeneratedSource(t *testing.T) {
	var last Progress
	calls := 0
	spec := "synthetic:ctr?rows=20000&seed=1"
	_, err := Fit(t.Context(), spec, criteoSchema(t), Options{OnProgress: func(p Progress) { last = p; calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || !last.Done || last.Rows != 20000 || last.TotalRows != 20000 || last.TotalBytes != 0 || last.Spec != spec {
		t.Errorf("%d reports, the last %+v; want 3 (at 0 and 16384 rows and the end) ending at 20000 of 20000 rows", calls, last)
	}
}
