package feature

import (
	"strings"
	"testing"
)

// SeqSlot records its field's padding side, and Start finds where an
// encoded sequence's real ids are: the same ids, in the same order, for
// both sides, and zeros around them.
func TestSeqSlotPadding(t *testing.T) {
	var got [2][]int32
	for k, pad := range []string{"end", "start"} {
		s, err := ParseSchema([]byte(strings.ReplaceAll(`
fields:
  - {name: y, type: label}
  - {name: h, type: sequence, max_len: 5, padding: PAD}
`, "PAD", pad)))
		if err != nil {
			t.Fatal(err)
		}
		ft, err := NewFitter(s, []string{"y", "h"})
		if err != nil {
			t.Fatal(err)
		}
		if err := ft.Observe([][]byte{[]byte("1"), []byte("a|b|c")}); err != nil {
			t.Fatal(err)
		}
		enc, err := ft.Encoders()
		if err != nil {
			t.Fatal(err)
		}
		q := enc.Sequences()[0]
		if string(q.Padding) != pad {
			t.Fatalf("padding %q, want %q", q.Padding, pad)
		}
		re, err := enc.Bind([]string{"y", "h"})
		if err != nil {
			t.Fatal(err)
		}
		ex := enc.NewExample()
		if err := re.Encode([][]byte{[]byte("1"), []byte("c|a")}, ex); err != nil {
			t.Fatal(err)
		}
		n := int(ex.SeqLens[0])
		st := q.Start(n)
		if want := map[string]int{"end": 0, "start": 3}[pad]; st != want {
			t.Errorf("%s: start %d, want %d", pad, st, want)
		}
		for p, id := range ex.Seq[q.Offset : q.Offset+q.MaxLen] {
			if real := p >= st && p < st+n; real != (id != 0) {
				t.Errorf("%s: position %d holds id %d", pad, p, id)
			}
		}
		got[k] = ex.Seq[q.Offset+st : q.Offset+st+n]
	}
	if len(got[0]) != 2 || got[0][0] != got[1][0] || got[0][1] != got[1][1] {
		t.Errorf("real ids %v (end) and %v (start)", got[0], got[1])
	}
}
