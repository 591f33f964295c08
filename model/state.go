package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

// Stateful is implemented by models holding state that gradients do not
// train but a trained model needs — BatchNorm's running statistics. The
// trainer checkpoints it and artifacts carry it with the weights.
type Stateful interface {
	// Buffers lists that state as parameters whose W aliases the live
	// values (G is nil): loading into W restores the state.
	Buffers() []*nn.Param
}

// Buffers lists m's buffers (none unless m is Stateful).
func Buffers(m Model) []*nn.Param {
	if s, ok := m.(Stateful); ok {
		return s.Buffers()
	}
	return nil
}

// StatsBuffers wraps batch statistics as buffers named
// "<prefix>.<i>.running_mean" and ".running_var", for a Stateful model
// to return.
func StatsBuffers(prefix string, stats []*nn.BatchStats) []*nn.Param {
	var ps []*nn.Param
	for i, s := range stats {
		for _, b := range []struct {
			name string
			w    []float32
		}{{"running_mean", s.RunningMean}, {"running_var", s.RunningVar}} {
			ps = append(ps, &nn.Param{Name: fmt.Sprintf("%s.%d.%s", prefix, i, b.name), Shape: []int{len(b.w)}, W: b.w})
		}
	}
	return ps
}
