package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// noCheck accepts every record: the target checks the invariants of
// checkReader alone.
func noCheck([][]byte) string { return "" }

func FuzzAvazu(f *testing.F) {
	line := "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"
	f.Add([]byte(strings.Join(AvazuColumns, ",") + "\n" + line + "\n"))
	f.Add([]byte(line + "\r\n" + strings.Replace(line, ",0,", ",2,", 1) + "\n"))
	f.Add([]byte(strings.Replace(line, "14102100", "x", 1) + "\n,\n"))
	// Unlabeled (Kaggle's test file), and mixed.
	unlabeled := strings.Replace(line, ",0,", ",", 1)
	f.Add([]byte(strings.Replace(strings.Join(AvazuColumns, ","), ",click", "", 1) + "\n" + unlabeled + "\n" + line + "\n"))
	f.Add([]byte(unlabeled + "\n" + unlabeled + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "avazu", "a.csv", data, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			hour := 1 // without the click column
			if len(cols) == len(AvazuColumns) {
				if c := string(cols[1]); c != "0" && c != "1" {
					return "click not 0/1"
				}
				hour = 2
			}
			if len(cols) < len(AvazuColumns)-1 {
				return "columns missing"
			}
			if !isID(cols[hour]) {
				return "hour not a non-negative integer"
			}
			return allUTF8(cols)
		})
	})
}

func FuzzTSV(f *testing.F) {
	f.Add([]byte("a\tb\tc\n1\t\"x\t3\n4\t5\t6\n"), false)
	f.Add([]byte("a\ta\n1\t2\n"), false)
	f.Add([]byte(" 1 \t2\t3\n\n4\t5\n"), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, headerless bool) {
		opts := ReadOptions{MaxLineBytes: 256}
		if headerless {
			opts.Columns, opts.TrimSpace = []string{"x", "y", "z"}, true
		}
		fuzzRead(t, dir, "tsv", "f.tsv", data, opts, func(cols [][]byte) string {
			for _, c := range cols {
				if bytes.IndexByte(c, '\t') >= 0 || bytes.IndexByte(c, '\n') >= 0 {
					return "a field holds a TAB or a line break"
				}
			}
			return allUTF8(cols)
		})
	})
}

func FuzzNCFRating(f *testing.F) {
	f.Add([]byte("0\t32\t4\t978824330\n0\t34\t4\t978824330\n"))
	f.Add([]byte("0\t32\t1\n1\t3\t5\t9\n"))
	f.Add([]byte("0\t-1\t4.5\n\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "ncf-rating", "x.test.rating", data, ReadOptions{MaxLineBytes: 128}, func(cols [][]byte) string {
			if len(cols) < 3 || !isID(cols[0]) || !isID(cols[1]) || !finiteNumber(cols[2]) {
				return "not user, item and rating"
			}
			if len(cols) == 4 && !isID(cols[3]) {
				return "timestamp not an integer"
			}
			return ""
		})
	})
}

// FuzzMapped fuzzes the CSV readers that find fixed columns by header
// name: taobao and the event log.
func FuzzMapped(f *testing.F) {
	f.Add([]byte(taobaoHeader+taobaoLine("1", "170301^573514")+taobaoLine("0", "")), false)
	f.Add([]byte(taobaoHeader+taobaoLine("2", "1^^2")+"1,2\n"), false)
	f.Add([]byte("time,user_id,item_id,cate_id\n5,u,i,c\n6,u,,c\nx,u,i,\n"), true)
	f.Add([]byte("user_id,item_id,time\n\"u,1\",i,3\n"), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, eventLog bool) {
		p := filepath.Join(dir, "m.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		open, check := OpenTaobao, func(cols [][]byte) string {
			if c := string(cols[0]); c != "0" && c != "1" {
				return "clk not 0/1"
			}
			if idList('^')(cols[18]) != "" {
				return "click_sequence not ids"
			}
			return allUTF8(cols)
		}
		if eventLog {
			open, check = OpenEventLog, func(cols [][]byte) string {
				if len(cols[0]) == 0 || len(cols[1]) == 0 || kindInt.check(cols[2]) != "" {
					return "not user, item and time"
				}
				return allUTF8(cols)
			}
		}
		checkReader(t, dir, p, textLines(data), open, ReadOptions{MaxLineBytes: 512}, check)
	})
}

// FuzzMovieLensCTR fuzzes the ratings and both side files the reader
// joins.
func FuzzMovieLensCTR(f *testing.F) {
	users := "1|24|M|technician|85711\n2|53|F|other|94043\n"
	items := itemLine("1", "Toy Story (1995)", "01-Jan-1995", "Animation", "Comedy") + "\n" + itemLine("2", "GoldenEye (1995)", "", "Action") + "\n"
	f.Add([]byte("1\t1\t5\t874965758\n2\t2\t3\t876893171\n"), []byte(users), []byte(items))
	f.Add([]byte("1\t3\t5\t874965758\n3\t1\t1\t1\n"), []byte(users), []byte(items))
	f.Add([]byte("1\t1\t5\t874965758\n"), []byte(users+users), []byte(items+"3|x|1995|||1\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, ratings, users, items []byte) {
		lines := 0
		for name, b := range map[string][]byte{"u.data": ratings, "u.user": users, "u.item": items} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			lines = max(lines, textLines(b))
		}
		open := func(path string, o ReadOptions) (Reader, error) { return Open("movielens-ctr:"+path, o) }
		checkReader(t, dir, filepath.Join(dir, "u.data"), lines, open, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			if !isID(cols[0]) || !isID(cols[1]) || !finiteNumber(cols[2]) {
				return "not user, item and rating"
			}
			if len(cols[7]) > zipPrefixLen || (len(cols[10]) != 0 && len(cols[10]) != 4) {
				return "zip or year malformed"
			}
			if len(cols[9]) > 0 && !bytes.HasPrefix(cols[8], cols[9]) {
				return "genre is not the first of genres"
			}
			return allUTF8(cols)
		})
	})
}

// FuzzParquet feeds arbitrary bytes to the Parquet reader: a broken file
// fails with a located error, never a panic or an endless read.
func FuzzParquet(f *testing.F) {
	dir := f.TempDir()
	price := 2.5
	p := filepath.Join(dir, "seed.parquet")
	if err := parquet.WriteFile(p, []parquetRow{
		{Label: 1, User: 42, Item: "a7", Price: &price, Hist: []int32{3, 9, 4}, Clean: true},
		{Label: 0, User: -3, Item: "", Hist: nil},
	}); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(append(append([]byte(nil), good[:len(good)/3]...), good[len(good)/2:]...))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// The rows the file declares bound the calls; a file declaring
		// very many (in a few bytes) is not worth the time. (parquet-go
		// alone would allocate the footer length a bad file claims:
		// OpenParquet checks it first, and so does this.)
		rows := int64(0)
		if checkParquetFooter(bytes.NewReader(data), int64(len(data))) == nil {
			if pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data))); err == nil {
				rows = pf.NumRows()
			}
		}
		if rows > 1<<16 {
			return
		}
		open := func(path string, _ ReadOptions) (Reader, error) { return OpenParquet(path) }
		checkReader(t, dir, p, int(rows), open, ReadOptions{}, noCheck)
	})
}

// FuzzGzip reads gzip-compressed input, whole, cut short or with a byte
// flipped, with the line readers: a broken stream ends the source with a
// sticky *ReadError, and skipping bad rows never spins on it.
func FuzzGzip(f *testing.F) {
	readers := []string{"csv", "tsv", "criteo", "avazu", "libfm", "libffm", "libfm-fields", "movielens", "ncf-rating", "ncf-negative", "seq", "adult"}
	f.Add([]byte("a,b\n1,2\n3,4\n"), uint8(0), uint16(0), uint16(0))
	f.Add([]byte("1 3:1 4:1\n0 3:1 5:1\n"), uint8(6), uint16(20), uint16(0))
	f.Add([]byte(strings.Repeat("1 2 3\n", 200)), uint8(10), uint16(0), uint16(30))
	f.Add([]byte(strings.Repeat("196\t242\t3\t881250949\n", 50)), uint8(7), uint16(40), uint16(0x5518))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text []byte, reader uint8, cut, flip uint16) {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(text)
		w.Close()
		gz := b.Bytes()
		if cut > 0 && int(cut) < len(gz) {
			gz = gz[:cut]
		}
		if flip > 0 {
			gz[int(flip&0xff)%len(gz)] ^= byte(flip>>8) | 1
		}
		r := readers[int(reader)%len(readers)]
		fuzzRead(t, dir, r, "u.data.gz", gz, ReadOptions{MaxLineBytes: 256}, noCheck)
	})
}
