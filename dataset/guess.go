package dataset

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/recforge/recforge/feature"
)

// Thresholds of GuessSchema.
const (
	// A numeric column with more distinct values than this stays numeric;
	// one with fewer (flags, small codes) is a categorical.
	guessNumericDistinct = 32
	// A column with at least this fraction of rows distinct, in a source
	// of at least guessIDMinRows rows, is an identifier.
	guessIDFraction = 0.9
	guessIDMinRows  = 100
	// From this many rows on, categoricals need two occurrences for an id
	// of their own, so that OOV is trained.
	guessMinCountRows = 1000
	// guessEmbeddingDim is the guessed schema's embedding width.
	guessEmbeddingDim = 10
)

// GuessSchema proposes a schema from an inspection of a dense source, with
// notes that explain what it left out or could not decide. Column by
// column, in order:
//   - the label column (ins.Label) becomes the label when numeric, and is
//     left out otherwise (a target must not be a feature);
//   - a column with at least 0.9·rows distinct values, text or whole
//     numbers, in at least 100 rows, is an identifier and is left out;
//   - a column named like an identifier (id, user, item, uid, iid, names
//     ending in "_id", "Id" or "ID") is categorical even when numeric: a
//     number that names something has no order;
//   - a numeric column with more than 32 distinct values is numeric: whole
//     non-negative numbers (counts) are bucketized with criteo_log2 and
//     min_count 2, others standardized (missing values take the mean);
//   - every other column is categorical, with min_count 2 from 1000 rows
//     on and 1 below.
//
// It returns a nil schema, with a note, when no column can be used.
func GuessSchema(ins *Inspection) (*feature.Schema, []string) {
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	s := &feature.Schema{Name: sourceName(ins.Spec), EmbeddingDim: guessEmbeddingDim}
	minCount := 1
	if ins.Rows >= guessMinCountRows {
		minCount = 2
	}
	label := ""
	if ins.Label != nil {
		label = ins.Label.Column
	} else {
		note("no label column found (looked for a column named %s): add one as type: label to train", strings.Join(labelNames, ", "))
	}
	seen := map[string]bool{}
	for _, c := range ins.Columns {
		switch {
		case c.Name == "":
			note("a column without a name is left out")
			continue
		case seen[c.Name]:
			note("column %q appears twice: the second is left out", c.Name)
			continue
		}
		seen[c.Name] = true
		if c.Name == label {
			if c.Numeric == nil {
				note("column %q looks like the label but is not numeric: it is left out; map it to numbers and declare it type: label", c.Name)
				continue
			}
			if c.Missing > 0 {
				note("the label %q is empty in %d rows, which the encoders reject: drop those rows first", c.Name, c.Missing)
			}
			s.Fields = append(s.Fields, feature.Field{Name: c.Name, Type: feature.Label})
			continue
		}
		wholeOrText := c.Numeric == nil || c.Numeric.Integer
		if ins.Rows >= guessIDMinRows && wholeOrText && float64(c.Distinct) >= guessIDFraction*float64(ins.Rows) {
			more := ""
			if c.DistinctCapped {
				more = "more than "
			}
			note("column %q is left out: %s%d distinct values in %d rows make it an identifier, not a feature", c.Name, more, c.Distinct, ins.Rows)
			continue
		}
		if c.DistinctCapped {
			note("column %q has more than %d distinct values: consider hash_buckets instead of a vocabulary", c.Name, c.Distinct)
		}
		switch {
		case c.Distinct == 0:
			note("column %q is always empty: it carries no information", c.Name)
		case c.Distinct == 1 && c.Missing == 0:
			note("column %q holds a single value: it carries no information", c.Name)
		}
		numeric := c.Numeric != nil && (c.Distinct > guessNumericDistinct || c.DistinctCapped)
		if numeric && idLike(c.Name) {
			note("column %q is named like an identifier: categorical, not numeric", c.Name)
			numeric = false
		}
		f := feature.Field{Name: c.Name, Type: feature.Categorical, MinCount: minCount}
		if numeric {
			f = feature.Field{Name: c.Name, Type: feature.Numeric}
			if c.Numeric.Integer && c.Numeric.Min >= 0 {
				f.Normalizer, f.MinCount = feature.CriteoLog2, 2
			} else {
				f.Normalizer = feature.Standardize
				if c.Missing > 0 {
					f.Missing = feature.MissingMean
				}
			}
		}
		s.Fields = append(s.Fields, f)
	}
	if len(s.Fields) == 0 {
		return nil, append(notes, "no column can be used: there is no schema to propose")
	}
	if err := s.Validate(); err != nil {
		return nil, append(notes, "the guessed schema is invalid: "+err.Error())
	}
	return s, notes
}

// idLike reports whether a column's name says it identifies something.
func idLike(name string) bool {
	switch strings.ToLower(name) {
	case "id", "uid", "iid", "user", "item", "userid", "itemid", "movieid":
		return true
	}
	return strings.HasSuffix(strings.ToLower(name), "_id") || strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID")
}

// sourceName is a schema name for spec: its file's base name without
// extensions ("train" for "csv:data/train.csv.gz").
func sourceName(spec string) string {
	_, path, _ := strings.Cut(spec, ":")
	name := filepath.Base(path)
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}
