package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

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
