package dataset

import (
	"slices"
	"strings"
	"testing"
)

// A pool grows by the new ids of each window of the open key, starts a
// segment for a new key or a window that does not touch the segment, and
// refuses a window that contradicts an earlier one.
func TestPoolSegments(t *testing.T) {
	p := &pool{field: "hist"}
	type step struct {
		key, end  int64
		win       []int32
		start     int64
		added     []int32
		wantError string
	}
	for i, s := range []step{
		{key: 1, end: 1, win: []int32{10}, start: 0, added: []int32{10}},
		{key: 1, end: 1, win: []int32{10}, start: 0},                                  // a negative's window again
		{key: 1, end: 3, win: []int32{10, 11, 12}, start: 0, added: []int32{11, 12}},  // grows by two
		{key: 1, end: 4, win: []int32{12, 13}, start: 2, added: []int32{13}},          // truncated window
		{key: 1, end: 2, win: []int32{11}, start: 1},                                  // an earlier window, inside
		{key: 2, end: 2, win: []int32{20, 21}, start: 4, added: []int32{20, 21}},      // new key
		{key: 2, end: 9, win: []int32{27, 28}, start: 6, added: []int32{27, 28}},      // a gap: new segment
		{key: 2, end: 10, win: []int32{28, 29}, start: 7, added: []int32{29}},         // extends it
		{key: 2, end: 0, win: nil, start: 9},                                          // empty
		{key: 2, end: 10, win: []int32{99, 29}, wantError: "disagrees at position 8"}, // contradiction
		{key: 3, end: 1, win: []int32{1, 2}, wantError: "cannot end at position 1"},
	} {
		start, added, err := p.add(s.key, s.end, s.win)
		if s.wantError != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantError) {
				t.Fatalf("step %d: got %v, want %q", i, err, s.wantError)
			}
			continue
		}
		if err != nil || start != s.start || !slices.Equal(added, s.added) {
			t.Fatalf("step %d: start %d, added %v, %v; want %d, %v", i, start, added, err, s.start, s.added)
		}
	}
	if p.n != 9 {
		t.Fatalf("pool of %d ids, want 9", p.n)
	}
}
