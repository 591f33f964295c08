package data

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeCriteo writes rows seeded pseudo-random Criteo lines: ~22% clicks,
// integers with missing and negative values, 8-hex-digit categories drawn
// from vocabularies of 10 to 10^5 entries.
func writeCriteo(tb testing.TB, path string, rows int, seed uint64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 1))
	line := make([]byte, 0, 512)
	for range rows {
		line = line[:0]
		if rng.Float64() < 0.22 {
			line = append(line, '1')
		} else {
			line = append(line, '0')
		}
		for i := range 13 {
			line = append(line, '\t')
			switch r := rng.IntN(10); {
			case r < 2: // missing
			case r == 2 && i == 1:
				line = strconv.AppendInt(line, -int64(rng.IntN(3)), 10)
			default:
				line = strconv.AppendInt(line, int64(rng.IntN(1000)), 10)
			}
		}
		for i := range 26 {
			line = append(line, '\t')
			vocab := 10 << (i % 14)
			line = appendHex8(line, uint32(rng.IntN(min(vocab, 100000)))*2654435761)
		}
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

func appendHex8(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for s := 28; s >= 0; s -= 4 {
		b = append(b, digits[(v>>s)&15])
	}
	return b
}

// BenchmarkReadCriteo1M reads a 1M-row Criteo file: the rows/s metric is
// reading and checking alone, before any encoding.
func BenchmarkReadCriteo1M(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "criteo-1m.txt")
	writeCriteo(b, path, rows, 42)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := OpenCriteo(path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var rec Record
		n := 0
		for {
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadCriteo1MBlocks reads the same file as BenchmarkReadCriteo1M
// in blocks: "read" is ReadBlock alone, the sequential part of a parallel
// reading, whose rate caps it; "parse" adds parsing the blocks on the same
// goroutine.
func BenchmarkReadCriteo1MBlocks(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "criteo-1m.txt")
	writeCriteo(b, path, rows, 42)
	st, _ := os.Stat(path)
	for _, parse := range []bool{false, true} {
		b.Run(map[bool]string{false: "read", true: "parse"}[parse], func(b *testing.B) {
			b.SetBytes(st.Size())
			for range b.N {
				r, err := OpenCriteo(path, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				var blk Block
				n := 0
				for {
					var readErr error
					blk, readErr = r.ReadBlock(blk, 16384)
					if parse {
						if _, err := blk.Parse(func(*Record) error { return nil }); err != nil {
							b.Fatal(err)
						}
					}
					n += blk.Len()
					if errors.Is(readErr, io.EOF) {
						break
					}
					if readErr != nil {
						b.Fatal(readErr)
					}
				}
				r.Close()
				if n != rows {
					b.Fatalf("%d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestNextDoesNotAllocate checks the steady state of every text reader:
// after warm-up, Next allocates nothing per row.
func TestNextDoesNotAllocate(t *testing.T) {
	crit := filepath.Join(t.TempDir(), "c.txt")
	writeCriteo(t, crit, 3000, 1)
	many := func(line string) string { return strings.Repeat(line+"\n", 3000) }
	item := "543|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|1" + strings.Repeat("|0", 18)
	cases := []struct{ reader, path string }{
		{"criteo", crit},
		{"avazu", writeTemp(t, "a.csv", many("1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"), false)},
		{"csv", writeTemp(t, "c.csv", "a,b,c\n"+many(`1,"x, ""y""",2.5`), true)},
		{"libfm", writeTemp(t, "f.libfm", many("-1 204:1 4798:1 5041:0.25 5046:1"), false)},
		{"libffm", writeTemp(t, "f.ffm", many("1 0:204:1 1:4798:1e-2"), false)},
		{"movielens", writeTemp(t, "u.item", many(item), false)},
		{"ncf-rating", writeTemp(t, "r.rating", many("0\t25\t5"), false)},
		{"ncf-negative", writeTemp(t, "n.negative", many("(0,40)\t11\t526\t14"), false)},
		{"seq", writeTemp(t, "s.txt", seqLines(3000), false)},
	}
	for _, c := range cases {
		r, err := Open(c.reader+":"+c.path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		for range 100 {
			if err := r.Next(&rec); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if err := r.Next(&rec); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per Next, want 0", c.reader, allocs)
		}
		r.Close()
	}
}

// seqLines writes users with 1 to 4 interactions each, one per line.
func seqLines(users int) string {
	var sb strings.Builder
	for u := range users {
		for i := range u%4 + 1 {
			sb.WriteString(strconv.Itoa(u) + " " + strconv.Itoa(1000+i) + "\n")
		}
	}
	return sb.String()
}
