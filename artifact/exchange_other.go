//go:build !linux

package artifact

import "errors"

// exchange is not available here: the caller falls back to two renames.
func exchange(a, b string) error { return errors.New("artifact: no atomic exchange on this system") }
