package feature

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Warm starts continue a model on new data: its encoders grow instead of
// being refitted. Every vocabulary keeps its tokens at their ids, so that
// a model's embedding row of an old value keeps its meaning, and appends
// the new values. The way to get there:
//
//	today := fit(GrowthSchema(s), new data)   // every value counted
//	grown, growth, err := old.Extend(s, today, opts)

// GrowthSchema returns a copy of s in which every vocabulary field counts
// every value (min_count 1): the schema to fit a warm start's new data
// with, so that Extend sees each value's count and applies s's own
// min_count itself.
func GrowthSchema(s *Schema) *Schema {
	out := *s
	out.Fields = slices.Clone(s.Fields)
	for i := range out.Fields {
		f := &out.Fields[i]
		if f.hasTable() && f.HashBuckets == 0 {
			f.MinCount = 1
		}
	}
	return &out
}

// ExtendOptions tune Extend.
type ExtendOptions struct {
	// RefitStats replaces the numeric statistics (standardize and minmax
	// normalizers, missing: mean) by the new data's; by default the old
	// ones are kept, so that a numeric input means what it meant.
	RefitStats bool
}

// Growth reports how one vocabulary table grew in Extend.
type Growth struct {
	// Table is the table's name.
	Table string
	// Old is its token count before, Added the tokens appended.
	Old, Added int
	// Rare counts the new values seen fewer than min_count times, which
	// stay out-of-vocabulary.
	Rare int
}

// CheckSchema reports whether s describes the same model inputs as e's
// schema: the same fields in the same order with the same options and the
// same hash seed. A field's column and its min_count may differ: they say
// where today's values are read and which new values enter a vocabulary,
// not what the model's ids mean. The error names the fields that differ.
func (e *Encoders) CheckSchema(s *Schema) error {
	if err := s.Validate(); err != nil {
		return err
	}
	d := s.withDefaults()
	old := e.schema
	var names, oldNames []string
	for _, f := range d.Fields {
		names = append(names, f.Name)
	}
	for _, f := range old.Fields {
		oldNames = append(oldNames, f.Name)
	}
	var added, removed []string
	for _, n := range names {
		if !slices.Contains(oldNames, n) {
			added = append(added, n)
		}
	}
	for _, n := range oldNames {
		if !slices.Contains(names, n) {
			removed = append(removed, n)
		}
	}
	if len(added)+len(removed) > 0 {
		var parts []string
		if len(added) > 0 {
			parts = append(parts, fmt.Sprintf("adds %s", quoteAll(added)))
		}
		if len(removed) > 0 {
			parts = append(parts, fmt.Sprintf("removes %s", quoteAll(removed)))
		}
		return fmt.Errorf("schema mismatch: the schema %s compared with the model's fields [%s]; a warm start keeps the model's inputs (train from scratch to change them)",
			strings.Join(parts, " and "), strings.Join(oldNames, " "))
	}
	if !slices.Equal(names, oldNames) {
		return fmt.Errorf("schema mismatch: the schema orders its fields [%s], the model [%s]", strings.Join(names, " "), strings.Join(oldNames, " "))
	}
	if d.HashSeed != old.HashSeed {
		return fmt.Errorf("schema mismatch: hash_seed %d, the model's is %d", d.HashSeed, old.HashSeed)
	}
	for i := range d.Fields {
		f, g := d.Fields[i], old.Fields[i]
		f.Column, f.MinCount = g.Column, g.MinCount
		if !reflect.DeepEqual(f, g) {
			return fmt.Errorf("schema mismatch: field %q: %s", f.Name, fieldDiff(f, g))
		}
	}
	return nil
}

// fieldDiff names the options in which f differs from the model's g.
func fieldDiff(f, g Field) string {
	var a, b map[string]any
	fa, _ := json.Marshal(f)
	ga, _ := json.Marshal(g)
	_ = json.Unmarshal(fa, &a)
	_ = json.Unmarshal(ga, &b)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			parts = append(parts, fmt.Sprintf("%s is %s, the model's %s", k, jsonOr(a[k]), jsonOr(b[k])))
		}
	}
	return strings.Join(parts, "; ")
}

func jsonOr(v any) string {
	if v == nil {
		return "unset"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Extend returns encoders that continue e on new data for schema s
// (CheckSchema(s) must hold): today are the encoders fitted on the new
// data with GrowthSchema(s).
//
// Each vocabulary keeps its tokens at their ids and appends the values of
// today's vocabulary it lacks that were seen at least min_count (s's)
// times, in today's order (by descending count, ties by value): the order
// a fresh fit would give them among themselves. A token's count becomes
// its old count plus today's. Hashed tables and plain numerics keep their
// ids; the tables after a grown one move in the global id space, but every
// table's local ids (id − Table.Offset) stay. The numeric statistics are
// e's unless opts.RefitStats.
func (e *Encoders) Extend(s *Schema, today *Encoders, opts ExtendOptions) (*Encoders, []Growth, error) {
	if err := e.CheckSchema(s); err != nil {
		return nil, nil, err
	}
	d := s.withDefaults()
	vocabs := map[string]*Vocab{}
	var growth []Growth
	for _, t := range e.tables {
		old := e.vocabs[t.Name]
		if old == nil {
			continue // hashed or a plain numeric: a fixed id range
		}
		minCount := int64(1)
		for _, f := range d.Fields {
			if f.hasTable() && f.table() == t.Name {
				minCount = int64(f.MinCount)
				break
			}
		}
		tokens := slices.Clone(old.Tokens)
		var counts []int64
		if old.Counts != nil {
			counts = slices.Clone(old.Counts)
		}
		g := Growth{Table: t.Name, Old: len(tokens)}
		if nv := today.vocabs[t.Name]; nv != nil {
			for j, tok := range nv.Tokens {
				n := int64(0)
				if nv.Counts != nil {
					n = nv.Counts[j]
				}
				if id, ok := old.index.get([]byte(tok)); ok {
					if counts != nil {
						counts[id] += n
					}
					continue
				}
				if nv.Counts != nil && n < minCount {
					g.Rare++
					continue
				}
				tokens = append(tokens, tok)
				if counts != nil {
					counts = append(counts, n)
				}
				g.Added++
			}
		}
		v, err := NewVocab(tokens, counts)
		if err != nil {
			return nil, nil, fmt.Errorf("feature: growing table %q: %w", t.Name, err)
		}
		vocabs[t.Name] = v
		growth = append(growth, g)
	}
	stats := map[string]NumericStats{}
	for name, st := range e.stats {
		if opts.RefitStats {
			if nst, ok := today.stats[name]; ok {
				st = nst
			}
		}
		stats[name] = st
	}
	grown, err := NewEncoders(&d, vocabs, stats)
	if err != nil {
		return nil, nil, fmt.Errorf("feature: growing the vocabularies: %w", err)
	}
	return grown, growth, nil
}
