package behavior

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// FuzzLogReader serves a fuzzed log through the behaviour reader, as a
// sasrec log or an amazon-electronics event log, skipping bad rows or
// not, gzipped or not. It must never panic; an error is a located one or
// names the log; the samples end within a bounded number of calls (no
// more than one positive and one negative per event), with the declared
// columns, a 0/1 label, ids that are not empty and a history of at most
// max_len items.
func FuzzLogReader(f *testing.F) {
	f.Add([]byte(handLog), false, uint8(1), false)
	f.Add([]byte("user_id,item_id,time,cate_id\nu,a,1,x\nu,b,2,y\nv,a,1,x\nv,c,5,z\n"), true, uint8(2), false)
	f.Add([]byte("user_id,item_id,time\nu,a,1\nu,b,x\nu,a|b,3\n"), true, uint8(3), true)
	f.Add([]byte("1 2\n1 2\n1 2\n"), false, uint8(0), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, log []byte, eventLog bool, part uint8, skip bool) {
		format, name := "sasrec", "log.txt"
		if eventLog {
			format, name = "amazon-electronics", "log.csv"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, log, 0o644); err != nil {
			t.Fatal(err)
		}
		lines := bytes.Count(log, []byte{'\n'}) + 1
		// A sasrec line may hold many events; no event is shorter than
		// two bytes with its separator.
		events := len(log)/2 + 1
		spec := format + "?path=" + p + "&max_len=3&part=" + partNames[int(part)%len(partNames)]
		located := func(err error) {
			t.Helper()
			var pe *data.ParseError
			var re *data.ReadError
			switch {
			case errors.As(err, &pe):
				if pe.File != p || pe.Line > lines {
					t.Fatalf("error %q located outside the %d lines of %s", err, lines, p)
				}
			case errors.As(err, &re):
				if re.File != p || re.Line > lines+1 {
					t.Fatalf("error %q located outside the %d lines of %s", err, lines, p)
				}
			case !strings.Contains(err.Error(), p):
				t.Fatalf("error %q names neither a line nor the log %s", err, p)
			}
		}
		r, err := Open(spec, data.ReadOptions{SkipBad: skip, MaxLineBytes: 256})
		if err != nil {
			located(err)
			return
		}
		defer r.Close()
		cols := r.Columns()
		var rec data.Record
		for calls := 1; ; calls++ {
			if calls > 2*events+2 {
				t.Fatalf("%d samples from a log of %d bytes", calls, len(log))
			}
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				located(err)
				break
			}
			if len(rec.Cols) != len(cols) || rec.File != p {
				t.Fatalf("record of %d columns from %s, want %d from %s", len(rec.Cols), rec.File, len(cols), p)
			}
			if l := string(rec.Cols[0]); l != "0" && l != "1" {
				t.Fatalf("label %q", l)
			}
			if len(rec.Cols[1]) == 0 || len(rec.Cols[2]) == 0 {
				t.Fatalf("empty user or item in %q", rec.Cols)
			}
			for c, name := range cols {
				if strings.HasPrefix(name, "hist_") && len(rec.Cols[c]) > 0 && bytes.Count(rec.Cols[c], []byte{'|'}) >= 3 {
					t.Fatalf("%s %q is longer than max_len 3", name, rec.Cols[c])
				}
			}
		}
		if !skip && r.Skipped() != 0 {
			t.Fatalf("%d rows skipped without SkipBad", r.Skipped())
		}
	})
}
