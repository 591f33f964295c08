package feature

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// Example is one encoded record, in buffers the caller owns and reuses:
// make it with Encoders.NewExample and pass it to RowEncoder.Encode.
type Example struct {
	// Label is the label's value; HasLabel is false when the encoder was
	// bound without the label column.
	Label    float32
	HasLabel bool
	// Group is Hash(seed, group value) of the group field (0 when none).
	Group uint64
	// IDs holds one global id per slot (Encoders.Slots); Values the
	// matching value: 1 for a categorical, the normalized number for a
	// numeric. A padded (missing) categorical has id 0.
	IDs    []int32
	Values []float32
	// Seq holds every sequence's MaxLen ids back to back
	// (Encoders.Sequences), padded with 0; SeqLens the real lengths.
	Seq     []int32
	SeqLens []int32
}

// NewExample returns an Example with buffers sized for e.
func (e *Encoders) NewExample() *Example {
	return &Example{
		IDs: make([]int32, len(e.slots)), Values: make([]float32, len(e.slots)),
		Seq: make([]int32, e.seqTotal), SeqLens: make([]int32, len(e.seqs)),
	}
}

// opKind is the encoding step of one field.
type opKind uint8

const (
	opVocab opKind = iota
	opHash
	opBucket
	opNumeric
	opSequence
	opLabel
	opGroup
)

// op is one field's precomputed encoding step.
type op struct {
	kind   opKind
	col    int // -1: absent (serving without label or group)
	f      *Field
	slot   int // IDs index, or sequence index
	seqOff int
	offset int32 // table's first id
	oov    int32
	hashN  uint64
	vocab  *tokenIndex
	// numeric: out = (norm(v) - shift) * scale; fill is the raw missing value
	shift, scale float64
	fill         float64
	sep          byte
	// dense maps bucket b of a bucketized field to its local id
	// dense[b-denseLo] (-1: not in the vocabulary), sparing the token
	// formatting and map lookup; nil when the buckets span too far.
	dense   []int32
	denseLo int64
}

// maxDenseSpan bounds the bucket range a dense bucket table covers.
const maxDenseSpan = 1 << 16

// denseBuckets builds op.dense from a bucketized field's vocabulary.
func (o *op) denseBuckets(v *Vocab) {
	lo, hi, found := int64(0), int64(0), false
	for _, t := range v.Tokens {
		if t == "" {
			continue
		}
		b, err := strconv.ParseInt(t, 10, 64)
		if err != nil || strconv.FormatInt(b, 10) != t {
			return // a token that bucketToken cannot produce: keep the map
		}
		if !found || b < lo {
			lo = b
		}
		if !found || b > hi {
			hi = b
		}
		found = true
	}
	if !found || hi-lo >= maxDenseSpan {
		return
	}
	o.dense, o.denseLo = make([]int32, hi-lo+1), lo
	for i := range o.dense {
		o.dense[i] = -1
	}
	for id, t := range v.Tokens {
		if b, err := strconv.ParseInt(t, 10, 64); err == nil {
			o.dense[b-lo] = int32(id)
		}
	}
}

// RowEncoder encodes records whose columns come in one order. It is
// read-only once built: several goroutines may share it, each with its own
// Example.
type RowEncoder struct {
	e     *Encoders
	ops   []op
	ncols int
}

// Bind returns an encoder for records with these columns, in order. Every
// field's column must be present.
func (e *Encoders) Bind(columns []string) (*RowEncoder, error) {
	return e.bind(columns, nil)
}

// BindFeatures is Bind for serving: the label and group columns may be
// absent, leaving Example.HasLabel false and Example.Group 0.
func (e *Encoders) BindFeatures(columns []string) (*RowEncoder, error) {
	return e.bind(columns, func(f *Field) bool { return f.Type == Label || f.Type == Group })
}

func (e *Encoders) bind(columns []string, optional func(*Field) bool) (*RowEncoder, error) {
	cols, err := columnIndex(&e.schema, columns, optional)
	if err != nil {
		return nil, err
	}
	r := &RowEncoder{e: e, ncols: len(columns)}
	for i := range e.schema.Fields {
		f := &e.schema.Fields[i]
		o := op{col: cols[i], f: f, slot: e.fieldSlot[i], scale: 1}
		if t := e.fieldTable[i]; t >= 0 {
			o.offset, o.oov = e.tables[t].Offset, e.tables[t].OOV
			if v := e.vocabs[e.tables[t].Name]; v != nil {
				o.vocab = v.index
			}
		}
		o.hashN = uint64(f.HashBuckets)
		switch f.Type {
		case Label:
			o.kind = opLabel
		case Group:
			o.kind = opGroup
		case Sequence:
			o.kind = opSequence
			o.seqOff = e.seqs[o.slot].Offset
			o.sep = f.Separator[0]
		case Categorical:
			o.kind = opVocab
			if f.HashBuckets > 0 {
				o.kind = opHash
			}
		case Numeric:
			if f.bucketized() {
				o.kind = opBucket
				if f.HashBuckets > 0 {
					o.kind = opHash // hashes the bucket's token
				} else if v := e.vocabs[e.tables[e.fieldTable[i]].Name]; v != nil {
					o.denseBuckets(v)
				}
				break
			}
			o.kind = opNumeric
			st := e.stats[f.Name]
			switch f.Normalizer {
			case Standardize:
				o.shift = st.Mean
				if st.Std > 0 {
					o.scale = 1 / st.Std
				}
			case MinMax:
				o.shift = st.Min
				if st.Max > st.Min {
					o.scale = 1 / (st.Max - st.Min)
				} else {
					o.scale = 0 // a constant field carries no information
				}
			}
			o.fill = f.Fill
			if f.Missing == MissingMean {
				o.fill = st.Mean
			}
		}
		r.ops = append(r.ops, o)
	}
	return r, nil
}

// Encode encodes one record into ex, overwriting it. It allocates nothing
// unless it returns an error: a *ValueError naming the field, column and
// value, or an error for a wrong column count.
func (r *RowEncoder) Encode(cols [][]byte, ex *Example) error {
	if len(cols) != r.ncols {
		return fmt.Errorf("feature: record has %d columns, want %d", len(cols), r.ncols)
	}
	if len(ex.IDs) != len(r.e.slots) || len(ex.Values) != len(r.e.slots) || len(ex.SeqLens) != len(r.e.seqs) || len(ex.Seq) != r.e.seqTotal {
		return fmt.Errorf("feature: the Example's buffers do not fit these encoders; make it with NewExample")
	}
	ex.HasLabel, ex.Label, ex.Group = false, 0, 0
	var buf [24]byte
	for k := range r.ops {
		o := &r.ops[k]
		if o.col < 0 {
			continue
		}
		v := cols[o.col]
		f := o.f
		if len(v) == 0 && f.Missing == MissingError {
			return valueError(f, o.col, v, "a value is required")
		}
		switch o.kind {
		case opLabel:
			x, msg := labelOf(f, v)
			if msg != "" {
				return valueError(f, o.col, v, msg)
			}
			ex.Label, ex.HasLabel = float32(x), true
		case opGroup:
			ex.Group = Hash(r.e.schema.HashSeed, v)
		case opVocab:
			ex.IDs[o.slot], ex.Values[o.slot] = o.lookup(r.e.schema.HashSeed, v), 1
		case opHash:
			tok := v
			if f.bucketized() && len(v) > 0 {
				t, err := bucketOf(o, v, buf[:])
				if err != nil {
					return err
				}
				tok = t
			}
			id := o.offset + int32(Hash(r.e.schema.HashSeed, tok)%o.hashN)
			if len(v) == 0 && f.Missing == MissingPad {
				id = 0
			}
			ex.IDs[o.slot], ex.Values[o.slot] = id, 1
		case opBucket:
			if len(v) > 0 && o.dense != nil {
				x, ok := parseNumber(v)
				if !ok {
					return valueError(f, o.col, v, "expected a number")
				}
				b, ok := criteoBucket(x)
				if !ok {
					return valueError(f, o.col, v, "expected a number ≥ -2^62 to bucketize")
				}
				if k := uint64(b - o.denseLo); k < uint64(len(o.dense)) && o.dense[k] >= 0 {
					ex.IDs[o.slot], ex.Values[o.slot] = o.offset+o.oov+o.dense[k], 1
				} else {
					ex.IDs[o.slot], ex.Values[o.slot] = o.lookup(r.e.schema.HashSeed, bucketToken(buf[:], b)), 1
				}
				continue
			}
			tok := v
			if len(v) > 0 {
				t, err := bucketOf(o, v, buf[:])
				if err != nil {
					return err
				}
				tok = t
			}
			ex.IDs[o.slot], ex.Values[o.slot] = o.lookup(r.e.schema.HashSeed, tok), 1
		case opNumeric:
			x := o.fill
			if len(v) > 0 {
				var ok bool
				if x, ok = parseNumber(v); !ok {
					return valueError(f, o.col, v, "expected a number")
				}
			}
			if f.Normalizer == Log1p {
				x = math.Log1p(max(x, 0))
			}
			y := float32((x - o.shift) * o.scale)
			if math.IsInf(float64(y), 0) {
				return valueError(f, o.col, v, "expected a number within float32 range after normalization")
			}
			ex.IDs[o.slot], ex.Values[o.slot] = o.offset, y
		case opSequence:
			if err := r.encodeSequence(o, v, ex); err != nil {
				return err
			}
		}
	}
	return nil
}

// labelOf returns the value of the label field f for the non-empty raw
// value v: the number itself, or 0/1 under ClickAbove or Positive. msg
// says what was expected when v is not a label.
func labelOf(f *Field, v []byte) (y float64, msg string) {
	if f.Positive != nil {
		for _, p := range f.Positive {
			if string(v) == p { // compares without allocating
				return 1, ""
			}
		}
		return 0, ""
	}
	x, ok := parseNumber(v)
	if !ok {
		return 0, "expected a numeric label"
	}
	if f.ClickAbove != nil {
		if x > *f.ClickAbove {
			return 1, ""
		}
		return 0, ""
	}
	return x, ""
}

// bucketOf parses v and writes its criteo_log2 bucket token into buf.
func bucketOf(o *op, v []byte, buf []byte) ([]byte, error) {
	x, ok := parseNumber(v)
	if !ok {
		return nil, valueError(o.f, o.col, v, "expected a number")
	}
	b, ok := criteoBucket(x)
	if !ok {
		return nil, valueError(o.f, o.col, v, "expected a number ≥ -2^62 to bucketize")
	}
	return bucketToken(buf, b), nil
}

// lookup maps one categorical value (already known to be non-missing, or
// missing under MissingValue) to its global id; unseen values get an OOV
// id, spread by hash over several OOV buckets.
func (o *op) lookup(seed uint64, v []byte) int32 {
	if len(v) == 0 && o.f.Missing != MissingValue {
		return o.missingID(seed)
	}
	if o.kind == opSequence || o.kind == opVocab || o.kind == opBucket {
		if o.vocab == nil { // hashed sequence
			return o.offset + int32(Hash(seed, v)%o.hashN)
		}
		if id, ok := o.vocab.get(v); ok {
			return o.offset + o.oov + id
		}
	}
	if o.oov == 1 {
		return o.offset
	}
	return o.offset + int32(Hash(seed, v)%uint64(o.oov))
}

// missingID is the id of a missing categorical under MissingOOV or
// MissingPad (MissingValue looks the empty value up instead).
func (o *op) missingID(seed uint64) int32 {
	switch o.f.Missing {
	case MissingPad:
		return 0
	case MissingOOV:
		return o.offset // the first OOV id
	}
	if id, ok := o.vocab.get(nil); ok {
		return o.offset + o.oov + id
	}
	return o.offset // "" was rarer than min_count: OOV
}

// encodeSequence splits v, keeps MaxLen elements (the last or the first),
// maps them to ids and pads the rest with 0 on the chosen side.
func (r *RowEncoder) encodeSequence(o *op, v []byte, ex *Example) error {
	f := o.f
	out := ex.Seq[o.seqOff : o.seqOff+f.MaxLen]
	clear(out)
	if len(v) == 0 {
		ex.SeqLens[o.slot] = 0
		if f.Missing == MissingOOV {
			out[0] = o.offset
			ex.SeqLens[o.slot] = 1
		}
		return nil
	}
	if err := checkSequence(f, o.col, v); err != nil {
		return err
	}
	n := 1
	for _, c := range v {
		if c == o.sep {
			n++
		}
	}
	skip := 0
	if n > f.MaxLen && f.Truncate == KeepLast {
		skip = n - f.MaxLen
	}
	keep := min(n, f.MaxLen)
	pos := 0
	if f.Padding == PadStart {
		pos = f.MaxLen - keep
	}
	seed := r.e.schema.HashSeed
	k := 0
	for len(v) > 0 && k < skip+keep {
		e := v
		if j := bytes.IndexByte(v, o.sep); j >= 0 {
			e, v = v[:j], v[j+1:]
		} else {
			v = nil
		}
		if k >= skip {
			out[pos] = o.lookup(seed, e)
			pos++
		}
		k++
	}
	ex.SeqLens[o.slot] = int32(keep)
	return nil
}
