package feature

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// fuzzColumns and fuzzRows fit the encoders the fuzzer attacks: every kind
// of field, with several normalizers and missing policies.
var fuzzColumns = []string{"label", "n", "b", "c", "h", "s", "t", "g"}

func fuzzEncoders(t testing.TB) *Encoders {
	s := &Schema{HashSeed: 3, Fields: []Field{
		{Name: "label", Type: Label},
		{Name: "n", Type: Numeric, Normalizer: Standardize},
		{Name: "b", Type: Numeric, Normalizer: CriteoLog2, MinCount: 1},
		{Name: "c", Type: Categorical, OOVBuckets: 3},
		{Name: "h", Type: Categorical, HashBuckets: 17, Missing: MissingPad},
		{Name: "s", Type: Sequence, MaxLen: 3, Share: "items", Padding: PadStart},
		{Name: "t", Type: Categorical, Share: "items", Missing: MissingOOV},
		{Name: "g", Type: Group},
	}}
	return fit(t, s, fuzzColumns, [][]string{
		{"1", "1.5", "7", "a", "x", "p|q|r|s", "p", "u1"},
		{"0", "-3", "", "b", "", "q", "q", "u2"},
	})
}

// FuzzEncode feeds arbitrary tab-separated bytes to Encode: it must never
// panic, every error must name a field or the column count, and every
// success must give each id inside its field's table and finite values.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"1\t1.5\t7\ta\tx\tp|q|r|s\tp\tu1",
		"0\t\t\t\t\t\t\t",
		"x\t1\t1\ta\tb\tc\td\te",
		"1\t1e400\t-1e300\t\xff\t\x00\t||\t\tg",
		"1\t2\t3\t4\t5\tp|\t6\t7",
		"1\t2",
		"",
	} {
		f.Add([]byte(s))
	}
	e := fuzzEncoders(f)
	r, err := e.Bind(fuzzColumns)
	if err != nil {
		f.Fatal(err)
	}
	ex := e.NewExample()
	slots, seqs := e.SlotRanges(), e.SeqRanges()
	f.Fuzz(func(t *testing.T, line []byte) {
		rec := bytes.Split(line, []byte{'\t'})
		err := r.Encode(rec, ex)
		if err != nil {
			var ve *ValueError
			switch {
			case errors.As(err, &ve):
				if ve.Field == "" || ve.Column < 1 || ve.Column > len(fuzzColumns) || ve.Msg == "" {
					t.Fatalf("incomplete error %#v", ve)
				}
			case len(rec) != len(fuzzColumns) && strings.Contains(err.Error(), "columns"):
			default:
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(rec) != len(fuzzColumns) {
			t.Fatalf("%d columns accepted", len(rec))
		}
		// Each id lies in its own field's table (or is padding): what
		// the cache and batch checks hold data from outside to.
		if k := FirstOutside(ex.IDs, slots); k >= 0 {
			t.Fatalf("slot %d id %d outside %v", k, ex.IDs[k], slots[k])
		}
		if k := FirstOutside(ex.Seq, seqs); k >= 0 {
			t.Fatalf("sequence id %d at %d outside %v", ex.Seq[k], k, seqs[k])
		}
		for _, v := range ex.Values {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %v", v)
			}
		}
		if ex.SeqLens[0] < 0 || ex.SeqLens[0] > 3 || math.IsNaN(float64(ex.Label)) {
			t.Fatalf("seq len %d label %v", ex.SeqLens[0], ex.Label)
		}
	})
}

// FuzzParseSchema feeds arbitrary YAML to ParseSchema: it must never panic,
// and whatever it accepts must be valid enough to build encoders from.
func FuzzParseSchema(f *testing.F) {
	for _, s := range []string{
		"fields:\n  - name: a\n    type: categorical\n",
		"fields:\n  - {name: s, type: sequence, max_len: 3, share: t}\n  - {name: c, type: categorical, share: t}\n",
		"fields:\n  - name: a\n    type: numeric\n    normalizer: criteo_log2\n    min_count: 2\n",
		"fields: [{name: h, type: categorical, hash_buckets: 10}]",
		"fields:\n  - name: a\n    type: [1, 2]\n",
		"hash_seed: -1\nfields: []\n",
		"{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := ParseSchema(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		vocabs := map[string]*Vocab{}
		stats := map[string]NumericStats{}
		d := s.withDefaults()
		for i := range d.Fields {
			fd := &d.Fields[i]
			if fd.hasTable() && fd.HashBuckets == 0 {
				vocabs[fd.table()], _ = NewVocab([]string{"v"}, nil)
			}
			if fd.Type == Numeric && !fd.bucketized() {
				stats[fd.Name] = NumericStats{Count: 1, Mean: 1, Std: 1, Min: 0, Max: 2}
			}
		}
		e, err := NewEncoders(s, vocabs, stats)
		if err != nil {
			if strings.Contains(err.Error(), "2^31") {
				return // a valid schema whose hash buckets overflow the id space
			}
			t.Fatalf("accepted schema %q does not build: %v", src, err)
		}
		_ = e.NewExample()
	})
}
