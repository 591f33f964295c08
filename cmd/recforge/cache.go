package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/pipeline"
)

// cacheDirUsage is the help of every --cache-dir flag.
const cacheDirUsage = "`DIR` of encoded caches (default: $" + pipeline.CacheDirEnv + ", else recforge/ in the user cache directory; see recforge cache)"

// cacheHelp says where the encoded caches go, for the help of the commands
// that write them.
func cacheHelp() string {
	return fmt.Sprintf(`
Encoded caches: each data source is parsed and encoded once, into a cache
that later runs reuse, beside the encoders fitted on it (also reused while
the data, schema and split are the same). Caches go in --cache-dir DIR, else $%s,
else recforge/ in the user cache directory (here: %s).
recforge cache shows their size; recforge cache clean removes them.
`, pipeline.CacheDirEnv, pipeline.DefaultCacheDir())
}

const cacheSynopsis = `cache [info] [--cache-dir DIR]
       recforge cache clean [--cache-dir DIR] [--dry-run]

info (the default) shows the cache directory, the size of its caches and
their count; clean removes them, and the temporary files of builds that
were killed, but no other file and never a build still running. A run
reading a removed cache goes on; the next run that needs it encodes the
data again.`

func runCache(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := "info"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := newFlags("cache", cacheSynopsis, stdout, stderr)
	fs.extra = cacheHelp()
	dir := fs.String("cache-dir", "", cacheDirUsage)
	dryRun := fs.Bool("dry-run", false, "clean: list what would be removed, and remove nothing")
	switch sub {
	case "info", "clean":
	default:
		msg := fmt.Sprintf("unknown subcommand %q, expected info or clean", sub)
		if near := closest(sub, []string{"info", "clean"}); len(near) > 0 {
			msg += "; did you mean " + near[0] + "?"
		}
		return fs.fail("%s", msg)
	}
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	where := "--cache-dir"
	switch {
	case *dir != "":
	case os.Getenv(pipeline.CacheDirEnv) != "":
		where = "$" + pipeline.CacheDirEnv
	default:
		where = "the default: the user cache directory; --cache-dir or $" + pipeline.CacheDirEnv + " moves it"
	}
	if *dir == "" {
		*dir = pipeline.DefaultCacheDir()
	}
	if sub == "info" {
		if *dryRun {
			return badFlag("--dry-run is for recforge cache clean")
		}
		return cacheInfo(*dir, where, stdout)
	}
	return cacheClean(*dir, *dryRun, stdout)
}

// cacheInfo describes the cache directory: where it is and why, and what
// it holds.
func cacheInfo(dir, where string, w io.Writer) error {
	entries, err := scanCaches(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "cache directory: %s (%s)\n", dir, where)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		fmt.Fprintln(w, "it does not exist yet: no run has encoded data there")
		return nil
	}
	n, size := tally(entries, cache.Complete)
	fmt.Fprintf(w, "%s, %s\n", plural(n, "cache", "caches"), bytesLine(size))
	if n, size := tally(entries, cache.Stale); n > 0 {
		fmt.Fprintf(w, "%s of killed builds, %s (recforge cache clean removes them)\n", plural(n, "temporary file", "temporary files"), bytesLine(size))
	}
	if n, size := tally(entries, cache.Building); n > 0 {
		fmt.Fprintf(w, "%s being written by a run now, %s\n", plural(n, "file", "files"), bytesLine(size))
	}
	return nil
}

// cacheClean removes the caches and the killed builds' files, or with
// dryRun lists them, and says what was freed.
func cacheClean(dir string, dryRun bool, w io.Writer) error {
	var gone []cache.Entry
	var err error
	if dryRun {
		all, serr := scanCaches(dir)
		if serr != nil {
			return serr
		}
		for _, e := range all {
			if e.Kind != cache.Building {
				gone = append(gone, e)
				fmt.Fprintf(w, "would remove %s (%s)\n", e.Path, bytesLine(e.Size))
			}
		}
	} else {
		gone, err = cache.Clean(dir, pipeline.CacheExt)
		enc, eerr := pipeline.CleanEncoders(dir)
		gone, err = append(gone, enc...), errors.Join(err, eerr)
	}
	caches, cacheBytes := tally(gone, cache.Complete)
	stale, staleBytes := tally(gone, cache.Stale)
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	fmt.Fprintf(w, "%s %s and %s of killed builds from %s: %s freed\n", verb, plural(caches, "cache", "caches"),
		plural(stale, "temporary file", "temporary files"), dir, bytesLine(cacheBytes+staleBytes))
	if left, lerr := scanCaches(dir); lerr == nil {
		if n, size := tally(left, cache.Building); n > 0 {
			fmt.Fprintf(w, "left %s being written by a run now, %s\n", plural(n, "file", "files"), bytesLine(size))
		}
	}
	return err
}

// scanCaches lists the encoded caches and the fitted-encoder files in dir
// with their temporaries (see cache.Scan and pipeline.ScanEncoders).
func scanCaches(dir string) ([]cache.Entry, error) {
	entries, err := cache.Scan(dir, pipeline.CacheExt)
	if err != nil {
		return nil, err
	}
	enc, err := pipeline.ScanEncoders(dir)
	return append(entries, enc...), err
}

// tally counts the entries of a kind and their bytes.
func tally(entries []cache.Entry, kind cache.EntryKind) (n int, size int64) {
	for _, e := range entries {
		if e.Kind == kind {
			n++
			size += e.Size
		}
	}
	return n, size
}

// plural writes n and the noun in the number n takes.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// bytesLine writes a size in binary units, with the exact count of bytes
// for scripts.
func bytesLine(n int64) string {
	if n < 1024 {
		return plural(int(n), "byte", "bytes")
	}
	v, unit := float64(n), ""
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		unit = u
		if v < 1024 {
			break
		}
	}
	return fmt.Sprintf("%.1f %s (%d bytes)", v, unit, n)
}
