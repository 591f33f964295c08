package model

import (
	"slices"
	"testing"
	"time"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// The sequence models' benchmarks run at the official DIN/DIEN widths:
// embedding 18 for items and categories (behaviour width 36, GRU hidden 36),
// MLP [200, 80], histories of up to 50 behaviours, an Amazon-Electronics
// sized id space (63 001 items, 801 categories).
const (
	benchItems, benchCats, benchL, benchK = 63001, 801, 50, 18
)

func benchSeqModel(b *testing.B, name string, maxBatch int) Model {
	l := seqLayout(benchItems, benchCats, benchL, benchK)
	m, _, err := New(name, nil, Env{Layout: l, MaxBatch: maxBatch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkSeqTrainStep times one training step at batch 1024 — Forward,
// log loss, Backward and an Adam step — on a synthetic batch whose history
// lengths are uniform in [0, 50], with every model's defaults (DIEN with its
// auxiliary loss).
func BenchmarkSeqTrainStep(b *testing.B) {
	const n = 1024
	for _, name := range seqModelNames {
		b.Run(name, func(b *testing.B) {
			m := benchSeqModel(b, name, n)
			batch := seqBatch(seqLayout(benchItems, benchCats, benchL, benchK), n, 1)
			p := m.Parts()[0]
			g := optim.NewGroup("all", optim.Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 1e-3).AddParams(p.Params...)
			for _, t := range p.Tables {
				g.AddTable(t.Table, t.Reg)
			}
			opt := optim.New(g)
			dl := make([]float32, n)
			step := func() {
				nn.SigmoidLogLoss(dl, m.Forward(batch), batch.Label, nil)
				m.Backward(dl)
				opt.Step()
			}
			step()
			iters := 0
			for b.Loop() {
				step()
				iters++
			}
			b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkSeqScore times scoring 100 candidates for one user with a
// 50-behaviour history (one Forward of 100 rows in inference mode) and
// reports the per-call latency's median and 99th percentile.
func BenchmarkSeqScore(b *testing.B) {
	const n = 100
	for _, name := range seqModelNames {
		b.Run(name, func(b *testing.B) {
			l := seqLayout(benchItems, benchCats, benchL, benchK)
			m := benchSeqModel(b, name, n)
			m.SetTraining(false)
			batch := seqBatch(l, n, 2)
			// One user: row 0's full history and user on every row; the
			// candidates stay the rows' own.
			for i := 1; i < n; i++ {
				batch.IDs[i*len(l.Slots)] = batch.IDs[0]
				copy(batch.Seq[i*l.SeqLen:(i+1)*l.SeqLen], batch.Seq[:l.SeqLen])
				copy(batch.SeqLens[i*2:i*2+2], batch.SeqLens[:2])
			}
			m.Forward(batch)
			lat := make([]time.Duration, 0, 4096)
			for b.Loop() {
				t0 := time.Now()
				m.Forward(batch)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
			b.ReportMetric(pct(0.5), "p50-µs")
			b.ReportMetric(pct(0.99), "p99-µs")
			b.ReportMetric(float64(n)*float64(len(lat))/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
