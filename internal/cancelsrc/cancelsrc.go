// Package cancelsrc registers, for tests, the data reader "cancel-after":
// it serves another source's records and cancels a context after a given
// number of them, so that a test can cancel a long read at a known record
// and count how many more records the reader was asked for before the
// read stopped. Import it from tests only.
package cancelsrc

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/recforge/recforge/data"
)

// source is one registered spec.
type source struct {
	inner  string
	n      int
	cancel func()
	mu     sync.Mutex
	after  int // records asked for after the cancel
}

var (
	mu      sync.Mutex
	sources []*source
)

func init() {
	data.Register("cancel-after", open, true)
}

// New returns a spec, "cancel-after:ID", whose reader serves the records
// of the spec inner and calls cancel once it has served n of them, and a
// function reporting how many records were asked for after that (every
// reader opened on the spec counts).
func New(inner string, n int, cancel func()) (spec string, after func() int) {
	mu.Lock()
	defer mu.Unlock()
	s := &source{inner: inner, n: n, cancel: cancel}
	sources = append(sources, s)
	return "cancel-after:" + strconv.Itoa(len(sources)-1), func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.after
	}
}

func open(path string, opts data.ReadOptions) (data.Reader, error) {
	id, err := strconv.Atoi(path)
	mu.Lock()
	defer mu.Unlock()
	if err != nil || id < 0 || id >= len(sources) {
		return nil, fmt.Errorf("cancel-after:%s: no such source (make one with cancelsrc.New)", path)
	}
	s := sources[id]
	r, err := data.Open(s.inner, opts)
	if err != nil {
		return nil, err
	}
	return &reader{Reader: r, s: s}, nil
}

// reader counts its records and cancels at the source's n-th.
type reader struct {
	data.Reader
	s    *source
	read int
}

func (r *reader) Next(rec *data.Record) error {
	r.read++
	switch {
	case r.read == r.s.n+1:
		r.s.cancel()
		fallthrough
	case r.read > r.s.n+1:
		r.s.mu.Lock()
		r.s.after++
		r.s.mu.Unlock()
	}
	return r.Reader.Next(rec)
}
