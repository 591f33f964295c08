package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/internal/corruptgz"
)

// corruptCase is a reader and a well-formed file of n data lines for it.
type corruptCase struct {
	reader, name string
	// lines returns the file's content: its lines, header included.
	lines func(n int) []string
	// dir, when set, prepares the directory the file goes in (the side
	// files of movielens-ctr).
	dir func(t *testing.T, dir string)
}

// varied returns the k-th of a sequence of scattered numbers below m, so
// that the files do not compress to nothing.
func varied(k, m int) int { return int((uint64(k)*2654435761 + 12345) % uint64(m)) }

func eachLine(n int, head []string, f func(k int) string) []string {
	out := append([]string(nil), head...)
	for k := range n {
		out = append(out, f(k))
	}
	return out
}

func corruptCases() []corruptCase {
	csvLine := func(sep string) func(int) string {
		return func(k int) string {
			return fmt.Sprintf("%d%s%d%s%d", varied(k, 2), sep, varied(k, 99991), sep, varied(k+7, 1<<30))
		}
	}
	rating := func(k int) string {
		return fmt.Sprintf("%d\t%d\t%d\t%d", 1+varied(k, 3), 1+varied(k+1, 3), 1+varied(k, 5), 880000000+varied(k, 1<<24))
	}
	return []corruptCase{
		{reader: "criteo", name: "day.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				ints, cats := repeat("", 13), repeat("", 26)
				for i := range ints {
					ints[i] = fmt.Sprint(varied(k+i, 1000))
				}
				for i := range cats {
					cats[i] = fmt.Sprintf("%08x", varied(k*31+i, 1<<31))
				}
				return criteoLine(fmt.Sprint(varied(k, 2)), ints, cats)
			})
		}},
		{reader: "avazu", name: "avazu.gz", lines: func(n int) []string {
			return eachLine(n, []string{strings.Join(AvazuColumns, ",")}, func(k int) string {
				f := repeat("x", len(AvazuColumns))
				f[0], f[1], f[2] = fmt.Sprint(varied(k, 1<<40)), fmt.Sprint(varied(k, 2)), "14102100"
				for i := 3; i < len(f); i++ {
					f[i] = fmt.Sprintf("%x", varied(k*7+i, 1<<28))
				}
				return strings.Join(f, ",")
			})
		}},
		{reader: "csv", name: "t.csv.gz", lines: func(n int) []string { return eachLine(n, []string{"a,b,c"}, csvLine(",")) }},
		{reader: "tsv", name: "t.tsv.gz", lines: func(n int) []string { return eachLine(n, []string{"a\tb\tc"}, csvLine("\t")) }},
		{reader: "libfm", name: "a.libfm.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				return fmt.Sprintf("%d %d:1 %d:0.5", varied(k, 2), varied(k, 9999), varied(k+3, 9999))
			})
		}},
		{reader: "libffm", name: "a.ffm.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				return fmt.Sprintf("%d 0:%d:1 1:%d:0.5", varied(k, 2), varied(k, 9999), varied(k+3, 9999))
			})
		}},
		{reader: "libfm-fields", name: "f.libfm.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				return fmt.Sprintf("%d %d:1 %d:1", varied(k, 2), varied(k, 9999), varied(k+3, 9999))
			})
		}},
		{reader: "movielens", name: "u.data.gz", lines: func(n int) []string { return eachLine(n, nil, rating) }},
		{reader: "ncf-rating", name: "x.train.rating.gz", lines: func(n int) []string { return eachLine(n, nil, rating) }},
		{reader: "ncf-negative", name: "x.negative.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				return fmt.Sprintf("(%d,%d)\t%d\t%d", k, varied(k, 3706), varied(k+1, 3706), varied(k+2, 3706))
			})
		}},
		{reader: "seq", name: "s.txt.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string { return fmt.Sprintf("%d %d %d", k, varied(k, 99999), varied(k+1, 99999)) })
		}},
		{reader: "adult", name: "adult.data.gz", lines: func(n int) []string {
			return eachLine(n, nil, func(k int) string {
				return strings.Replace(adultTrainLine, "77516", fmt.Sprint(10000+varied(k, 1<<20)), 1)
			})
		}},
		{reader: "taobao", name: "taobao.csv.gz", lines: func(n int) []string {
			return eachLine(n, []string{strings.TrimSpace(taobaoHeader)}, func(k int) string {
				return strings.TrimSpace(taobaoLine(fmt.Sprint(varied(k, 2)), fmt.Sprintf("%d^%d", varied(k, 1<<20), varied(k+1, 1<<20))))
			})
		}},
		{reader: "movielens-ctr", name: "u1.base.gz", lines: func(n int) []string { return eachLine(n, nil, rating) },
			dir: func(t *testing.T, dir string) {
				users := "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n"
				items := itemLine("1", "Toy Story (1995)", "01-Jan-1995", "Comedy") + "\n" +
					itemLine("2", "GoldenEye (1995)", "01-Jan-1995", "Action") + "\n" +
					itemLine("3", "Four Rooms (1995)", "01-Jan-1995") + "\n"
				for name, c := range map[string]string{"u.user": users, "u.item": items} {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(c), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}},
	}
}

// TestCorruptGzipEndsTheSource reads truncated and bit-flipped gzip files
// with every reader that reads gzip, skipping bad rows or not: the read
// must end within a bounded number of calls with a *ReadError naming the
// file and a line past the last record served, and must stay ended. (A
// flipped bit may first decode to garbage rows, caught by the gzip
// checksum only at the end: read strictly, such a row fails first.)
// Before the fix the broken stream was a skippable bad row that came back
// on every call: under SkipBad, Next never returned.
func TestCorruptGzipEndsTheSource(t *testing.T) {
	const n = 3000
	for _, c := range corruptCases() {
		lines := c.lines(n)
		content := []byte(strings.Join(lines, "\n") + "\n")
		// The well-formed file reads whole: the cases are sound.
		dir := t.TempDir()
		if c.dir != nil {
			c.dir(t, dir)
		}
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, corruptgz.Gzip(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := firstError(t, c.reader, p, ReadOptions{}); err != nil {
			t.Fatalf("%s: the well-formed file: %v", c.reader, err)
		}
		for _, k := range corruptgz.Kinds {
			if err := os.WriteFile(p, corruptgz.Make(content, k), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, skip := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/skip=%v", c.reader, k, skip), func(t *testing.T) {
					checkBrokenRead(t, c.reader, p, len(lines), k, skip)
				})
			}
		}
	}
}

// checkBrokenRead reads the broken file path, made from total lines, and
// checks how the read ends.
func checkBrokenRead(t *testing.T, reader, path string, total int, k corruptgz.Kind, skip bool) {
	var r Reader
	var err error
	last := 0 // the line of the last record served
	// The broken reader spun inside one Next: bound the time as well as
	// the calls.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if r, err = Open(reader+":"+path, ReadOptions{SkipBad: skip}); err != nil {
			return
		}
		var rec Record
		for calls := 0; calls <= 2*total+10; calls++ {
			if err = r.Next(&rec); err != nil {
				return
			}
			last = rec.Line
		}
		err = fmt.Errorf("%d calls to Next on a file of %d lines and no end (skipped %d)", 2*total+10, total, r.Skipped())
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("reading the broken file did not end within 20 s")
	}
	if r != nil {
		defer r.Close()
	}
	var re *ReadError
	var pe *ParseError
	switch {
	case errors.As(err, &re):
		if re.File != path || re.Line <= last || !strings.Contains(err.Error(), "gzip") {
			t.Fatalf("error %q at line %d (last record on line %d), want %s and a line after the last record", err, re.Line, last, path)
		}
		if k == corruptgz.Truncated && re.Line > total {
			t.Errorf("a truncated file broke on line %d, past its %d lines", re.Line, total)
		}
		if r != nil && k == corruptgz.Truncated && r.Skipped() != 0 {
			t.Errorf("%d rows skipped in a truncated file of well-formed rows", r.Skipped())
		}
	case k == corruptgz.BitFlipped && !skip && errors.As(err, &pe) && pe.File == path && pe.Line > 0:
		return // a garbage row, read strictly
	default:
		t.Fatalf("read ended with %v (%T), want a *ReadError", err, err)
	}
	if r != nil {
		// The source stays broken: no further record, no other error.
		var rec Record
		if err2 := r.Next(&rec); err2 != err {
			t.Errorf("Next after the break: %v, want the same %v", err2, err)
		}
	}
}

// A read error of a plain file is no bad row either: it is a *ReadError,
// not skipped, and returned again by the next call. (A directory opens
// but cannot be read.)
func TestReadErrorIsNotSkipped(t *testing.T) {
	dir := t.TempDir()
	r, err := Open("libfm:"+dir, ReadOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rec Record
	err = r.Next(&rec)
	var re *ReadError
	if !errors.As(err, &re) || re.File != dir || re.Line != 1 {
		t.Fatalf("reading a directory: %v (%T), want a *ReadError on line 1", err, err)
	}
	if err2 := r.Next(&rec); err2 != err || r.Skipped() != 0 {
		t.Fatalf("then %v with %d skipped, want the same error and none skipped", err2, r.Skipped())
	}
}
