package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/feature"
)

// threadCounts are the counts every parallel test compares with one
// thread.
var threadCounts = []int{2, 4}

// mixedSchema reads every kind of field the fitter and encoders know: a
// label, a group, vocabularies (one with min_count, two sharing a table
// with a sequence), a hashed field, a bucketized number, standardized and
// min-max numbers whose statistics are floating-point sums.
const mixedSchema = `
name: mixed
hash_seed: 7
fields:
  - {name: y, type: label}
  - {name: g, type: group, column: user}
  - {name: user, type: categorical, min_count: 2}
  - {name: item, type: categorical, share: item}
  - {name: hist, type: sequence, share: item, max_len: 5, separator: "|"}
  - {name: tag, type: categorical, hash_buckets: 97}
  - {name: count, type: numeric, normalizer: criteo_log2}
  - {name: age, type: numeric, normalizer: standardize, missing: mean}
  - {name: price, type: numeric, normalizer: minmax}
`

// writeMixedCSV writes n rows for mixedSchema, with a header, seeded so
// that the sums of the numbers are far from exact in floating point;
// bad maps a 1-based data row to the line to write instead.
func writeMixedCSV(t testing.TB, path string, n int, bad map[int]string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 9))
	var b strings.Builder
	b.WriteString("y,user,item,hist,tag,count,age,price\n")
	for i := 1; i <= n; i++ {
		if l, ok := bad[i]; ok {
			b.WriteString(l + "\n")
			continue
		}
		hist := make([]string, rng.IntN(7))
		for k := range hist {
			hist[k] = fmt.Sprint("i", rng.IntN(300))
		}
		age := ""
		if rng.IntN(10) > 0 {
			age = fmt.Sprint(rng.NormFloat64()*13.7 + 1e6/3)
		}
		fmt.Fprintf(&b, "%d,u%d,i%d,%s,t%d,%d,%s,%.9g\n", rng.IntN(2), rng.IntN(5000), rng.IntN(400),
			strings.Join(hist, "|"), rng.IntN(1000), rng.IntN(5000)-3, age, rng.ExpFloat64()*1e-3)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func parseSchema(t testing.TB, src string) *feature.Schema {
	t.Helper()
	s, err := feature.ParseSchema([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fitJSON fits schema on spec with threads and returns the encoders and
// their JSON.
func fitJSON(t *testing.T, spec string, schema *feature.Schema, opts Options) (*feature.Encoders, []byte) {
	t.Helper()
	enc, err := Fit(context.Background(), spec, schema, opts)
	if err != nil {
		t.Fatalf("Fit with %d threads: %v", opts.Threads, err)
	}
	b, err := json.Marshal(enc)
	if err != nil {
		t.Fatal(err)
	}
	return enc, b
}

// buildBytes builds spec's cache with enc and opts and returns the file's
// bytes and the rows.
func buildBytes(t *testing.T, spec string, enc *feature.Encoders, opts Options) ([]byte, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.rfc")
	d, rebuilt, err := Build(context.Background(), spec, enc, path, opts)
	if err != nil {
		t.Fatalf("Build with %d threads: %v", opts.Threads, err)
	}
	rows := d.Rows
	d.Close()
	if !rebuilt {
		t.Fatal("Build reused a cache in a new directory")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, rows
}

// sameForAnyThreads checks that Fit gives the same encoders, and Build the
// same cache file, byte for byte, with any thread count as with one.
func sameForAnyThreads(t *testing.T, spec string, schema *feature.Schema, opts Options, wantRows int) {
	t.Helper()
	opts.Threads = 1
	enc, want := fitJSON(t, spec, schema, opts)
	wantCache, rows := buildBytes(t, spec, enc, opts)
	if rows != wantRows {
		t.Fatalf("one thread built %d rows, want %d", rows, wantRows)
	}
	for _, n := range threadCounts {
		opts.Threads = n
		if _, got := fitJSON(t, spec, schema, opts); !bytes.Equal(got, want) {
			t.Errorf("%d threads fitted other encoders than one:\n%.300s\nwant\n%.300s", n, got, want)
		}
		if got, _ := buildBytes(t, spec, enc, opts); !bytes.Equal(got, wantCache) {
			t.Errorf("%d threads built another cache than one (%d and %d bytes)", n, len(got), len(wantCache))
		}
	}
}

// Criteo-shaped data over several chunks, fitted on a part chosen by Keep
// as a split does: the same encoders and cache for any thread count.
func TestParallelCriteoSameAsOneThread(t *testing.T) {
	src := filepath.Join(t.TempDir(), "train.tsv")
	const n = 2*chunkRecords + 777
	writeCTR(t, src, n)
	keep := func(i int64) bool { return i%10 != 3 }
	sameForAnyThreads(t, "criteo:"+src, criteoSchema(t), Options{Keep: keep}, n)
}

// A CSV with a header and every kind of field, the numbers' statistics
// included: bit-identical encoders and caches for any thread count.
func TestParallelMixedCSVSameAsOneThread(t *testing.T) {
	src := filepath.Join(t.TempDir(), "mixed.csv")
	const n = 3*chunkRecords + 5
	writeMixedCSV(t, src, n, nil)
	schema := parseSchema(t, mixedSchema)
	sameForAnyThreads(t, "csv:"+src, schema, Options{}, n)
	// The statistics are of the whole file (a hand check that the test
	// compares something): about 90% of the ages, near 1e6/3.
	enc, err := Fit(context.Background(), "csv:"+src, schema, Options{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := enc.Stats("age")
	if st.Count < n*85/100 || st.Count > n*95/100 || st.Mean < 1e6/3-1 || st.Mean > 1e6/3+1 || st.Std < 12 || st.Std > 15 {
		t.Errorf("age statistics %+v, want about 90%% of %d values of mean 333333.3 and std 13.7", st, n)
	}
}

// Under SkipBad, the same rows are skipped and counted for any thread
// count.
func TestParallelSkipBadSameAsOneThread(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "mixed.csv")
	const n = chunkRecords + 100
	bad := map[int]string{}
	for _, row := range []int{7, 1000, chunkRecords - 1, chunkRecords, chunkRecords + 50} {
		bad[row] = "1,u1,i1,,t1,x,3,1" // count is no number
	}
	writeMixedCSV(t, src, n, bad)
	clean := filepath.Join(dir, "clean.csv")
	writeMixedCSV(t, clean, n, nil)
	schema := parseSchema(t, mixedSchema)
	enc, err := Fit(context.Background(), "csv:"+clean, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{}
	opts.Read.SkipBad = true
	want, rows := buildBytes(t, "csv:"+src, enc, opts)
	if rows != n-len(bad) {
		t.Fatalf("one thread built %d rows, want %d", rows, n-len(bad))
	}
	for _, th := range threadCounts {
		opts.Threads = th
		if got, _ := buildBytes(t, "csv:"+src, enc, opts); !bytes.Equal(got, want) {
			t.Errorf("%d threads built another cache than one under SkipBad", th)
		}
	}
}

// The first bad value in record order is the error, for any thread count:
// here a late field on an early line, ahead of an early field on a later
// line and of two bad fields on one line.
func TestParallelFirstErrorWins(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.csv")
	const n = 2*chunkRecords + 10
	badRow := chunkRecords + 3
	bad := map[int]string{
		badRow:     "1,u1,i1,a||b,t1,3,3,oops", // hist and price: hist comes first
		badRow + 1: "2,u1,i1,,t1,3,3,1",        // a bad label, one line later
		n - 1:      "1,u1,i1,,t1,zz,3,1",
	}
	writeMixedCSV(t, src, n, bad)
	clean := filepath.Join(dir, "clean.csv")
	writeMixedCSV(t, clean, n, nil)
	schema := parseSchema(t, mixedSchema)
	line := badRow + 1 // the header is line 1
	wantMsg := fmt.Sprintf("bad.csv:%d: column 4 (hist)", line)
	enc, err := Fit(context.Background(), "csv:"+clean, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"Fit", "Build"} {
		var want string
		for _, th := range append([]int{1}, threadCounts...) {
			var err error
			if stage == "Fit" {
				_, err = Fit(context.Background(), "csv:"+src, schema, Options{Threads: th})
			} else {
				_, _, err = Build(context.Background(), "csv:"+src, enc, filepath.Join(dir, fmt.Sprint(th, ".rfc")), Options{Threads: th})
			}
			if err == nil {
				t.Fatalf("%s with %d threads: no error", stage, th)
			}
			if th == 1 {
				want = err.Error()
				if !strings.Contains(want, wantMsg) {
					t.Fatalf("%s: %v, want %q", stage, err, wantMsg)
				}
			} else if err.Error() != want {
				t.Errorf("%s with %d threads: %v, want %v", stage, th, err, want)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.rfc*")); len(left) != 0 {
		t.Errorf("a failed Build left %v", left)
	}
}

// Parallel fitting and encoding stop soon after their context is
// cancelled, and leave no cache.
func TestParallelCancel(t *testing.T) {
	schema, ok, err := DefaultSchema(bigSource)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	stopsOnCancel(t, "Fit", func(ctx context.Context, spec string) error {
		_, err := Fit(ctx, spec, schema, Options{Threads: 2})
		return err
	})
	enc, err := Fit(context.Background(), "synthetic:ctr?rows=2000&seed=2&max_vocab=50", schema, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stopsOnCancel(t, "Build", func(ctx context.Context, spec string) error {
		d, _, err := Build(ctx, spec, enc, filepath.Join(dir, "c.rfc"), Options{Threads: 2})
		if err == nil {
			d.Close()
		}
		return err
	})
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("an interrupted Build left %v", left[0].Name())
	}
}

// The progress of a parallel fit and encode only grows, and ends with
// every record and byte.
func TestParallelProgress(t *testing.T) {
	src := filepath.Join(t.TempDir(), "train.tsv")
	const n = 3*progressEvery + 100
	writeCTR(t, src, n)
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []Progress
	opts := Options{Threads: 2, OnProgress: func(p Progress) { got = append(got, p) }}
	spec := "criteo:" + src
	enc, err := Fit(t.Context(), spec, criteoSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	checkStage(t, "fit", got, n, st.Size())
	got = nil
	d, _, err := Build(t.Context(), spec, enc, filepath.Join(t.TempDir(), "c.rfc"), opts)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	checkStage(t, "encode", got, n, st.Size())
}

// writeCTRLines writes n synthetic Criteo rows to path (gzipped when gz),
// with the lines of bad (1-based line numbers) replaced.
func writeCTRLines(t *testing.T, path string, n int, gz bool, bad map[int]string) {
	t.Helper()
	plain := filepath.Join(t.TempDir(), "plain.tsv")
	writeCTR(t, plain, n)
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range bad {
		lines[i-1] = l + "\n"
	}
	out := []byte(strings.Join(lines, ""))
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(out)
		w.Close()
		out = buf.Bytes()
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Sources read in blocks parsed on the threads (data.BlockReader): a
// generated one, and Criteo files — two of them, one gzipped, with
// malformed lines skipped at chunk boundaries — give the same encoders and
// caches, skipped rows included, for any thread count.
func TestParallelBlocksSameAsOneThread(t *testing.T) {
	schema := criteoSchema(t)
	sameForAnyThreads(t, "synthetic:ctr?rows=40000&seed=3&max_vocab=500", schema, Options{Keep: func(i int64) bool { return i%7 != 0 }}, 40000)

	dir := t.TempDir()
	const n = chunkRecords + 300
	bad := map[int]string{1: "1\t2", 500: "", chunkRecords: "0\tx", chunkRecords + 1: strings.Repeat("\t", 39)}
	writeCTRLines(t, filepath.Join(dir, "day_0.tsv"), n, false, bad)
	writeCTRLines(t, filepath.Join(dir, "day_1.gz"), n, true, map[int]string{chunkRecords - 1: "1"})
	opts := Options{}
	opts.Read.SkipBad = true
	// Four malformed lines (the tabs alone lack the label) and a blank
	// one, which is no record.
	sameForAnyThreads(t, "criteo:"+filepath.Join(dir, "day_*"), schema, opts, 2*n-5)
	enc, err := Fit(t.Context(), "criteo:"+filepath.Join(dir, "day_*"), schema, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range []int{1, 3} {
		opts.Threads = th
		d, _, err := Build(t.Context(), "criteo:"+filepath.Join(dir, "day_*"), enc, filepath.Join(dir, fmt.Sprint(th, ".rfc")), opts)
		if err != nil {
			t.Fatal(err)
		}
		if d.Skipped != 4 {
			t.Errorf("%d threads: %d rows skipped, want 4", th, d.Skipped)
		}
		d.Close()
	}
}

// Read in blocks, the first malformed line is the error for any thread
// count, named by its file and line, and a failed Build leaves no cache.
func TestParallelBlocksFirstErrorWins(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.tsv")
	const n = 3 * chunkRecords
	writeCTRLines(t, src, n, false, map[int]string{chunkRecords + 9: "0\t1\t2", 2*chunkRecords + 1: "3"})
	schema := criteoSchema(t)
	clean := filepath.Join(dir, "clean.tsv")
	writeCTR(t, clean, n)
	enc, err := Fit(t.Context(), "criteo:"+clean, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := fmt.Sprintf("bad.tsv:%d: column 4: expected 40 fields, found 3", chunkRecords+9)
	for _, th := range []int{1, 2, 4} {
		_, err := Fit(t.Context(), "criteo:"+src, schema, Options{Threads: th})
		if err == nil || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Fit with %d threads: %v, want %q", th, err, wantMsg)
		}
		_, _, err = Build(t.Context(), "criteo:"+src, enc, filepath.Join(dir, fmt.Sprint(th, ".rfc")), Options{Threads: th})
		if err == nil || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Build with %d threads: %v, want %q", th, err, wantMsg)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.rfc*")); len(left) != 0 {
		t.Errorf("a failed Build left %v", left)
	}
}

// Read in blocks, a parallel fit and build stop soon after their context
// is cancelled, saying how far they got, and leave no goroutine behind.
func TestParallelBlocksCancel(t *testing.T) {
	schema, ok, err := DefaultSchema(bigSource)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	enc, err := Fit(t.Context(), "synthetic:ctr?rows=2000&seed=2&max_vocab=50", schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for _, stage := range []string{"fit", "build"} {
		ctx, cancel := context.WithCancel(t.Context())
		var last int64
		opts := Options{Threads: 2, OnProgress: func(p Progress) {
			last = p.Rows
			if p.Rows >= 3*chunkRecords {
				cancel()
			}
		}}
		if stage == "fit" {
			_, err = Fit(ctx, bigSource, schema, opts)
		} else {
			_, _, err = Build(ctx, bigSource, enc, filepath.Join(t.TempDir(), "c.rfc"), opts)
		}
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after") {
			t.Errorf("%s: %v, want context.Canceled saying how far it got", stage, err)
		}
		if last > 4*chunkRecords+chunkRecords*chunksInFlight*2 {
			t.Errorf("%s went on to %d records after the cancel at %d", stage, last, 3*chunkRecords)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}
