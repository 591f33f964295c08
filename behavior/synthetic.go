package behavior

import (
	"fmt"
	"strconv"

	"github.com/recforge/recforge/synth"
)

// synthetic is the planted-recent-interest generator of synth.Seq as a
// behaviour source: each user's history is a log user's events, each
// example a sample whose history is the whole of it.
type synthetic struct {
	log  *Log
	gen  *synth.Seq
	seed uint64 // of the split
}

// newSynthetic draws the generator's world and examples into a log.
func newSynthetic(cfg synth.SeqConfig) (*synthetic, error) {
	g, err := synth.NewSeq(cfg)
	if err != nil {
		return nil, err
	}
	c := g.Config()
	l := &Log{file: "synthetic", off: []int64{0}, cats: make([]string, c.Categories), itemCat: make([]int32, c.Items), items: make([]string, c.Items)}
	for k := range l.cats {
		l.cats[k] = strconv.Itoa(k)
	}
	for i := range l.items {
		l.items[i] = strconv.Itoa(i)
		l.itemCat[i] = g.Category(int32(i))
	}
	ex := g.Examples()
	for i := 0; i < len(ex); i += c.PerUser {
		// The examples of one user are consecutive and share one history.
		l.users = append(l.users, strconv.Itoa(int(ex[i].User)))
		l.item = append(l.item, ex[i].HistItems...)
		l.off = append(l.off, int64(len(l.item)))
	}
	return &synthetic{log: l, gen: g, seed: c.Seed}, nil
}

// partOf assigns example i to a part, 8:1:1 by a seeded hash.
func (s *synthetic) partOf(i int) Part {
	x := s.seed*0x9e3779b97f4a7c15 ^ uint64(i)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	switch x % 10 {
	case 8:
		return Valid
	case 9:
		return Test
	}
	return Train
}

// iter returns the samples of part p, in example order.
func (s *synthetic) iter(p Part) *synthIter { return &synthIter{s: s, part: p} }

// oracle returns the true click probabilities and labels of part p's
// examples.
func (s *synthetic) oracle(p Part) []synth.SeqExample {
	var out []synth.SeqExample
	for i, e := range s.gen.Examples() {
		if p == All || s.partOf(i) == p {
			out = append(out, e)
		}
	}
	return out
}

// synthIter pulls the samples of one part of a synthetic source.
type synthIter struct {
	s    *synthetic
	part Part
	i    int
}

// Next fills x with the next sample; it returns false after the last.
func (it *synthIter) Next(x *Sample) (bool, error) {
	ex := it.s.gen.Examples()
	for ; it.i < len(ex); it.i++ {
		if it.part != All && it.s.partOf(it.i) != it.part {
			continue
		}
		e := ex[it.i]
		it.i++
		n := int32(len(e.HistItems))
		*x = Sample{User: e.User, Step: n, End: n, Item: e.Item}
		if e.Label {
			x.Label = 1
		}
		return true, nil
	}
	return false, nil
}

// SyntheticOracle returns the AUC of the true click probabilities of the
// samples of a synthetic behaviour spec ("behavior:synthetic?…&part=P")
// and their count: the best AUC a model can expect on that part.
func SyntheticOracle(spec string) (auc float64, rows int, err error) {
	sp, err := parseFull(spec)
	if err != nil {
		return 0, 0, err
	}
	if sp.Format != "synthetic" {
		return 0, 0, fmt.Errorf("behavior data %q: only synthetic data knows its oracle", spec)
	}
	g, err := newSynthetic(sp.Synth)
	if err != nil {
		return 0, 0, err
	}
	ex := g.oracle(sp.Part)
	auc, err = synth.SeqOracleAUC(ex)
	return auc, len(ex), err
}
