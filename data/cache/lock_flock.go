//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris

package cache

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock on f, held until f is closed or the
// process ends. flock locks belong to the open file, not to the process,
// so a build in the same process is told apart as well as one in another.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// tryLock takes an exclusive flock on f if nobody holds one, and reports
// whether it did.
func tryLock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case !errors.Is(err, unix.EINTR):
			return false, err
		}
	}
}

// commitTemp renames the temporary file f to path, then closes it: the
// lock is held until the name is gone, so that removeStale or Clean never
// take the file for a dead build's between its close and its rename.
func commitTemp(f *os.File, path string) error {
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return f.Close()
}
