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
// known: criteo and synthetic:ctr (Criteo's columns), avazu, and MovieLens
// rating files (u.data, u1.base, ua.test, ratings.dat…). ok is false for
// readers whose columns vary from file to file (csv, tsv, parquet), for
// sparse readers (libfm, libsvm, libffm) and for the other MovieLens files
// (u.item, u.user, movies.dat, users.dat). The error reports a malformed
// spec or an unknown reader. Each call returns a fresh schema the caller
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
	default:
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
