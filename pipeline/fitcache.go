package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/internal/atomicfile"
)

// Fitting the encoders reads the whole training part, which a run whose
// encoded caches are current would otherwise do only for this: the fitted
// encoders are kept beside the caches, keyed by everything that decides
// them — the spec and the identity of each of its files, the schema, the
// read options and the split — and reused while that key holds.

// EncodersExt ends the names of the fitted-encoder files in a cache
// directory.
const EncodersExt = ".rfe"

// encodersMagic opens a fitted-encoder file, before the encoders' JSON.
var encodersMagic = []byte("recforge fitted encoders v1\n")

// fitCached returns the encoders of schema fitted on spec's records that
// opts.Keep keeps (split describes that choice), from cacheDir when a
// previous run fitted them on the same inputs, else by dataset.Fit,
// keeping the result there. A source whose files cannot be identified is
// always fitted. Failing to keep the result is not an error: the next run
// fits again.
func fitCached(ctx context.Context, cacheDir, spec, split string, schema *feature.Schema, opts dataset.Options) (*feature.Encoders, error) {
	path, ok := fittedPath(cacheDir, spec, split, schema, opts)
	if !ok {
		return dataset.Fit(ctx, spec, schema, opts)
	}
	if enc := readFitted(path); enc != nil {
		if opts.OnProgress != nil {
			opts.OnProgress(dataset.Progress{Stage: "fit", Spec: spec, Done: true, Reused: true})
		}
		return enc, nil
	}
	enc, err := dataset.Fit(ctx, spec, schema, opts)
	if err != nil {
		return nil, err
	}
	if b, err := json.Marshal(enc); err == nil && os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		atomicfile.Write(path, 0o644, func(w io.Writer) error {
			if _, err := w.Write(encodersMagic); err != nil {
				return err
			}
			_, err := w.Write(b)
			return err
		})
	}
	return enc, nil
}

// fittedPath returns the file that holds the encoders fitted on these
// inputs; ok is false when they cannot be identified.
func fittedPath(cacheDir, spec, split string, schema *feature.Schema, opts dataset.Options) (string, bool) {
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	sj, err := json.Marshal(schema)
	if err != nil {
		return "", false
	}
	files, err := data.SourceFiles(spec)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	h.Write(encodersMagic)
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%t\x00%d\x00", feature.FormatVersion, spec, split, opts.Read.SkipBad, opts.Read.MaxLineBytes)
	h.Write(sj)
	for _, f := range files {
		id, err := cache.FileIdentity(f)
		if err != nil {
			return "", false
		}
		h.Write(id)
	}
	return filepath.Join(cacheDir, cacheName(spec)+"-"+hex.EncodeToString(h.Sum(nil)[:8])+EncodersExt), true
}

// readFitted reads a fitted-encoder file, or returns nil when it is
// absent or unreadable (it is then fitted anew and rewritten).
func readFitted(path string) *feature.Encoders {
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, encodersMagic) {
		return nil
	}
	enc := new(feature.Encoders)
	if json.Unmarshal(b[len(encodersMagic):], enc) != nil {
		return nil
	}
	return enc
}

// fittedTempAge is how old a fitted-encoder file's temporary must be to
// count as a killed run's: writing one takes well under a second.
const fittedTempAge = 10 * time.Minute

// ScanEncoders lists the fitted-encoder files in dir (as cache entries of
// kind cache.Complete) and their temporaries (cache.Stale when older than
// ten minutes, else cache.Building), sorted by path. Other files are left
// out.
func ScanEncoders(dir string) ([]cache.Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []cache.Entry
	for _, de := range des {
		name := de.Name()
		info, err := de.Info()
		if err != nil || !de.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, EncodersExt) && !strings.HasPrefix(name, "."):
			if head, err := readHead(path, len(encodersMagic)); err == nil && bytes.Equal(head, encodersMagic) {
				out = append(out, cache.Entry{Path: path, Size: info.Size(), Kind: cache.Complete})
			}
		case strings.HasPrefix(name, ".") && strings.Contains(name, EncodersExt+".tmp"):
			kind := cache.Building
			if time.Since(info.ModTime()) > fittedTempAge {
				kind = cache.Stale
			}
			out = append(out, cache.Entry{Path: path, Size: info.Size(), Kind: kind})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// CleanEncoders removes what ScanEncoders finds but the temporaries of
// runs that may still be writing, and returns what it removed.
func CleanEncoders(dir string) ([]cache.Entry, error) {
	entries, err := ScanEncoders(dir)
	if err != nil {
		return nil, err
	}
	var removed []cache.Entry
	var errs []error
	for _, e := range entries {
		if e.Kind == cache.Building {
			continue
		}
		if err := os.Remove(e.Path); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		removed = append(removed, e)
	}
	return removed, errors.Join(errs...)
}

// readHead returns up to n first bytes of the file at path.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return b[:k], nil
}
