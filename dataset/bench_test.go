package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// peakRSSMB reads the process's peak resident memory (VmHWM) in MiB, or -1
// where /proc is not available.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}

// BenchmarkCriteoPipeline reads a synthetic Criteo-format TSV of the given
// size, fits the Criteo schema's encoders on it and encodes it into a cache,
// reporting rows/s of each pass and the process's peak memory. Run one size
// per process to read its own peak:
//
//	go test -run '^$' -bench 'CriteoPipeline/rows=1000000$' -benchtime 1x ./dataset
func BenchmarkCriteoPipeline(b *testing.B) {
	for _, n := range []int{1_000_000, 2_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			src := filepath.Join(dir, "criteo.tsv")
			writeCTR(b, src, n)
			spec := "criteo:" + src
			schema := criteoSchema(b)
			b.ResetTimer()
			var fitSec, encSec float64
			for range b.N {
				os.Remove(filepath.Join(dir, "c"))
				b.StartTimer()
				start := b.Elapsed()
				enc, err := Fit(spec, schema, Options{})
				if err != nil {
					b.Fatal(err)
				}
				mid := b.Elapsed()
				d, _, err := Build(spec, enc, filepath.Join(dir, "c"), Options{})
				if err != nil {
					b.Fatal(err)
				}
				end := b.Elapsed()
				d.Close()
				fitSec += (mid - start).Seconds()
				encSec += (end - mid).Seconds()
			}
			b.ReportMetric(float64(n*b.N)/fitSec, "fit-rows/s")
			b.ReportMetric(float64(n*b.N)/encSec, "encode-rows/s")
			b.ReportMetric(peakRSSMB(), "peak-MiB")
		})
	}
}
