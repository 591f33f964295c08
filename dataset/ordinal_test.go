package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/feature"
)

// skipFixture is a mixedSchema CSV some of whose records hold a count the
// encoders reject, with encoders fitted on a clean file of the same shape.
type skipFixture struct {
	dir, spec string
	enc       *feature.Encoders
	// want is every good record's ordinal, in order, from the lines
	// alone: what a cache of every row's ordinal held.
	want []int64
}

func newSkipFixture(t *testing.T, n int, bad []int64) *skipFixture {
	t.Helper()
	f := &skipFixture{dir: t.TempDir()}
	src := filepath.Join(f.dir, "mixed.csv")
	lines := map[int]string{}
	for _, o := range bad {
		lines[int(o)+1] = "1,u1,i1,,t1,x,3,1" // count is no number
	}
	writeMixedCSV(t, src, n, lines)
	clean := filepath.Join(f.dir, "clean.csv")
	writeMixedCSV(t, clean, n, nil)
	var err error
	if f.enc, err = Fit(t.Context(), "csv:"+clean, parseSchema(t, mixedSchema), Options{}); err != nil {
		t.Fatal(err)
	}
	for o := range int64(n) {
		if !slices.Contains(bad, o) {
			f.want = append(f.want, o)
		}
	}
	f.spec = "csv:" + src
	return f
}

// build builds the cache at name under SkipBad with threads.
func (f *skipFixture) build(t *testing.T, name string, threads int) (*Dataset, bool) {
	t.Helper()
	opts := Options{Threads: threads}
	opts.Read.SkipBad = true
	d, rebuilt, err := Build(t.Context(), f.spec, f.enc, filepath.Join(f.dir, name), opts)
	if err != nil {
		t.Fatalf("Build with %d threads: %v", threads, err)
	}
	return d, rebuilt
}

// checkOrdinals checks every row's ordinal against the lines' ordinals.
func checkOrdinals(t *testing.T, what string, d *Dataset, want []int64) {
	t.Helper()
	if d.Rows != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, d.Rows, len(want))
	}
	for r, o := range want {
		if got := d.Ordinal(r); got != o {
			t.Fatalf("%s: row %d has ordinal %d, want %d", what, r, got, o)
		}
	}
}

// Under SkipBad, each row's ordinal is that of its record among those the
// reader returned, for any thread count, in a reused cache too, and the
// cache is the same file for any thread count: the first record, a run of
// three, both sides of a chunk boundary and the last record are rejected.
func TestOrdinalsFollowSkippedRecords(t *testing.T) {
	const n = chunkRecords + 100
	bad := []int64{0, 999, 1000, 1001, chunkRecords - 1, chunkRecords, n - 1}
	f := newSkipFixture(t, n, bad)
	var first []byte
	for _, th := range append([]int{1}, threadCounts...) {
		name := fmt.Sprintf("c%d.rfc", th)
		d, _ := f.build(t, name, th)
		if d.Skipped != int64(len(bad)) {
			t.Errorf("%d threads: %d skipped, want %d", th, d.Skipped, len(bad))
		}
		checkOrdinals(t, fmt.Sprintf("%d threads", th), d, f.want)
		d.Close()
		raw, err := os.ReadFile(filepath.Join(f.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = raw
		} else if !bytes.Equal(raw, first) {
			t.Errorf("%d threads built another cache than one under SkipBad (%d and %d bytes)", th, len(raw), len(first))
		}
	}
	d, rebuilt := f.build(t, "c1.rfc", 1)
	defer d.Close()
	if rebuilt {
		t.Fatal("a current cache was rebuilt")
	}
	checkOrdinals(t, "reused", d, f.want)
	// Each row is its record's encoding: the rows are the good records,
	// in order.
	r, err := data.Open(f.spec, data.ReadOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	re, err := f.enc.Bind(r.Columns())
	if err != nil {
		t.Fatal(err)
	}
	ex := f.enc.NewExample()
	var rec data.Record
	row := 0
	for o := int64(0); r.Next(&rec) == nil; o++ {
		if err := re.Encode(rec.Cols, ex); err != nil {
			if !slices.Contains(bad, o) {
				t.Fatalf("record %d: %v", o, err)
			}
			continue
		}
		if !slices.Equal(d.IDs[row*d.Slots:(row+1)*d.Slots], ex.IDs) || d.Label[row] != ex.Label {
			t.Fatalf("row %d is not the encoding of record %d", row, o)
		}
		row++
	}
	if row != d.Rows {
		t.Fatalf("%d good records, %d rows", row, d.Rows)
	}
}

// With nothing skipped, a Criteo-shaped row (13 bucketized numbers and 26
// categories, as the built-in schema reads synthetic:ctr) costs 160 bytes
// in all: a label and 39 ids; no ordinal, no group, no values, no
// sequence columns. Its ordinal is its row.
func TestCriteoRowBytes(t *testing.T) {
	const rows = 3000
	spec := fmt.Sprintf("synthetic:ctr?rows=%d&seed=5", rows)
	schema, ok, err := DefaultSchema(spec)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	enc, err := Fit(t.Context(), spec, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.rfc")
	d, _, err := Build(t.Context(), spec, enc, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	perRow := 0
	for _, c := range d.c.Columns() {
		size := 4
		if c.Type == cache.Int64 {
			size = 8
		}
		switch {
		case c.Width > 0:
			perRow += c.Width * size
		case c.Width == 0:
			perRow += 8 // a ragged column's offset
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perRow != 160 || st.Size() < 160*rows || st.Size() > 160*rows+4096 {
		t.Errorf("%d bytes a row in the columns %v, %d in the file of %d rows; want 160 (a label and 39 ids) and a header of at most 4096 bytes", perRow, d.c.Columns(), st.Size(), rows)
	}
	if len(d.rejected) != 0 || d.Skipped != 0 {
		t.Errorf("%d rejected ordinals, %d skipped; want none", len(d.rejected), d.Skipped)
	}
	for r := range d.Rows {
		if o := d.Ordinal(r); o != int64(r) {
			t.Fatalf("row %d has ordinal %d", r, o)
		}
	}
}

// A cache whose rejected ordinals cannot be this build's (with every
// checksum intact, as a crafted or foreign file) is an error naming the
// file and the column, never a panic or silently moved splits.
func TestBuildChecksRejectedOrdinals(t *testing.T) {
	const n = 500
	bad := []int64{3, 40, 41, 300}
	f := newSkipFixture(t, n, bad)
	for _, tc := range []struct {
		name string
		e    edits
		want string
	}{
		{"out of order", edits{i64: func(col string, v []int64) []int64 {
			if col == "rejected" {
				v[1], v[2] = v[2], v[1]
			}
			return v
		}}, "ordinal 40 is out of order"},
		{"repeated", edits{i64: func(col string, v []int64) []int64 {
			if col == "rejected" {
				v[2] = v[1]
			}
			return v
		}}, "value 2: ordinal 40 is out of order"},
		{"negative", edits{i64: func(col string, v []int64) []int64 {
			if col == "rejected" {
				v[0] = -1
			}
			return v
		}}, "value 0: ordinal -1"},
		{"past the records", edits{i64: func(col string, v []int64) []int64 {
			if col == "rejected" {
				v[3] = n
			}
			return v
		}}, fmt.Sprintf("ordinal %d is out of order or outside the %d records", n, n)},
		{"more than skipped", edits{meta: func(m []byte) []byte {
			var bm buildMeta
			if err := json.Unmarshal(m, &bm); err != nil {
				t.Fatal(err)
			}
			bm.Skipped = 2
			m, _ = json.Marshal(bm)
			return m
		}}, "lists 4 rejected records, but the build skipped 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "_") + ".rfc"
			d, _ := f.build(t, name, 1)
			if !slices.Equal(d.rejected, bad) {
				t.Fatalf("rejected %v, want %v", d.rejected, bad)
			}
			d.Close()
			path := filepath.Join(f.dir, name)
			rewriteWith(t, path, tc.e)
			opts := Options{}
			opts.Read.SkipBad = true
			d, rebuilt, err := Build(t.Context(), f.spec, f.enc, path, opts)
			if err == nil {
				d.Close()
				t.Fatalf("the cache opened (rebuilt %v)", rebuilt)
			}
			for _, want := range []string{path, `column "rejected"`, tc.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
