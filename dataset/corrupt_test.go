package dataset

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/feature"
)

// snapshot renders every column of d, for comparing two datasets.
func snapshot(d *Dataset) string {
	return fmt.Sprint(d.Rows, d.Label, d.Group, d.IDs, d.ValueSlots, d.StoredValues, d.Seq, d.SeqLens, d.rejected, d.SeqStart, d.Pools)
}

// A cache with 100 bytes flipped is rebuilt by Build, to the contents of a
// fresh build, instead of being trusted.
func TestBuildRebuildsCorruptCache(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.tsv")
	writeCTR(t, src, 3000)
	spec := "criteo:" + src
	enc, err := Fit(t.Context(), spec, criteoSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "train.rfc")
	d, _, err := Build(t.Context(), spec, enc, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(d)
	d.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for trial := range 5 {
		rng := rand.New(rand.NewPCG(16, uint64(trial)))
		bad := append([]byte(nil), raw...)
		for range 100 {
			bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
		}
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		d, rebuilt, err := Build(t.Context(), spec, enc, path, Options{})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		got := snapshot(d)
		d.Close()
		if !rebuilt || got != want {
			t.Fatalf("trial %d: rebuilt=%v, contents equal to a fresh build: %v", trial, rebuilt, got == want)
		}
	}
}

// rewrite replaces the cache at path by a copy, with the same fingerprint
// and valid checksums, in which edit has changed the values of some
// column: what a crafted file, or an older encoder's, would hold.
func rewrite(t *testing.T, path string, edit func(col string, v []int32)) {
	t.Helper()
	rewriteWith(t, path, edits{i32: edit})
}

// edits are the changes rewriteWith makes: i32 edits an int32 column's
// values in place, i64 returns an int64 column's new values (for an
// unrowed column, of any length), meta the metadata when not nil.
type edits struct {
	i32  func(col string, v []int32)
	i64  func(col string, v []int64) []int64
	meta func(m []byte) []byte
}

// rewriteWith is rewrite with any of edits.
func rewriteWith(t *testing.T, path string, e edits) {
	t.Helper()
	c, err := cache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cols := c.Columns()
	w, err := cache.Create(path, c.Fingerprint(), cols)
	if err != nil {
		t.Fatal(err)
	}
	meta := c.Meta()
	if e.meta != nil {
		meta = e.meta(meta)
	}
	w.SetMeta(meta)
	type column struct {
		f32 []float32
		i32 []int32
		i64 []int64
		off []int64
	}
	data := make([]column, len(cols))
	for k, col := range cols {
		d := &data[k]
		switch col.Type {
		case cache.Float32:
			d.f32, err = c.Float32(col.Name)
		case cache.Int32:
			d.i32, err = c.Int32(col.Name)
			if err == nil && e.i32 != nil {
				d.i32 = append([]int32(nil), d.i32...)
				e.i32(col.Name, d.i32)
			}
		case cache.Int64:
			d.i64, err = c.Int64(col.Name)
			if err == nil && e.i64 != nil {
				d.i64 = e.i64(col.Name, append([]int64(nil), d.i64...))
			}
		}
		if err == nil && col.Width == 0 {
			d.off, err = c.Offsets(col.Name)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// write appends column k's values lo:hi.
	write := func(k, lo, hi int) {
		d := &data[k]
		switch cols[k].Type {
		case cache.Float32:
			w.Float32(k, d.f32[lo:hi])
		case cache.Int32:
			w.Int32(k, d.i32[lo:hi])
		case cache.Int64:
			w.Int64(k, d.i64[lo:hi])
		}
	}
	for k, col := range cols {
		if col.Width == cache.Unrowed {
			write(k, 0, len(data[k].f32)+len(data[k].i32)+len(data[k].i64))
		}
	}
	for r := range c.Rows() {
		for k, col := range cols {
			lo, hi := r*col.Width, (r+1)*col.Width
			switch col.Width {
			case cache.Unrowed:
				continue
			case 0:
				lo, hi = int(data[k].off[r]), int(data[k].off[r+1])
			}
			write(k, lo, hi)
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// An intact cache whose ids the encoders cannot have produced is an error
// that names the file, the column, the row and the field, never a panic
// later in a model.
func TestBuildLocatesOutOfRangeIDs(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.tsv")
	writeCTR(t, src, 300)
	spec := "criteo:" + src
	enc, err := Fit(t.Context(), spec, criteoSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	slots := enc.Slots()
	tables := map[string]feature.Table{}
	for _, tb := range enc.Tables() {
		for _, f := range tb.Fields {
			tables[f] = tb
		}
	}
	c20 := tables[slots[20]]
	for _, tc := range []struct {
		name string
		id   int32
	}{
		{"beyond every table", int32(enc.Rows()) + 7},
		{"negative", -22778},
		{"another field's", tables[slots[0]].Offset}, // a valid id of field 0, in field 20
		{"just past its table", c20.Offset + c20.Size},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "train.rfc")
			d, _, err := Build(t.Context(), spec, enc, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
			rewrite(t, path, func(col string, v []int32) {
				if col == "ids" {
					v[157*len(slots)+20] = tc.id
				}
			})
			d, rebuilt, err := Build(t.Context(), spec, enc, path, Options{})
			if err == nil {
				d.Close()
				t.Fatalf("a cache with id %d in field %q opened (rebuilt=%v)", tc.id, slots[20], rebuilt)
			}
			for _, want := range []string{path, `column "ids"`, "row 157", fmt.Sprintf("field %q has id %d", slots[20], tc.id)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// The sequences of a densely stored cache are checked too: their ids and
// their lengths.
func TestBuildLocatesBadSequences(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "din.tsv")
	var b strings.Builder
	b.WriteString("clk\tuser_id\thist_items\thist_cats\titem\tcat\tprice\n")
	for r := range 200 {
		fmt.Fprintf(&b, "%d\tu%d\ti%d|i%d|i%d\tc%d|c%d\ti%d\tc%d\t%d.5\n", r%2, r%17, r%13, r%11, r%7, r%5, r%3, r%19, r%4, r%9)
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	schema, err := feature.LoadSchema("../feature/testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := "tsv:" + src
	enc, err := Fit(t.Context(), spec, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seqs := enc.Sequences()
	for _, tc := range []struct {
		col  string
		at   func(d *Dataset) int // the index to overwrite
		v    int32
		want []string
	}{
		{"seq", func(d *Dataset) int { return 42*d.SeqLen + seqs[1].Offset + 1 }, int32(enc.Rows()), []string{`column "seq"`, "row 42", fmt.Sprintf("sequence %q at position 1 has id %d", seqs[1].Field, enc.Rows())}},
		{"seq_lens", func(d *Dataset) int { return 99*d.NumSeq + 0 }, int32(seqs[0].MaxLen + 1), []string{`column "seq_lens"`, "row 99", fmt.Sprintf("sequence %q has length %d", seqs[0].Field, seqs[0].MaxLen+1)}},
	} {
		t.Run(tc.col, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "din.rfc")
			d, _, err := Build(t.Context(), spec, enc, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.ByReference() || d.NumSeq != 2 {
				t.Fatalf("by reference %v, %d sequences: want 2 stored densely", d.ByReference(), d.NumSeq)
			}
			k := tc.at(d)
			d.Close()
			rewrite(t, path, func(col string, v []int32) {
				if col == tc.col {
					v[k] = tc.v
				}
			})
			d, _, err = Build(t.Context(), spec, enc, path, Options{})
			if err == nil {
				d.Close()
				t.Fatal("the cache opened")
			}
			for _, want := range append(tc.want, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// winReader serves din.yaml's columns for a few users, each user's rows
// consecutive with histories that are windows of the user's one behaviour
// sequence (up to 4 latest items): a SeqWindower, so Build stores the
// sequences by reference.
type winReader struct {
	i    int
	rows [][][]byte
	keys []int64
	ends []int64
}

func newWinReader() *winReader {
	r := &winReader{}
	for u := range 5 {
		var items, cats []string
		for e := range 6 {
			items = append(items, fmt.Sprintf("i%d", (u*3+e)%11))
			cats = append(cats, fmt.Sprintf("c%d", (u+e)%4))
			lo := max(0, len(items)-4)
			r.rows = append(r.rows, [][]byte{
				[]byte(fmt.Sprint(e % 2)), []byte(fmt.Sprintf("u%d", u)),
				[]byte(strings.Join(items[lo:], "|")), []byte(strings.Join(cats[lo:], "|")),
				[]byte(fmt.Sprintf("i%d", e)), []byte(fmt.Sprintf("c%d", e%3)), []byte("1.5"),
			})
			r.keys = append(r.keys, int64(u))
			r.ends = append(r.ends, int64(e+1))
		}
	}
	return r
}

func (r *winReader) Columns() []string {
	return []string{"clk", "user_id", "hist_items", "hist_cats", "item", "cat", "price"}
}

func (r *winReader) Next(rec *data.Record) error {
	if r.i == len(r.rows) {
		return io.EOF
	}
	rec.File, rec.Line, rec.Cols = "windows", r.i+1, r.rows[r.i]
	r.i++
	return nil
}

func (r *winReader) Skipped() int64 { return 0 }
func (r *winReader) Close() error   { return nil }

func (r *winReader) SeqWindow(col int) (key, end int64, ok bool) {
	if col != 2 && col != 3 {
		return 0, 0, false
	}
	if r.i == 0 {
		return 0, 0, true
	}
	return r.keys[r.i-1], r.ends[r.i-1], true
}

func init() {
	data.Register("test-windows", func(string, data.ReadOptions) (data.Reader, error) { return newWinReader(), nil }, true)
}

// The pools of a cache stored by reference are checked too, and the error
// names the row that added the bad id.
func TestBuildLocatesBadPoolIDs(t *testing.T) {
	schema, err := feature.LoadSchema("../feature/testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := "test-windows:x"
	enc, err := Fit(t.Context(), spec, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "win.rfc")
	d, _, err := Build(t.Context(), spec, enc, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.ByReference() {
		t.Fatal("the sequences were stored densely")
	}
	off, err := d.c.Offsets("pool_1")
	if err != nil {
		t.Fatal(err)
	}
	k := off[13] // the first id row 13 added to the category pool
	if off[14] == k {
		t.Fatal("row 13 added nothing to the pool")
	}
	d.Close()
	rewrite(t, path, func(col string, v []int32) {
		if col == "pool_1" {
			v[k] = int32(enc.Rows()) + 1
		}
	})
	d, _, err = Build(t.Context(), spec, enc, path, Options{})
	if err == nil {
		d.Close()
		t.Fatal("the cache opened")
	}
	for _, want := range []string{path, `column "pool_1", row 13`, fmt.Sprintf(`sequence "hist_cats" has id %d`, enc.Rows()+1)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
