//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris)

package cache

import "os"

// lockFile does nothing where flock is not available.
func lockFile(*os.File) error { return nil }

// tryLock reports every file as held where flock is not available: a
// temporary file that cannot be told stale is left alone.
func tryLock(*os.File) (bool, error) { return false, nil }
