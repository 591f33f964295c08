package feature

import "slices"

// Type is what a field holds.
type Type string

// Field types.
const (
	Categorical Type = "categorical" // one value, one id
	Numeric     Type = "numeric"     // a number; a categorical when bucketized
	Sequence    Type = "sequence"    // several values in one column (history, tags)
	Label       Type = "label"       // the target: a number, or binarized (see Field.ClickAbove, Field.Positive)
	Group       Type = "group"       // the grouping key of grouped metrics (gAUC)
)

// Source says which side of the interaction a field describes.
type Source string

// Field sources; an empty Source means Context.
const (
	User    Source = "user"
	Item    Source = "item"
	Context Source = "context"
)

// Normalizer transforms a numeric value.
type Normalizer string

// Numeric normalizers; an empty Normalizer means None.
const (
	None        Normalizer = "none"
	Log1p       Normalizer = "log1p"       // ln(1+max(v,0)): negatives clamp to 0
	Standardize Normalizer = "standardize" // (v-mean)/std with fitted statistics
	MinMax      Normalizer = "minmax"      // (v-min)/(max-min), not clamped
	CriteoLog2  Normalizer = "criteo_log2" // ⌊ln(v)²⌋ for v > 2, else ⌊v⌋: a categorical
)

// Missing says what an empty value becomes.
type Missing string

// Missing-value policies. The default is Value for categorical, sequence,
// group and bucketized numeric fields, and Fill for numeric fields; a
// missing label is always an error.
const (
	MissingValue Missing = "value" // the empty string is a value of its own (a sequence: empty)
	MissingOOV   Missing = "oov"   // the field's OOV id
	MissingPad   Missing = "pad"   // the padding id 0, which embeds to zero
	MissingFill  Missing = "fill"  // numeric: the raw value Fill
	MissingMean  Missing = "mean"  // numeric: the fitted mean
	MissingError Missing = "error" // an error naming the field
)

// Padding says on which side short sequences are padded.
type Padding string

// Sequence padding sides; the default is PadEnd (left-aligned), which
// recurrent layers expect.
const (
	PadEnd   Padding = "end"
	PadStart Padding = "start"
)

// Truncate says which elements an over-long sequence keeps.
type Truncate string

// Sequence truncation; the default is KeepLast, the most recent behaviours
// of a chronological history.
const (
	KeepLast  Truncate = "keep_last"
	KeepFirst Truncate = "keep_first"
)

// Field declares one model input (or the label, or the group key).
// Zero-valued options take their documented defaults.
type Field struct {
	// Name identifies the field; unique in its schema.
	Name string `yaml:"name" json:"name"`
	// Type is what the field holds.
	Type Type `yaml:"type" json:"type"`
	// Column is the source column's name; it defaults to Name.
	Column string `yaml:"column,omitempty" json:"column,omitempty"`
	// Source is user, item or context (the default).
	Source Source `yaml:"source,omitempty" json:"source,omitempty"`

	// MinCount is the fewest occurrences a value needs in the fitting data
	// to get its own id (default 1); rarer values map to OOV.
	MinCount int `yaml:"min_count,omitempty" json:"min_count,omitempty"`
	// OOVBuckets is the number of out-of-vocabulary ids (default 1); with
	// more, unseen values are spread over them by hash.
	OOVBuckets int `yaml:"oov_buckets,omitempty" json:"oov_buckets,omitempty"`
	// HashBuckets, when positive, hashes values into that many ids instead
	// of fitting a vocabulary.
	HashBuckets int `yaml:"hash_buckets,omitempty" json:"hash_buckets,omitempty"`
	// EmbeddingDim is the embedding width (default: the schema's).
	EmbeddingDim int `yaml:"embedding_dim,omitempty" json:"embedding_dim,omitempty"`
	// Share names an embedding table shared with other fields (history
	// items and the candidate item): they share one vocabulary and id range.
	Share string `yaml:"share,omitempty" json:"share,omitempty"`

	// Normalizer transforms a numeric field (default none).
	Normalizer Normalizer `yaml:"normalizer,omitempty" json:"normalizer,omitempty"`
	// Missing says what an empty value becomes.
	Missing Missing `yaml:"missing,omitempty" json:"missing,omitempty"`
	// Fill is the raw value of a missing numeric under MissingFill.
	Fill float64 `yaml:"fill,omitempty" json:"fill,omitempty"`

	// MaxLen is a sequence's length after padding or truncation (required).
	MaxLen int `yaml:"max_len,omitempty" json:"max_len,omitempty"`
	// Separator is the one-byte separator of sequence elements (default "|").
	Separator string `yaml:"separator,omitempty" json:"separator,omitempty"`
	// Padding is the side short sequences are padded on (default end).
	Padding Padding `yaml:"padding,omitempty" json:"padding,omitempty"`
	// Truncate is which elements long sequences keep (default keep_last).
	Truncate Truncate `yaml:"truncate,omitempty" json:"truncate,omitempty"`

	// ClickAbove, on a label, binarizes a numeric label: 1 when the value
	// is greater than ClickAbove, else 0 — "rating ≥ 4 is a click" is 3.5
	// on integer ratings, and 0 maps −1/+1 labels (and 0/1 ones) to 0/1.
	// A pointer, because 0 is a threshold of its own.
	ClickAbove *float64 `yaml:"click_above,omitempty" json:"click_above,omitempty"`
	// Positive, on a label, lists the raw values that mean 1; any other
	// value means 0, and the label need not be a number (">50K"). Values
	// compare as exact bytes. It excludes ClickAbove.
	Positive []string `yaml:"positive,omitempty" json:"positive,omitempty"`
}

// Schema is the declaration of a dataset's fields.
type Schema struct {
	// Name is informative.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// HashSeed seeds every hash of this schema (hashed fields, OOV
	// buckets, group keys).
	HashSeed uint64 `yaml:"hash_seed,omitempty" json:"hash_seed,omitempty"`
	// EmbeddingDim is the default embedding width (default 8).
	EmbeddingDim int `yaml:"embedding_dim,omitempty" json:"embedding_dim,omitempty"`
	// Fields are the fields, in the order examples lay them out.
	Fields []Field `yaml:"fields" json:"fields"`
}

// bucketized reports whether f is a numeric turned into a categorical.
func (f *Field) bucketized() bool { return f.Type == Numeric && f.Normalizer == CriteoLog2 }

// hasTable reports whether f's values are ids of an embedding table with
// a vocabulary or hash buckets (not a plain numeric's single id).
func (f *Field) hasTable() bool {
	return f.Type == Categorical || f.Type == Sequence || f.bucketized()
}

// table is the name of the embedding table f's ids index.
func (f *Field) table() string {
	if f.Share != "" {
		return f.Share
	}
	return f.Name
}

// withDefaults returns a copy of s with every defaulted option made
// explicit, so that fitted encoders record exactly what they did.
func (s Schema) withDefaults() Schema {
	out := s
	if out.EmbeddingDim == 0 {
		out.EmbeddingDim = 8
	}
	out.Fields = make([]Field, len(s.Fields))
	for i, f := range s.Fields {
		// The label options are a pointer and a slice: copy them so that
		// fitted encoders never alias the caller's schema.
		if f.ClickAbove != nil {
			x := *f.ClickAbove
			f.ClickAbove = &x
		}
		if f.Positive != nil {
			f.Positive = slices.Clone(f.Positive)
		}
		if f.Column == "" {
			f.Column = f.Name
		}
		if f.Source == "" {
			f.Source = Context
		}
		switch f.Type {
		case Categorical, Sequence, Numeric:
			if f.EmbeddingDim == 0 {
				f.EmbeddingDim = out.EmbeddingDim
			}
		}
		if f.Type == Numeric && f.Normalizer == "" {
			f.Normalizer = None
		}
		if f.hasTable() && f.HashBuckets == 0 {
			if f.MinCount == 0 {
				f.MinCount = 1
			}
			if f.OOVBuckets == 0 {
				f.OOVBuckets = 1
			}
		}
		if f.Missing == "" {
			switch {
			case f.Type == Label:
				f.Missing = MissingError
			case f.Type == Numeric && !f.bucketized():
				f.Missing = MissingFill
			default:
				f.Missing = MissingValue
			}
		}
		if f.Type == Sequence {
			if f.Separator == "" {
				f.Separator = "|"
			}
			if f.Padding == "" {
				f.Padding = PadEnd
			}
			if f.Truncate == "" {
				f.Truncate = KeepLast
			}
		}
		out.Fields[i] = f
	}
	return out
}
