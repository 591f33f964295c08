package feature

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// FormatVersion is the version of the encoders' serialized form. Version
// 2 added the label options click_above and positive; a build that reads
// only version 1 would drop them silently, so it must refuse instead.
// Version 1 encoders read as ever.
const FormatVersion = 2

// Encoders are the fitted state of a schema: its vocabularies and numeric
// statistics, and the id layout they imply. They serialize to JSON (see
// MarshalJSON) and round-trip exactly, so the model artifact carries them
// and serving encodes rows with the very code training used.
type Encoders struct {
	schema Schema // with defaults
	vocabs map[string]*Vocab
	stats  map[string]NumericStats
	tables []Table
	rows   int32
	slots  []string
	seqs   []SeqSlot
	// seqTotal is the length of Example.Seq.
	seqTotal int
	// per field: its table index (or -1), its slot or sequence index (or -1)
	fieldTable []int
	fieldSlot  []int
}

// Table is one embedding table's id range in the global id space.
type Table struct {
	// Name is the share name, or the field's name when not shared.
	Name string
	// Offset is the table's first global id; ids [Offset, Offset+Size)
	// are its own.
	Offset, Size int32
	// OOV is the number of out-of-vocabulary ids at the start of the
	// range (0 for hashed and plain numeric fields).
	OOV int32
	// Dim is the embedding width.
	Dim int
	// Fields are the fields reading it.
	Fields []string
}

// SeqSlot describes one sequence of an Example.
type SeqSlot struct {
	// Field is the sequence field's name.
	Field string
	// Offset is where its ids start in Example.Seq; it has MaxLen of them.
	Offset, MaxLen int
	// Padding is the side its padding is on: with PadEnd (the default) a
	// sequence of length n holds its ids at positions [0, n), with
	// PadStart at [MaxLen−n, MaxLen).
	Padding Padding
}

// Start returns the position of the first real id of a sequence of length
// n (see Padding).
func (q SeqSlot) Start(n int) int {
	if q.Padding == PadStart {
		return q.MaxLen - n
	}
	return 0
}

// NewEncoders assembles encoders from a schema and its fitted state: a
// vocabulary per non-hashed table (keyed by table name) and statistics per
// numeric field that needs them. Fitter.Encoders calls it; so can code that
// builds vocabularies by other means.
func NewEncoders(s *Schema, vocabs map[string]*Vocab, stats map[string]NumericStats) (*Encoders, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	e := &Encoders{schema: s.withDefaults(), vocabs: map[string]*Vocab{}, stats: map[string]NumericStats{}}
	d := &e.schema
	byTable := map[string]int{}
	next := int64(1) // id 0 is padding
	for i := range d.Fields {
		f := &d.Fields[i]
		ti, slot := -1, -1
		switch {
		case f.hasTable():
			t := f.table()
			k, ok := byTable[t]
			if !ok {
				tb := Table{Name: t, Offset: int32(next), Dim: f.EmbeddingDim}
				if f.HashBuckets > 0 {
					tb.Size = int32(f.HashBuckets)
				} else {
					v := vocabs[t]
					if v == nil {
						return nil, fmt.Errorf("feature: no vocabulary for table %q (field %q)", t, f.Name)
					}
					if v.index == nil {
						if err := v.init(); err != nil {
							return nil, fmt.Errorf("feature: table %q: %w", t, err)
						}
					}
					e.vocabs[t] = v
					tb.OOV = int32(f.OOVBuckets)
					tb.Size = int32(f.OOVBuckets + v.Len())
				}
				next += int64(tb.Size)
				k = len(e.tables)
				byTable[t] = k
				e.tables = append(e.tables, tb)
			}
			e.tables[k].Fields = append(e.tables[k].Fields, f.Name)
			ti = k
		case f.Type == Numeric:
			e.tables = append(e.tables, Table{Name: f.Name, Offset: int32(next), Size: 1, Dim: f.EmbeddingDim, Fields: []string{f.Name}})
			ti = len(e.tables) - 1
			next++
			st, ok := stats[f.Name]
			if !ok && (f.Normalizer == Standardize || f.Normalizer == MinMax || f.Missing == MissingMean) {
				return nil, fmt.Errorf("feature: no statistics for numeric field %q (normalizer %s, missing %s)", f.Name, f.Normalizer, f.Missing)
			}
			if ok {
				for _, x := range []float64{st.Mean, st.Std, st.Min, st.Max} {
					if math.IsNaN(x) || math.IsInf(x, 0) {
						return nil, fmt.Errorf("feature: statistics of field %q are not finite", f.Name)
					}
				}
				e.stats[f.Name] = st
			}
		}
		if next > math.MaxInt32 {
			return nil, fmt.Errorf("feature: more than 2^31-1 ids in all")
		}
		switch f.Type {
		case Categorical, Numeric:
			slot = len(e.slots)
			e.slots = append(e.slots, f.Name)
		case Sequence:
			off := 0
			if n := len(e.seqs); n > 0 {
				off = e.seqs[n-1].Offset + e.seqs[n-1].MaxLen
			}
			slot = len(e.seqs)
			e.seqs = append(e.seqs, SeqSlot{Field: f.Name, Offset: off, MaxLen: f.MaxLen, Padding: f.Padding})
			e.seqTotal = off + f.MaxLen
		}
		e.fieldTable = append(e.fieldTable, ti)
		e.fieldSlot = append(e.fieldSlot, slot)
	}
	for name := range vocabs {
		if _, ok := e.vocabs[name]; !ok {
			return nil, fmt.Errorf("feature: vocabulary %q belongs to no vocabulary table of the schema", name)
		}
	}
	for name := range stats {
		if _, ok := e.stats[name]; !ok {
			return nil, fmt.Errorf("feature: statistics %q belong to no plain numeric field of the schema", name)
		}
	}
	e.rows = int32(next)
	return e, nil
}

// Schema returns the schema with every default made explicit.
func (e *Encoders) Schema() Schema { return e.schema }

// Vocab returns the vocabulary of table name, or nil.
func (e *Encoders) Vocab(name string) *Vocab { return e.vocabs[name] }

// Stats returns the statistics of numeric field name.
func (e *Encoders) Stats(name string) (NumericStats, bool) {
	s, ok := e.stats[name]
	return s, ok
}

// Rows is the size of the global id space, padding id 0 included: the row
// count of one table holding every embedding.
func (e *Encoders) Rows() int { return int(e.rows) }

// Tables lists the id ranges in schema order (a copy).
func (e *Encoders) Tables() []Table { return slices.Clone(e.tables) }

// Slots names the fields of Example.IDs and Example.Values, in order: the
// categorical and numeric fields in schema order.
func (e *Encoders) Slots() []string { return slices.Clone(e.slots) }

// ValueSlots lists, ascending, the slots whose Example.Values vary: those
// of the plain numeric fields, which carry their normalized number. Every
// other slot's value is always 1 (a categorical, or a bucketized numeric
// whose bucket is its id), so a store of encoded examples keeps the values
// of these slots alone.
func (e *Encoders) ValueSlots() []int {
	var out []int
	for i := range e.schema.Fields {
		f := &e.schema.Fields[i]
		if s := e.fieldSlot[i]; s >= 0 && f.Type == Numeric && !f.hasTable() {
			out = append(out, s)
		}
	}
	return out
}

// Sequences lists the sequences of Example.Seq, in schema order.
func (e *Encoders) Sequences() []SeqSlot { return slices.Clone(e.seqs) }

// encodersJSON is the serialized form: version, schema with defaults,
// vocabularies by table name and statistics by field name. encoding/json
// writes map keys sorted, so equal encoders serialize to equal bytes.
type encodersJSON struct {
	Version int                     `json:"version"`
	Schema  Schema                  `json:"schema"`
	Vocabs  map[string]*Vocab       `json:"vocabs"`
	Stats   map[string]NumericStats `json:"stats"`
}

// MarshalJSON serializes the encoders.
func (e *Encoders) MarshalJSON() ([]byte, error) {
	return json.Marshal(encodersJSON{Version: FormatVersion, Schema: e.schema, Vocabs: e.vocabs, Stats: e.stats})
}

// UnmarshalJSON restores encoders and checks them against their schema.
func (e *Encoders) UnmarshalJSON(b []byte) error {
	var in encodersJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("feature: encoders: %w", err)
	}
	if in.Version < 1 || in.Version > FormatVersion {
		return fmt.Errorf("feature: encoders format version %d, this build reads versions 1 to %d", in.Version, FormatVersion)
	}
	for name, v := range in.Vocabs {
		if v == nil {
			return fmt.Errorf("feature: encoders: vocabulary %q is null", name)
		}
	}
	ne, err := NewEncoders(&in.Schema, in.Vocabs, in.Stats)
	if err != nil {
		return err
	}
	*e = *ne
	return nil
}
