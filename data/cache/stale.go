package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A build writes the cache at PATH under temporary names beside it: its
// column spills, PATH.<digits>.col, unlinked as soon as they are created,
// and the assembled file, PATH.<digits>.tmp, renamed over PATH by Close.
// A process killed while assembling leaves its .tmp behind, as one killed
// between creating and unlinking a spill leaves a .col. The next build of
// the same PATH removes them (removeStale), but never the .tmp of a build
// still running: the writer holds an exclusive flock on its .tmp for as
// long as it has it open, the kernel drops the lock when the process dies
// however it dies, and only a .tmp whose lock can be taken is removed.

// createTemp creates PATH.<digits>.tmp beside path, locked (see above).
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for range 10 {
		f, err := os.CreateTemp(dir, base+".*.tmp")
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
		// Between CreateTemp and lockFile the file was unlocked: another
		// build may have taken it for stale and removed it. Then start
		// over; a file still at its name is ours for good.
		if named, err := os.Stat(f.Name()); err == nil {
			if mine, err := f.Stat(); err == nil && os.SameFile(named, mine) {
				return f, nil
			}
		}
		f.Close()
	}
	return nil, fmt.Errorf("cache: %s: could not keep a temporary file beside it", path)
}

// removeStale removes the temporary files that killed builds of the cache
// at path left behind, and no file of a build still running. Failures are
// ignored: a leftover file wastes space, it does no harm.
func removeStale(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if digits, ok := strings.CutSuffix(rest, ".col"); ok && allDigits(digits) {
			// A running build has unlinked its spills already (it keeps
			// them open): any spill with a name is dead.
			os.Remove(name)
		} else if digits, ok := strings.CutSuffix(rest, ".tmp"); ok && allDigits(digits) {
			removeUnlocked(name)
		}
	}
}

// removeUnlocked removes the file name unless another open file holds its
// lock, and reports whether it did.
func removeUnlocked(name string) bool {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if free, err := tryLock(f); err != nil || !free {
		return false
	}
	// The name still leads to the file just locked: nobody renames onto a
	// temporary name, but a cache renamed away from it is not ours to
	// remove.
	if named, err := os.Stat(name); err == nil {
		if locked, err := f.Stat(); err == nil && os.SameFile(named, locked) {
			return os.Remove(name) == nil
		}
	}
	return false
}

// allDigits reports whether s is a non-empty run of decimal digits, as
// os.CreateTemp puts in place of its pattern's "*".
func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
