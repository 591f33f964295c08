// Package dirlock marks a directory as in use by one process: a training
// run holds the lock of its output directory while it writes there, so
// that a second run into the same directory is refused and the next run
// knows that temporary files it finds were left by a process that died
// (kill -9, a crash), not written by a live one. The lock is the
// operating system's advisory lock on the directory itself (flock), which
// the kernel releases when the holder exits however it exits; no lock file
// is left behind.
package dirlock

import "errors"

// ErrLocked reports a directory whose lock another process (or another
// Lock in this one) holds.
var ErrLocked = errors.New("dirlock: the directory is in use by another process")

// Lock takes dir's lock without waiting. It returns ErrLocked when the
// lock is held, and release, which frees it. Where the system offers no
// lock (see Supported), Lock always succeeds.
func Lock(dir string) (release func(), err error) { return lock(dir) }

// Supported reports whether Lock excludes other processes on this system;
// without it, files in a directory cannot be known to be abandoned.
const Supported = supported
