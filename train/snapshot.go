package train

import (
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
)

// snapshot keeps a copy of a model's weights and buffers: the best epoch's,
// restored at the end of an early-stopped run.
type snapshot struct {
	params []*nn.Param // weights and buffers
	tables []*nn.Table
	pw     [][]float32
	tw     [][]float32 // each table's rows, weights only (Dim per row)
	taken  bool
}

func newSnapshot(m model.Model) *snapshot {
	s := &snapshot{params: append(model.Params(m), model.Buffers(m)...), tables: model.Tables(m)}
	for _, p := range s.params {
		s.pw = append(s.pw, make([]float32, len(p.W)))
	}
	for _, t := range s.tables {
		s.tw = append(s.tw, make([]float32, t.Rows*t.Dim))
	}
	return s
}

func (s *snapshot) take() {
	for i, p := range s.params {
		copy(s.pw[i], p.W)
	}
	for i, t := range s.tables {
		dst := s.tw[i]
		for r := range t.Rows {
			copy(dst[r*t.Dim:(r+1)*t.Dim], t.Data[r*t.Stride:r*t.Stride+t.Dim])
		}
	}
	s.taken = true
}

func (s *snapshot) restore() {
	for i, p := range s.params {
		copy(p.W, s.pw[i])
	}
	for i, t := range s.tables {
		src := s.tw[i]
		for r := range t.Rows {
			copy(t.Data[r*t.Stride:r*t.Stride+t.Dim], src[r*t.Dim:(r+1)*t.Dim])
		}
	}
}
