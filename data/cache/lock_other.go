//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris)

package cache

import "os"

// lockFile does nothing where flock is not available.
func lockFile(*os.File) error { return nil }

// tryLock reports every file as held where flock is not available: a
// temporary file that cannot be told stale is left alone.
func tryLock(*os.File) (bool, error) { return false, nil }

// commitTemp closes the temporary file f, then renames it to path: where
// there are no locks, nothing is held, and some systems do not rename an
// open file.
func commitTemp(f *os.File, path string) error {
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
