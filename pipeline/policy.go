package pipeline

import (
	"context"
	"fmt"

	"github.com/recforge/recforge/model"
)

// A policy model (DRN's Q-network) learns online from the rewards of its
// own slates in the simulator, not from a file of examples: its runs are
// `recforge drn` (package rl), which saves the policy as an artifact
// (--save-policy) that eval, predict and serve load like any other.
func init() {
	preparers[model.TaskPolicy] = func(_ context.Context, cfg *Config, _ Inputs) (*Prepared, error) {
		return nil, fmt.Errorf("model %s is a policy learnt online in the simulator, not from a data file: run recforge drn (--save-policy DIR writes its artifact)", cfg.Model.Name)
	}
}
