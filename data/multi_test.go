package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeIn writes content to dir/name, gzipped when gz is set.
func writeIn(t *testing.T, dir, name, content string, gz bool) string {
	t.Helper()
	b := []byte(content)
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		b = buf.Bytes()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// criteoRows returns n Criteo lines numbered from first on, one per line.
func criteoRows(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		ints := repeat(fmt.Sprint(i), 13)
		cats := repeat(fmt.Sprintf("%08x", i*7919), 26)
		b.WriteString(criteoLine(fmt.Sprint(i%2), ints, cats) + "\n")
	}
	return b.String()
}

// Two gzip files read through a glob give, record for record, what their
// concatenation gives as one file; only the lines restart with each file.
func TestGlobReadsFilesAsOneSource(t *testing.T) {
	dir := t.TempDir()
	// Written out of order: the glob reads them sorted.
	b := writeIn(t, dir, "day_1.gz", criteoRows(30, 20), true)
	a := writeIn(t, dir, "day_0.gz", criteoRows(0, 30), true)
	whole := writeIn(t, t.TempDir(), "all.tsv", criteoRows(0, 50), false)
	want, _, err := readAll(openClosed(t, "criteo:"+whole))
	if err != nil || len(want) != 50 {
		t.Fatalf("concatenated file: %d records, %v", len(want), err)
	}
	r := openClosed(t, "criteo:"+filepath.Join(dir, "day_*.gz"))
	var rec Record
	for i := range want {
		if err := r.Next(&rec); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		got := make([]string, len(rec.Cols))
		for k, c := range rec.Cols {
			got[k] = string(c)
		}
		wantFile, wantLine := a, i+1
		if i >= 30 {
			wantFile, wantLine = b, i-30+1
		}
		if !reflect.DeepEqual(got, want[i]) || rec.File != wantFile || rec.Line != wantLine {
			t.Fatalf("record %d: %s:%d %q, want %s:%d %q", i+1, rec.File, rec.Line, got, wantFile, wantLine, want[i])
		}
	}
	if err := r.Next(&rec); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
	files, err := SourceFiles("criteo:" + filepath.Join(dir, "day_*.gz"))
	if err != nil || !reflect.DeepEqual(files, []string{a, b}) {
		t.Errorf("source files %q (%v), want %q", files, err, []string{a, b})
	}
}

// A comma-separated list is read in the order given, gzip or not, and a
// malformed row of its second file is reported at that file's line.
func TestFileListKeepsOrderAndLocatesErrors(t *testing.T) {
	dir := t.TempDir()
	second := writeIn(t, dir, "a.csv", "label,user\n1,x\n", false)
	first := writeIn(t, dir, "b.csv.gz", "label,user\n0,y\n1,z\n", true)
	spec := "csv:" + first + "," + second
	rows, lines, err := readAll(openClosed(t, spec))
	if err != nil || !reflect.DeepEqual(rows, [][]string{{"0", "y"}, {"1", "z"}, {"1", "x"}}) || !reflect.DeepEqual(lines, []int{2, 3, 2}) {
		t.Fatalf("records %q at lines %v (%v), want b's two, then a's, at lines [2 3 2]", rows, lines, err)
	}
	bad := writeIn(t, dir, "c.csv", "label,user\n1,x\n0,y,extra\n", false)
	err = firstError(t, "csv", first+","+bad, ReadOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != bad || pe.Line != 3 {
		t.Fatalf("a bad row on line 3 of the second file: %v, want a ParseError at %s:3", err, bad)
	}
	// Under SkipBad the count runs over every file.
	r, err := Open("csv:"+bad+","+first+","+bad, ReadOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rows, _, err := readAll(r); err != nil || len(rows) != 4 || r.Skipped() != 2 {
		t.Errorf("skipping bad rows: %d records, %d skipped (%v); want 4 and 2", len(rows), r.Skipped(), err)
	}
}

// A file whose header differs from the first file's is an error naming
// it, before any record is read; so is an Avazu file without the label
// among labelled ones.
func TestMultiFileHeaderMismatch(t *testing.T) {
	dir := t.TempDir()
	a := writeIn(t, dir, "part_0.csv", "label,user,item\n1,u,i\n", false)
	b := writeIn(t, dir, "part_1.csv.gz", "label,item,user\n1,i,u\n", true)
	_, err := Open("csv:"+filepath.Join(dir, "part_*"), ReadOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != b || !strings.Contains(err.Error(), "label,item,user") || !strings.Contains(err.Error(), a) {
		t.Fatalf("mismatched header: %v, want an error naming %s, its columns and the first file", err, b)
	}
	line := "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"
	header := "id,click,hour,C1,banner_pos,site_id,site_domain,site_category,app_id,app_domain,app_category,device_id,device_ip,device_model,device_type,device_conn_type,C14,C15,C16,C17,C18,C19,C20,C21"
	unlabelled := strings.Replace(line, ",0,14102100", ",14102100", 1)
	x := writeIn(t, dir, "x.csv", header+"\n"+line+"\n", false)
	y := writeIn(t, dir, "y.csv", unlabelled+"\n", false)
	if _, err := Open("avazu:"+x+","+y, ReadOptions{}); !errors.As(err, &pe) || pe.File != y {
		t.Fatalf("an Avazu file without the click column after one with it: %v, want an error naming %s", err, y)
	}
}

// A pattern that matches nothing is an error naming the pattern; so is an
// empty element of a list.
func TestGlobMatchingNothing(t *testing.T) {
	dir := t.TempDir()
	pattern := filepath.Join(dir, "day_*.gz")
	_, err := Open("criteo:"+pattern, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), pattern) || !strings.Contains(err.Error(), "no file matches") {
		t.Fatalf("a glob matching nothing: %v, want an error naming %s", err, pattern)
	}
	if _, err := SourceFiles("criteo:" + pattern); err == nil || !strings.Contains(err.Error(), pattern) {
		t.Errorf("SourceFiles of a glob matching nothing: %v, want an error naming it", err)
	}
	a := writeIn(t, dir, "a.tsv", criteoRows(0, 1), false)
	if _, err := Open("criteo:"+a+",", ReadOptions{}); err == nil || !strings.Contains(err.Error(), "an empty file name") {
		t.Errorf("a list ending in a comma: %v, want an error about the empty name", err)
	}
	// A file whose name holds a pattern character is read as itself.
	odd := writeIn(t, dir, "day_[1].tsv", criteoRows(0, 2), false)
	if rows, _, err := readAll(openClosed(t, "criteo:"+odd)); err != nil || len(rows) != 2 {
		t.Errorf("a file named %s: %d records, %v; want its 2", odd, len(rows), err)
	}
}

// BytesRead grows with the records and ends at the files' total size.
func TestMultiFileBytesRead(t *testing.T) {
	dir := t.TempDir()
	a := writeIn(t, dir, "day_0.tsv", criteoRows(0, 3000), false)
	b := writeIn(t, dir, "day_1.gz", criteoRows(3000, 3000), true)
	var total int64
	for _, p := range []string{a, b} {
		st, _ := os.Stat(p)
		total += st.Size()
	}
	r := openClosed(t, "criteo:"+filepath.Join(dir, "day_*"))
	bc, ok := r.(ByteCounter)
	if !ok {
		t.Fatalf("%T counts no bytes", r)
	}
	var rec Record
	last := int64(-1)
	for n := 0; ; n++ {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		read, tot := bc.BytesRead()
		if read < last || tot != total || read > total {
			t.Fatalf("record %d: %d of %d bytes read, after %d; want a non-decreasing count of %d", n+1, read, tot, last, total)
		}
		last = read
	}
	if read, _ := bc.BytesRead(); read != total {
		t.Errorf("at the end %d bytes read, want all %d", read, total)
	}
}

func openClosed(t *testing.T, spec string) Reader {
	t.Helper()
	r, err := Open(spec, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
