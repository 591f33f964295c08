package dataset

import (
	"embed"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
)

//go:embed schemas/*.yaml
var builtinSchemas embed.FS

// DefaultSchema returns the built-in schema of the source named by spec
// ("READER:PATH", see data.Open) when its reader's columns are fixed and
// known: criteo and synthetic:ctr (Criteo's columns), avazu, MovieLens
// rating files (u.data, u1.base, ua.test, ratings.dat…), movielens-ctr (a
// rating ≥ 4 is a click) and adult (income >50K is the positive class).
// For libfm-fields it is built from the file's first line, which fixes the
// fields: a categorical per field f1..fN and a label binarized by
// click_above 0, which maps both −1/+1 (Frappe) and 0/1 (iPinYou) labels
// to 0/1. ok is false for readers whose columns vary from file to file
// (csv, tsv, parquet), for sparse readers (libfm, libsvm, libffm) and for
// the other MovieLens files (u.item, u.user, movies.dat, users.dat). The
// error reports a malformed spec, an unknown reader, or a libfm-fields
// file that cannot be read. taobao has one (Taobao display ads with the
// click history as a sequence sharing the ad group's table), and so has
// every reader whose package registered one (RegisterSchema: the behaviour
// sources of package behavior). Each call returns a fresh schema the caller
// may edit. Columns a schema leaves undeclared (Avazu's per-row "id",
// MovieLens's timestamp) are ignored by the encoders.
func DefaultSchema(spec string) (s *feature.Schema, ok bool, err error) {
	reader, path, found := strings.Cut(spec, ":")
	if !found || path == "" {
		return nil, false, fmt.Errorf("data source %q: expected READER:PATH with READER one of %s", spec, strings.Join(data.ReaderNames(), ", "))
	}
	var name string
	switch reader {
	case "criteo":
		name = "criteo"
	case "synthetic":
		// Only the ctr generator is known to have Criteo's columns; for
		// any other the reader itself reports what it accepts.
		if kind, _, _ := strings.Cut(path, "?"); kind != "ctr" {
			return nil, false, nil
		}
		name = "criteo"
	case "avazu":
		name = "avazu"
	case "movielens":
		// The same naming rule as data.OpenMovieLens: every file that is
		// not one of the four side files is a rating file.
		switch strings.TrimSuffix(filepath.Base(path), ".gz") {
		case "u.item", "u.user", "movies.dat", "users.dat":
			return nil, false, nil
		}
		name = "movielens"
	case "movielens-ctr":
		name = "movielens_ctr"
	case "adult":
		name = "adult"
	case "taobao":
		name = "taobao"
	case "libfm-fields":
		s, err := libFMFieldsSchema(spec)
		if err != nil {
			return nil, false, err
		}
		return s, true, nil
	default:
		if fn, ok := schemaFuncs[reader]; ok {
			s, err := fn(spec)
			if err != nil {
				return nil, false, err
			}
			return s, s != nil, nil
		}
		if !slices.Contains(data.ReaderNames(), reader) {
			return nil, false, fmt.Errorf("data source %q: unknown reader %q, expected one of %s", spec, reader, strings.Join(data.ReaderNames(), ", "))
		}
		return nil, false, nil
	}
	src, err := builtinSchemas.ReadFile("schemas/" + name + ".yaml")
	if err != nil {
		return nil, false, fmt.Errorf("dataset: built-in schema %q: %w", name, err)
	}
	s, err = feature.ParseSchema(src)
	if err != nil {
		return nil, false, fmt.Errorf("dataset: built-in schema %q: %w", name, err)
	}
	if reader == "synthetic" {
		s.Name = "synthetic-ctr"
	}
	return s, true, nil
}

// schemaFuncs holds the built-in schemas of readers registered by other
// packages (data.Register), by reader name.
var schemaFuncs = map[string]func(spec string) (*feature.Schema, error){}

// RegisterSchema makes fn the built-in schema of reader: DefaultSchema
// returns fn(spec) for its specs (a nil schema meaning none, as for a
// reader whose columns vary). The package that registers the reader with
// data.Register registers its schema here, at init. A name registered
// twice, or one that DefaultSchema already knows, panics.
func RegisterSchema(reader string, fn func(spec string) (*feature.Schema, error)) {
	switch reader {
	case "criteo", "synthetic", "avazu", "movielens", "movielens-ctr", "adult", "libfm-fields", "taobao":
		panic("dataset: reader " + reader + " has a built-in schema already")
	}
	if _, dup := schemaFuncs[reader]; dup || fn == nil {
		panic("dataset: cannot register a schema for reader " + reader)
	}
	schemaFuncs[reader] = fn
}

// libFMFieldsSchema builds the schema of a libfm-fields source from the
// number of fields its reader finds on the first line. The reader skips
// malformed lines to find it, as it would under ReadOptions.SkipBad; read
// strictly, such a file fails on its first line anyway.
func libFMFieldsSchema(spec string) (*feature.Schema, error) {
	r, err := data.Open(spec, data.ReadOptions{SkipBad: true})
	if err != nil {
		return nil, err
	}
	cols := r.Columns()
	r.Close()
	s := &feature.Schema{Name: "libfm-fields", EmbeddingDim: 10}
	zero := 0.0
	s.Fields = append(s.Fields, feature.Field{Name: cols[0], Type: feature.Label, ClickAbove: &zero})
	for _, c := range cols[1:] {
		s.Fields = append(s.Fields, feature.Field{Name: c, Type: feature.Categorical, MinCount: 1})
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("dataset: built-in schema of %s: %w", spec, err)
	}
	return s, nil
}
