package data

import (
	"errors"
	"io"
	"testing"
)

// listReader yields lines 1..n, then err (io.EOF for a clean end).
type listReader struct {
	n, i int
	err  error
}

func (r *listReader) Columns() []string { return []string{"x"} }
func (r *listReader) Skipped() int64    { return 0 }
func (r *listReader) Close() error      { return nil }
func (r *listReader) Next(rec *Record) error {
	if r.i == r.n {
		return r.err
	}
	r.i++
	rec.Line = r.i
	return nil
}

func TestForEach(t *testing.T) {
	var lines []int
	if err := ForEach(&listReader{n: 3, err: io.EOF}, func(rec *Record) error {
		lines = append(lines, rec.Line)
		return nil
	}); err != nil || len(lines) != 3 || lines[2] != 3 {
		t.Fatalf("clean end: err %v, lines %v; want nil and [1 2 3]", err, lines)
	}
	bad := errors.New("disk gone")
	if err := ForEach(&listReader{n: 1, err: bad}, func(*Record) error { return nil }); err != bad {
		t.Fatalf("read error: got %v, want %v", err, bad)
	}
	stop := errors.New("stop")
	calls := 0
	if err := ForEach(&listReader{n: 5, err: io.EOF}, func(*Record) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatalf("fn error: got %v after %d calls, want %v after 1", err, calls, stop)
	}
}
