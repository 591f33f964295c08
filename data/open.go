package data

import (
	"fmt"
	"sort"
	"strings"
)

// openers maps the reader names of Open to their constructors.
var openers = map[string]func(path string, opts ReadOptions) (Reader, error){
	"criteo":       func(p string, o ReadOptions) (Reader, error) { return asReader(OpenCriteo(p, o)) },
	"avazu":        func(p string, o ReadOptions) (Reader, error) { return asReader(OpenAvazu(p, o)) },
	"csv":          func(p string, o ReadOptions) (Reader, error) { return asReader(OpenCSV(p, o)) },
	"tsv":          func(p string, o ReadOptions) (Reader, error) { return asReader(OpenTSV(p, o)) },
	"libfm":        func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFM(p, o)) },
	"libsvm":       func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFM(p, o)) },
	"libffm":       func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFFM(p, o)) },
	"movielens":    func(p string, o ReadOptions) (Reader, error) { return asReader(OpenMovieLens(p, o)) },
	"ncf-rating":   func(p string, o ReadOptions) (Reader, error) { return asReader(OpenNCFRating(p, o)) },
	"ncf-negative": func(p string, o ReadOptions) (Reader, error) { return asReader(OpenNCFNegative(p, o)) },
	"seq":          func(p string, o ReadOptions) (Reader, error) { return asReader(OpenSeq(p, o)) },
	"parquet":      func(p string, _ ReadOptions) (Reader, error) { return asReader(OpenParquet(p)) },
}

// asReader turns a typed constructor result into a Reader without the
// typed-nil trap: a failed open returns a nil interface.
func asReader[R Reader](r R, err error) (Reader, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ReaderNames lists the reader names Open accepts, sorted.
func ReaderNames() []string {
	names := make([]string, 0, len(openers))
	for n := range openers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open opens the source named by spec, "READER:PATH" — e.g.
// "criteo:day_0.gz", "csv:train.csv", "movielens:ml-100k/u.data" — with
// the reader of that name (see ReaderNames).
func Open(spec string, opts ReadOptions) (Reader, error) {
	name, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("data source %q: expected READER:PATH with READER one of %s", spec, strings.Join(ReaderNames(), ", "))
	}
	open, ok := openers[name]
	if !ok {
		return nil, fmt.Errorf("data source %q: unknown reader %q, expected one of %s", spec, name, strings.Join(ReaderNames(), ", "))
	}
	return open(path, opts)
}
