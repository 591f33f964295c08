package cache

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// EntryKind tells the files of a cache directory apart.
type EntryKind int

// The kinds of files a cache directory holds.
const (
	// Complete is a cache as OpenOrBuild leaves it.
	Complete EntryKind = iota
	// Stale is a temporary file that a killed build left (see stale.go).
	Stale
	// Building is the temporary file of a build still running: its writer
	// holds its lock. Where locks are not available every temporary file
	// counts as building, since none can be told stale.
	Building
)

// String names the kind.
func (k EntryKind) String() string {
	switch k {
	case Complete:
		return "cache"
	case Stale:
		return "stale"
	case Building:
		return "building"
	}
	return "EntryKind(?)"
}

// Entry is one file of a cache directory that this package wrote.
type Entry struct {
	Path string
	Size int64
	Kind EntryKind
}

// Scan lists the files in dir that this package wrote for caches whose
// names end in ext (".rfc"), sorted by path: each cache (a regular file
// NAME+ext that starts as a cache file does) and the temporary files of
// its builds (NAME+ext.<digits>.tmp and .col), each told stale or building
// by its writer's lock. Any other file is left out, so that a directory
// shared with other files is safe to scan and clean. A directory that does
// not exist holds nothing.
func Scan(dir, ext string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, de.Name())
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		kind, ok := classify(name, de.Name(), ext)
		if !ok {
			continue
		}
		out = append(out, Entry{Path: name, Size: info.Size(), Kind: kind})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// classify tells whether the file name (base in dir) is one this package
// wrote, and which kind.
func classify(name, base, ext string) (EntryKind, bool) {
	if strings.HasSuffix(base, ext) && len(base) > len(ext) {
		head, err := readHead(name)
		return Complete, err == nil && bytes.Equal(head, magic[:])
	}
	stem, rest, ok := cutTemp(base, ext)
	if !ok || len(stem) == len(ext) {
		return 0, false
	}
	if digits, ok := strings.CutSuffix(rest, ".col"); ok && allDigits(digits) {
		// A running build unlinks its spills at once (see Create): a spill
		// with a name is a dead build's.
		return Stale, true
	}
	if digits, ok := strings.CutSuffix(rest, ".tmp"); ok && allDigits(digits) {
		// The header is written first, but may not have reached the file.
		if head, err := readHead(name); err != nil || (len(head) == len(magic) && !bytes.Equal(head, magic[:])) {
			return 0, false
		}
		if held(name) {
			return Building, true
		}
		return Stale, true
	}
	return 0, false
}

// cutTemp splits base, a temporary file's name NAME+ext+"."+REST, into
// NAME+ext and REST.
func cutTemp(base, ext string) (stem, rest string, ok bool) {
	i := strings.LastIndex(base, ext+".")
	if i < 0 {
		return "", "", false
	}
	return base[:i+len(ext)], base[i+len(ext)+1:], true
}

// readHead returns the first bytes of the file name, up to the magic's
// length.
func readHead(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, len(magic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return head[:n], nil
}

// held reports whether another open file holds the lock of the file name:
// a running build's temporary file.
func held(name string) bool {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return true // cannot tell: leave it alone
	}
	defer f.Close()
	free, err := tryLock(f)
	return err != nil || !free
}

// Clean removes the caches and the killed builds' temporary files that
// Scan finds in dir, never a running build's file, and returns what it
// removed. A process that has a removed cache open goes on reading it (its
// mapping outlives the name); the next run that wants it builds it anew.
// Files that cannot be removed are skipped and reported in the error.
func Clean(dir, ext string) ([]Entry, error) {
	entries, err := Scan(dir, ext)
	if err != nil {
		return nil, err
	}
	var removed []Entry
	var errs []error
	for _, e := range entries {
		switch e.Kind {
		case Building:
			continue
		case Stale:
			if strings.HasSuffix(e.Path, ".tmp") {
				// Under the lock, so that a build that has just created it
				// is not robbed of it (see createTemp).
				if !removeUnlocked(e.Path) {
					continue
				}
				removed = append(removed, e)
				continue
			}
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
