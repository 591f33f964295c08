package data

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// openers maps the reader names of Open to their constructors.
var openers = map[string]func(path string, opts ReadOptions) (Reader, error){
	"criteo":        func(p string, o ReadOptions) (Reader, error) { return asReader(OpenCriteo(p, o)) },
	"avazu":         func(p string, o ReadOptions) (Reader, error) { return asReader(OpenAvazu(p, o)) },
	"csv":           func(p string, o ReadOptions) (Reader, error) { return asReader(OpenCSV(p, o)) },
	"tsv":           func(p string, o ReadOptions) (Reader, error) { return asReader(OpenTSV(p, o)) },
	"libfm":         func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFM(p, o)) },
	"libsvm":        func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFM(p, o)) },
	"libffm":        func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFFM(p, o)) },
	"movielens":     func(p string, o ReadOptions) (Reader, error) { return asReader(OpenMovieLens(p, o)) },
	"ncf-rating":    func(p string, o ReadOptions) (Reader, error) { return asReader(OpenNCFRating(p, o)) },
	"ncf-negative":  func(p string, o ReadOptions) (Reader, error) { return asReader(OpenNCFNegative(p, o)) },
	"seq":           func(p string, o ReadOptions) (Reader, error) { return asReader(OpenSeq(p, o)) },
	"parquet":       func(p string, _ ReadOptions) (Reader, error) { return asReader(OpenParquet(p)) },
	"libfm-fields":  func(p string, o ReadOptions) (Reader, error) { return asReader(OpenLibFMFields(p, o)) },
	"adult":         func(p string, o ReadOptions) (Reader, error) { return asReader(OpenAdult(p, o)) },
	"movielens-ctr": func(p string, o ReadOptions) (Reader, error) { return asReader(OpenMovieLensCTR(p, o)) },
}

// generated holds the names of registered readers whose records are a
// pure function of the spec (generators, no file).
var generated = map[string]bool{}

// Opener opens the source at path (the part of a spec after "READER:").
type Opener func(path string, opts ReadOptions) (Reader, error)

// Register adds the reader name to Open, for packages that produce records
// of their own (package synth registers "synthetic"). A generated reader's
// records depend on the spec alone, so caches key on the spec instead of a
// file's identity. Registering a taken name panics: it is a programming
// error caught at init.
func Register(name string, open Opener, isGenerated bool) {
	if _, dup := openers[name]; dup || name == "" || strings.Contains(name, ":") {
		panic("data: cannot register reader " + strconv.Quote(name))
	}
	openers[name] = open
	generated[name] = isGenerated
}

// sourceFiles lists, for readers that read more than the file named in
// their spec, every file a spec reads.
var sourceFiles = map[string]func(path string) ([]string, error){
	"movielens-ctr": movieLensCTRFiles,
}

// SourceFiles returns the files the source named by spec reads, so that a
// cache of it can tell when any of them changed: the spec's path, every
// file of a path that names several (see Open), or for movielens-ctr the
// ratings file and the user and item tables it joins. A generated source
// reads none.
func SourceFiles(spec string) ([]string, error) {
	name, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("data source %q: expected READER:PATH", spec)
	}
	if generated[name] {
		return nil, nil
	}
	if f, ok := sourceFiles[name]; ok {
		return f(path)
	}
	return ExpandPaths(path)
}

// Generated reports whether spec names a registered generated reader.
func Generated(spec string) bool {
	name, _, _ := strings.Cut(spec, ":")
	return generated[name]
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
//
// For a reader of files, PATH may name several, read in order as one
// source: a glob pattern ("criteo:day_*.gz", its matches in sorted order)
// or a comma-separated list ("csv:jan.csv,feb.csv"), whose elements may be
// patterns too (see ExpandPaths). Each file is read as it would be alone —
// gzip or not, by its own magic bytes — and its records keep its name and
// line numbers, so errors name the file. Every file must have the first
// file's columns: a CSV header or an Avazu file's label column that
// differs is an error naming the file, found before any record is read. A
// path naming an existing file is read as that file whatever it holds;
// generated sources and readers that join files of their own
// (movielens-ctr, the behaviour readers) take one path.
func Open(spec string, opts ReadOptions) (Reader, error) {
	name, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("data source %q: expected READER:PATH with READER one of %s", spec, strings.Join(ReaderNames(), ", "))
	}
	open, ok := openers[name]
	if !ok {
		return nil, fmt.Errorf("data source %q: unknown reader %q, expected one of %s", spec, name, strings.Join(ReaderNames(), ", "))
	}
	if generated[name] || sourceFiles[name] != nil {
		return open(path, opts)
	}
	files, err := ExpandPaths(path)
	if err != nil {
		return nil, err
	}
	if len(files) == 1 {
		return open(files[0], opts)
	}
	return openMulti(files, func(p string) (Reader, error) { return open(p, opts) })
}
