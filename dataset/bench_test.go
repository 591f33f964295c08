package dataset

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/synth"
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
// size, fits the Criteo schema's encoders on it, reads and encodes it
// without storing anything, and encodes it into a cache, reporting rows/s of
// each pass and the process's peak memory. Run one size
// per process to read its own peak:
//
//	go test -run '^$' -bench 'CriteoPipeline/vocab=1e\+05/rows=1000000$' -benchtime 1x ./dataset
//
// With vocab=1e5 the categorical fields have Criteo's cardinalities capped
// at 10⁵ values, so more rows keep revealing new values; with vocab=1e3 they
// are capped at 10³, every value is seen early, and memory must stay flat
// as the rows grow.
func BenchmarkCriteoPipeline(b *testing.B) {
	for _, vocab := range []int{1e5, 1e3} {
		for _, n := range []int{1_000_000, 2_000_000} {
			b.Run(fmt.Sprintf("vocab=%.0e/rows=%d", float64(vocab), n), func(b *testing.B) {
				benchPipeline(b, vocab, n)
			})
		}
	}
}

func benchPipeline(b *testing.B, vocab, n int) {
	dir := b.TempDir()
	src := filepath.Join(dir, "criteo.tsv")
	cfg := synth.CTRConfig{Seed: 3, Vocab: make([]int, len(synth.CriteoVocab))}
	for i, v := range synth.CriteoVocab {
		cfg.Vocab[i] = min(v, vocab)
	}
	writeCTRConfig(b, src, n, cfg)
	spec := "criteo:" + src
	schema := criteoSchema(b)
	b.ResetTimer()
	var fitSec, readEncSec, encSec float64
	var ids int32
	for range b.N {
		os.Remove(filepath.Join(dir, "c"))
		b.StartTimer()
		start := b.Elapsed()
		enc, err := Fit(context.Background(), spec, schema, Options{})
		if err != nil {
			b.Fatal(err)
		}
		mid := b.Elapsed()
		for _, t := range enc.Tables() {
			ids = max(ids, t.Offset+t.Size)
		}
		if err := readEncode(spec, enc); err != nil {
			b.Fatal(err)
		}
		readEncSec += (b.Elapsed() - mid).Seconds()
		mid = b.Elapsed()
		d, _, err := Build(context.Background(), spec, enc, filepath.Join(dir, "c"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		end := b.Elapsed()
		d.Close()
		fitSec += (mid - start).Seconds()
		encSec += (end - mid).Seconds()
	}
	b.ReportMetric(float64(n*b.N)/fitSec, "fit-rows/s")
	b.ReportMetric(float64(n*b.N)/readEncSec, "read+encode-rows/s")
	b.ReportMetric(float64(n*b.N)/encSec, "build-cache-rows/s")
	b.ReportMetric(peakRSSMB(), "peak-MiB")
	b.ReportMetric(float64(ids), "embedding-ids")
}

// readEncode reads and encodes every record of spec, keeping nothing: the
// throughput a streaming trainer or a server sees.
func readEncode(spec string, enc *feature.Encoders) error {
	r, err := data.Open(spec, data.ReadOptions{})
	if err != nil {
		return err
	}
	defer r.Close()
	re, err := enc.Bind(r.Columns())
	if err != nil {
		return err
	}
	ex := enc.NewExample()
	var rec data.Record
	for {
		if err := r.Next(&rec); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := re.Encode(rec.Cols, ex); err != nil {
			return err
		}
	}
}

// BenchmarkThreads fits the Criteo schema's encoders on 200,000 synthetic
// Criteo rows — read from a file, and generated (synthetic:ctr) — and
// encodes them into a cache with 1 and 2 threads (Options.Threads),
// reporting the rows/s of each stage:
//
//	go test -run '^$' -bench Threads -benchtime 3x ./dataset
func BenchmarkThreads(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "criteo.tsv")
	const n = 200_000
	writeCTR(b, src, n)
	schema := criteoSchema(b)
	for _, spec := range []string{"criteo:" + src, fmt.Sprintf("synthetic:ctr?rows=%d&seed=3", n)} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("source=%s/threads=%d", spec[:strings.IndexByte(spec, ':')], threads), func(b *testing.B) {
				opts := Options{Threads: threads}
				var fitSec, encSec float64
				for i := range b.N {
					start := b.Elapsed()
					enc, err := Fit(context.Background(), spec, schema, opts)
					if err != nil {
						b.Fatal(err)
					}
					mid := b.Elapsed()
					d, _, err := Build(context.Background(), spec, enc, filepath.Join(dir, fmt.Sprintf("c%d-%d", threads, i)), opts)
					if err != nil {
						b.Fatal(err)
					}
					fitSec += (mid - start).Seconds()
					encSec += (b.Elapsed() - mid).Seconds()
					d.Close()
				}
				b.ReportMetric(float64(n*b.N)/fitSec, "fit-rows/s")
				b.ReportMetric(float64(n*b.N)/encSec, "encode-rows/s")
			})
		}
	}
}
