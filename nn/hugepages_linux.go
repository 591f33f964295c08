package nn

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePageMin is the smallest table storage worth backing by huge pages.
const hugePageMin = 16 << 20

// adviseHugePages asks the kernel to back a large, freshly allocated table
// with transparent huge pages. Embedding lookups and sparse updates hit rows
// scattered over hundreds of megabytes; with 4 KiB pages nearly every touched
// row is also a TLB miss. It must run before the memory is first written.
// Failure (e.g. THP disabled) only costs speed, so errors are ignored.
func adviseHugePages(data []float32) {
	size := len(data) * 4
	if size < hugePageMin {
		return
	}
	const huge = 2 << 20
	start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	lo := (start + huge - 1) &^ (huge - 1)
	hi := (start + uintptr(size)) &^ (huge - 1)
	if hi <= lo {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&data[(lo-start)/4])), hi-lo)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
}
