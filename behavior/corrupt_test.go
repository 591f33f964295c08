package behavior

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/internal/corruptgz"
)

// A behaviour source whose log is a broken gzip file fails under SkipBad
// with the data package's *data.ReadError naming the log (or, for a
// flipped bit that decodes to garbage, the log's own error on a garbage
// row), rather than spinning over the break as over a bad row, as it did.
func TestCorruptGzipLog(t *testing.T) {
	const n = 4000
	var seq, events, ratings strings.Builder
	events.WriteString("user_id,item_id,time,cate_id\n")
	for k := range n {
		u, it := k/20, (k*7919)%5003
		fmt.Fprintf(&seq, "%d %d\n", u, it)
		fmt.Fprintf(&events, "u%d,i%d,%d,c%d\n", u, it, 1e9+k*37, it%17)
		fmt.Fprintf(&ratings, "%d\t%d\t%d\t%d\n", 1+k%3, 1+(k*7)%3, 1+(k*13)%5, 880000000+k*97)
	}
	ml := t.TempDir()
	items := ""
	for i := 1; i <= 3; i++ {
		items += fmt.Sprintf("%d|Film %d (1995)|01-Jan-1995||http://x|0|1%s\n", i, i, strings.Repeat("|0", 17))
	}
	for name, c := range map[string]string{"u.user": "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n", "u.item": items} {
		if err := os.WriteFile(filepath.Join(ml, name), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ format, dir, name, content string }{
		{"sasrec", t.TempDir(), "Video.txt.gz", seq.String()},
		{"amazon-electronics", t.TempDir(), "events.csv.gz", events.String()},
		{"movielens", ml, "u1.base.gz", ratings.String()},
	} {
		p := filepath.Join(c.dir, c.name)
		for _, k := range corruptgz.Kinds {
			if err := os.WriteFile(p, corruptgz.Make([]byte(c.content), k), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run(c.format+"/"+k.String(), func(t *testing.T) {
				err := readWithin(t, 20*time.Second, c.format+"?path="+p+"&part=train")
				var re *data.ReadError
				var pe *data.ParseError
				switch {
				case errors.As(err, &re) && re.File == p && re.Line >= 1 && strings.Contains(err.Error(), "gzip"):
				case k == corruptgz.BitFlipped && errors.As(err, &pe) && pe.File == p && pe.Line >= 1:
					// The flip decoded to rows the log itself rejects.
				default:
					t.Fatalf("got %v (%T), want a *data.ReadError in %s", err, err, p)
				}
			})
		}
	}
}

// readWithin opens the behaviour spec under SkipBad and reads it whole,
// returning the error that ended the read; it fails the test if that takes
// longer than d.
func readWithin(t *testing.T, d time.Duration, spec string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		r, err := Open(spec, data.ReadOptions{SkipBad: true})
		if err != nil {
			done <- err
			return
		}
		defer r.Close()
		var rec data.Record
		for {
			if err := r.Next(&rec); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("reading %s did not end within %v", spec, d)
		return nil
	}
}
