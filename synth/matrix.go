package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/recforge/recforge/data"
)

// MatrixConfig describes a synthetic user×item rating matrix for AutoRec
// and, read as implicit feedback, for NeuralCF. Zero fields take the
// documented defaults, shaped like MovieLens 100K.
type MatrixConfig struct {
	// Seed selects the factors, the observed cells and the noise.
	Seed uint64
	// Users and Items size the matrix. Defaults 943 and 1682.
	Users, Items int
	// Rank is the rank of the true score matrix. Default 8.
	Rank int
	// Density is the share of cells observed. Default 0.063.
	Density float64
	// Skew is the exponent of item popularity ∝ 1/rank^Skew, which
	// decides which cells are observed. Default 0.8; 0 is uniform.
	Skew float64
	// Mean is the global mean score, Noise the standard deviation of the
	// Gaussian noise added before rounding. Defaults 3.5 and 0.5; a
	// negative Noise means none.
	Mean, Noise float64
	// Start is the earliest timestamp (Unix seconds). Default 874724710,
	// MovieLens 100K's first.
	Start int64
}

func (c MatrixConfig) withDefaults() MatrixConfig {
	if c.Users == 0 {
		c.Users = 943
	}
	if c.Items == 0 {
		c.Items = 1682
	}
	if c.Rank == 0 {
		c.Rank = 8
	}
	if c.Density == 0 {
		c.Density = 0.063
	}
	if c.Skew == 0 {
		c.Skew = 0.8
	}
	if c.Mean == 0 {
		c.Mean = 3.5
	}
	if c.Noise == 0 {
		c.Noise = 0.5
	}
	c.Noise = max(c.Noise, 0)
	if c.Start == 0 {
		c.Start = 874724710
	}
	return c
}

func (c MatrixConfig) check() error {
	switch {
	case c.Users < 1 || c.Items < 1 || c.Rank < 1:
		return fmt.Errorf("synth: MatrixConfig wants positive sizes: %d users, %d items, rank %d", c.Users, c.Items, c.Rank)
	case !(c.Density > 0 && c.Density <= 1):
		return fmt.Errorf("synth: MatrixConfig.Density = %v, want a share in (0, 1]", c.Density)
	case !(c.Skew >= 0) || math.IsNaN(c.Noise):
		return fmt.Errorf("synth: MatrixConfig.Skew = %v, want ≥ 0; Noise = %v", c.Skew, c.Noise)
	}
	return nil
}

// Matrix is a generated rating log: one row per observed (user, item)
// cell, grouped by user and in time order within a user. Ids are 0-based.
// The true score of a cell is Mean + b_u + b_i + ⟨p_u, q_i⟩ with rank-Rank
// factors; a rating is that plus noise, rounded and clipped to 1..5. Which
// cells are observed follows item popularity, not the score.
type Matrix struct {
	NumUsers, NumItems int
	Users, Items       []int32
	Ratings            []int8
	// Times are Unix seconds, strictly increasing within each user, so
	// that leave-one-out by time has a single latest interaction.
	Times []int64
	// True are the noise-free, unclipped scores.
	True []float64
}

// NewMatrix generates the matrix of cfg. Each user gets an equal share of
// the round(Density·Users·Items) observed cells (one more for the first
// users when it does not divide), drawn without replacement with
// probability proportional to item popularity.
func NewMatrix(cfg MatrixConfig) (*Matrix, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, streamWorld))
	r := cfg.Rank
	sd := math.Pow(float64(r), -0.25) // ⟨p, q⟩ has variance 1
	factors := func(n int) ([]float64, []float64) {
		f, b := make([]float64, n*r), make([]float64, n)
		for i := range f {
			f[i] = sd * rng.NormFloat64()
		}
		for i := range b {
			b[i] = 0.3 * rng.NormFloat64()
		}
		return f, b
	}
	p, bu := factors(cfg.Users)
	q, bi := factors(cfg.Items)
	// Popularity ranks are shuffled so that ids do not reveal them.
	pop := zipfWeights(cfg.Items, cfg.Skew)
	rng.Shuffle(len(pop), func(a, b int) { pop[a], pop[b] = pop[b], pop[a] })

	total := int(math.Round(cfg.Density * float64(cfg.Users) * float64(cfg.Items)))
	m := &Matrix{NumUsers: cfg.Users, NumItems: cfg.Items}
	rows := rand.New(rand.NewPCG(cfg.Seed, streamRows))
	keys := make([]float64, cfg.Items)
	order := make([]int32, cfg.Items)
	span := float64(18_000_000) // about seven months, as MovieLens 100K
	for u := range cfg.Users {
		n := total / cfg.Users
		if u < total%cfg.Users {
			n++
		}
		// Efraimidis–Spirakis: the n smallest Exp(1)/w are a weighted
		// draw without replacement.
		for i := range keys {
			keys[i] = rows.ExpFloat64() / pop[i]
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int {
			if keys[a] < keys[b] {
				return -1
			}
			if keys[a] > keys[b] {
				return 1
			}
			return int(a - b)
		})
		picked := slices.Clone(order[:n])
		rows.Shuffle(len(picked), func(a, b int) { picked[a], picked[b] = picked[b], picked[a] })
		t := cfg.Start + int64(rows.Float64()*span/2)
		gap := span / 2 / float64(n+1)
		for _, i := range picked {
			t += 1 + int64(rows.ExpFloat64()*gap)
			score := cfg.Mean + bu[u] + bi[i]
			for k := range r {
				score += p[u*r+k] * q[int(i)*r+k]
			}
			rating := math.Round(score + cfg.Noise*rows.NormFloat64())
			m.Users = append(m.Users, int32(u))
			m.Items = append(m.Items, i)
			m.Ratings = append(m.Ratings, int8(min(max(rating, 1), 5)))
			m.Times = append(m.Times, t)
			m.True = append(m.True, score)
		}
	}
	return m, nil
}

// Interactions views the matrix as implicit feedback: every observed cell
// is an interaction, at its time.
func (m *Matrix) Interactions() data.Interactions {
	return data.Interactions{Users: m.Users, Items: m.Items, Times: m.Times, NumUsers: m.NumUsers, NumItems: m.NumItems}
}

// WriteUData writes the rows in MovieLens u.data format: TAB-separated
// user id, item id, rating, timestamp, ids 1-based as in MovieLens. For
// implicit feedback read the rating column as "observed".
func (m *Matrix) WriteUData(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for k := range m.Users {
		line = strconv.AppendInt(line[:0], int64(m.Users[k])+1, 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(m.Items[k])+1, 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(m.Ratings[k]), 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, m.Times[k], 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteUDataFile writes the rows to path with WriteUData, gzipped when path
// ends in ".gz".
func (m *Matrix) WriteUDataFile(path string) error {
	return writeFile(path, m.WriteUData)
}
