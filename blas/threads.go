package blas

import "sync/atomic"

var threads atomic.Int32

func init() { threads.Store(1) }

// SetThreads sets how many goroutines large SGEMMs may split across. The
// default is 1: recforge is single-threaded unless asked otherwise. Values
// below 1 are treated as 1.
func SetThreads(n int) {
	if n < 1 {
		n = 1
	}
	threads.Store(int32(n))
}

// Threads reports the current SGEMM parallelism.
func Threads() int { return int(threads.Load()) }
