package feature

import (
	"errors"
	"fmt"
	"math"
)

// Validate reports every problem of s at once (joined), each naming the
// field: unknown types or options, duplicate names, options that do not
// apply to the field's type or contradict each other, and shared tables
// whose members disagree.
func (s *Schema) Validate() error {
	var errs []error
	bad := func(i int, f *Field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("schema: field %d (%q): %s", i+1, f.Name, fmt.Sprintf(format, args...)))
	}
	if len(s.Fields) == 0 {
		return errors.New("schema: no fields")
	}
	if s.EmbeddingDim < 0 {
		errs = append(errs, fmt.Errorf("schema: embedding_dim %d is negative", s.EmbeddingDim))
	}
	seen := map[string]int{}
	labels, groups := 0, 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Name == "" {
			bad(i, f, "name is empty")
		} else if j, dup := seen[f.Name]; dup {
			bad(i, f, "duplicate name (also field %d)", j+1)
		} else {
			seen[f.Name] = i
		}
		switch f.Type {
		case Categorical, Numeric, Sequence, Label, Group:
		case "":
			bad(i, f, "type is missing (categorical, numeric, sequence, label or group)")
			continue
		default:
			bad(i, f, "unknown type %q (want categorical, numeric, sequence, label or group)", f.Type)
			continue
		}
		switch f.Source {
		case "", User, Item, Context:
		default:
			bad(i, f, "unknown source %q (want user, item or context)", f.Source)
		}
		if f.Type == Label {
			labels++
		}
		if f.Type == Group {
			groups++
		}
		// Options that only some types take.
		switch f.Normalizer {
		case "", None, Log1p, Standardize, MinMax, CriteoLog2:
		default:
			bad(i, f, "unknown normalizer %q (want none, log1p, standardize, minmax or criteo_log2)", f.Normalizer)
		}
		if f.Normalizer != "" && f.Type != Numeric {
			bad(i, f, "normalizer applies to numeric fields only, not %s", f.Type)
		}
		table := f.hasTable()
		if !table {
			for _, o := range []struct {
				name string
				set  bool
			}{
				{"min_count", f.MinCount != 0}, {"oov_buckets", f.OOVBuckets != 0},
				{"hash_buckets", f.HashBuckets != 0}, {"share", f.Share != ""},
			} {
				if o.set {
					bad(i, f, "%s applies to categorical, sequence and criteo_log2 numeric fields only", o.name)
				}
			}
		}
		if f.EmbeddingDim != 0 && (f.Type == Label || f.Type == Group) {
			bad(i, f, "embedding_dim does not apply to a %s field", f.Type)
		}
		if f.EmbeddingDim < 0 {
			bad(i, f, "embedding_dim %d is negative", f.EmbeddingDim)
		}
		if f.MinCount < 0 {
			bad(i, f, "min_count %d is negative", f.MinCount)
		}
		if f.OOVBuckets < 0 {
			bad(i, f, "oov_buckets %d is negative", f.OOVBuckets)
		}
		if f.HashBuckets < 0 {
			bad(i, f, "hash_buckets %d is negative", f.HashBuckets)
		}
		if f.HashBuckets > 1<<30 {
			bad(i, f, "hash_buckets %d exceeds 2^30", f.HashBuckets)
		}
		if f.HashBuckets > 0 && f.MinCount != 0 {
			bad(i, f, "hash_buckets and min_count are both set: a hashed field has no vocabulary to count")
		}
		if f.HashBuckets > 0 && f.OOVBuckets != 0 {
			bad(i, f, "hash_buckets and oov_buckets are both set: a hashed field has no out-of-vocabulary values")
		}
		if f.Type != Sequence {
			if f.MaxLen != 0 || f.Separator != "" || f.Padding != "" || f.Truncate != "" {
				bad(i, f, "max_len, separator, padding and truncate apply to sequence fields only")
			}
		} else {
			if f.MaxLen < 1 {
				bad(i, f, "a sequence needs max_len ≥ 1, got %d", f.MaxLen)
			}
			if f.MaxLen > 1<<16 {
				bad(i, f, "max_len %d exceeds 65536", f.MaxLen)
			}
			if f.Separator != "" && len(f.Separator) != 1 {
				bad(i, f, "separator %q must be exactly one byte", f.Separator)
			}
			switch f.Padding {
			case "", PadEnd, PadStart:
			default:
				bad(i, f, "unknown padding %q (want end or start)", f.Padding)
			}
			switch f.Truncate {
			case "", KeepLast, KeepFirst:
			default:
				bad(i, f, "unknown truncate %q (want keep_last or keep_first)", f.Truncate)
			}
		}
		if f.Fill != 0 && (f.Type != Numeric || f.bucketized()) {
			bad(i, f, "fill applies to numeric fields that are not bucketized")
		}
		switch f.Missing {
		case "":
		case MissingValue, MissingOOV, MissingPad:
			if !table && f.Type != Group {
				bad(i, f, "missing: %s applies to categorical, sequence and bucketized fields, not %s", f.Missing, f.Type)
			} else if f.Type == Group && f.Missing != MissingValue {
				bad(i, f, "missing: %s does not apply to a group field (want value or error)", f.Missing)
			} else if f.Missing == MissingOOV && f.HashBuckets > 0 {
				bad(i, f, "missing: oov on a hashed field, which has no OOV id")
			}
		case MissingFill, MissingMean:
			if f.Type != Numeric || f.bucketized() {
				bad(i, f, "missing: %s applies to numeric fields that are not bucketized", f.Missing)
			}
		case MissingError:
		default:
			bad(i, f, "unknown missing policy %q (want value, oov, pad, fill, mean or error)", f.Missing)
		}
		if f.Type == Label && f.Missing != "" && f.Missing != MissingError {
			bad(i, f, "a missing label is always an error")
		}
		if f.Type != Label && (f.ClickAbove != nil || f.Positive != nil) {
			bad(i, f, "click_above and positive apply to label fields only, not %s", f.Type)
		}
		if f.ClickAbove != nil && f.Positive != nil {
			bad(i, f, "click_above and positive are both set: a label is binarized either by threshold or by value, not both")
		}
		if f.ClickAbove != nil && (math.IsNaN(*f.ClickAbove) || math.IsInf(*f.ClickAbove, 0)) {
			bad(i, f, "click_above %v is not a finite number", *f.ClickAbove)
		}
		if f.Positive != nil && len(f.Positive) == 0 {
			bad(i, f, "positive lists no value: list the raw label values that mean 1, or leave it out")
		}
		for k, p := range f.Positive {
			if p == "" {
				bad(i, f, "positive value %d is empty: a missing label is an error, never a value", k+1)
			}
		}
	}
	if labels > 1 {
		errs = append(errs, fmt.Errorf("schema: %d label fields, want at most one", labels))
	}
	if groups > 1 {
		errs = append(errs, fmt.Errorf("schema: %d group fields, want at most one", groups))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return s.validateShares()
}

// validateShares checks that the fields of a shared table agree on
// everything that shapes the table, and that no table name is claimed both
// by a share and by a field of another table.
func (s *Schema) validateShares() error {
	d := s.withDefaults()
	var errs []error
	first := map[string]*Field{}
	for i := range d.Fields {
		f := &d.Fields[i]
		if !f.hasTable() {
			continue
		}
		t := f.table()
		g, ok := first[t]
		if !ok {
			first[t] = f
			continue
		}
		if f.Share == "" || g.Share == "" {
			errs = append(errs, fmt.Errorf("schema: field %q: table name %q is used both by field %q and as a share name", f.Name, t, g.Name))
			continue
		}
		if f.MinCount != g.MinCount || f.OOVBuckets != g.OOVBuckets || f.HashBuckets != g.HashBuckets || f.EmbeddingDim != g.EmbeddingDim {
			errs = append(errs, fmt.Errorf("schema: field %q shares %q with %q but their min_count, oov_buckets, hash_buckets or embedding_dim differ", f.Name, t, g.Name))
		}
		if f.bucketized() != g.bucketized() {
			errs = append(errs, fmt.Errorf("schema: field %q shares %q with %q, but only one of them is a bucketized numeric", f.Name, t, g.Name))
		}
	}
	return errors.Join(errs...)
}
