//go:build !linux

package nn

// adviseHugePages is a no-op where transparent huge pages do not exist.
func adviseHugePages([]float32) {}
