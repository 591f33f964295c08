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
// "<prefix>.<i>.running_mean", ".running_var" and ".batches", for a
// Stateful model to return. The batch count is optional: artifacts written
// before it existed load with a count of 0, so that training them further
// starts the running averages afresh from their first batch.
func StatsBuffers(prefix string, stats []*nn.BatchStats) []*nn.Param {
	var ps []*nn.Param
	for i, s := range stats {
		for _, b := range []struct {
			name     string
			w        []float32
			optional bool
		}{{"running_mean", s.RunningMean, false}, {"running_var", s.RunningVar, false}, {"batches", s.Batches, true}} {
			ps = append(ps, &nn.Param{Name: fmt.Sprintf("%s.%d.%s", prefix, i, b.name), Shape: []int{len(b.w)}, W: b.w, Optional: b.optional})
		}
	}
	return ps
}
