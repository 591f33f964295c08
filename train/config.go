package train

import (
	"fmt"

	"github.com/recforge/recforge/optim"
)

// Task is what a model's output means.
type Task string

// Tasks.
const (
	// Binary: the output is a logit, the loss sigmoid log loss, the
	// metrics AUC, log loss, accuracy (and gAUC when rows have groups).
	Binary Task = "binary"
	// Regression: the output is the prediction, the loss squared error,
	// the metrics RMSE and MAE.
	Regression Task = "regression"
)

// Config is a training run's configuration; a configuration file's
// "train" section.
type Config struct {
	// Task is binary or regression; empty detects it from the training
	// labels (all 0 or 1: binary).
	Task Task `json:"task,omitempty" yaml:"task,omitempty"`
	// Epochs is the most epochs to run.
	Epochs int `json:"epochs" yaml:"epochs"`
	// Batch is the mini-batch size.
	Batch int `json:"batch" yaml:"batch"`
	// Seed seeds the shuffling, the initialization and dropout.
	Seed uint64 `json:"seed" yaml:"seed"`
	// Optimizer is the default optimizer of every model part.
	Optimizer optim.Spec `json:"optimizer" yaml:"optimizer"`
	// Parts overrides the optimizer of named model parts (e.g. "wide").
	Parts map[string]optim.Spec `json:"parts,omitempty" yaml:"parts,omitempty"`
	// ClipNorm and ClipValue clip gradients (0: off); see optim.Optimizer.
	ClipNorm  float64 `json:"clip_norm,omitempty" yaml:"clip_norm,omitempty"`
	ClipValue float64 `json:"clip_value,omitempty" yaml:"clip_value,omitempty"`
	// EarlyStop stops training when a validation metric stops improving.
	EarlyStop EarlyStop `json:"early_stop" yaml:"early_stop"`
	// Plateau reduces the learning rate when it stops improving.
	Plateau Plateau `json:"plateau" yaml:"plateau"`
	// Shards splits every batch into this many shards of consecutive
	// rows, trained at once by replicas of the model that share its
	// weights, on up to Options.Threads cores; their gradients are summed
	// in shard order, so the result depends on the shard count but not on
	// the thread count. 0 or 1: one shard, the model alone. Layers with
	// batch statistics (BatchNorm, Dice) normalize each shard over its own
	// rows, as data-parallel trainers without synchronized batch
	// normalization do, and their running statistics follow shard 0.
	Shards int `json:"shards,omitempty" yaml:"shards,omitempty"`
}

// EarlyStop configures early stopping. The model kept at the end is the
// one of the best epoch.
type EarlyStop struct {
	// Metric is the validation metric watched ("auc", "logloss", "rmse",
	// "ndcg@10", …); empty means auc for binary tasks and rmse for
	// regression.
	Metric string `json:"metric,omitempty" yaml:"metric,omitempty"`
	// Patience is the number of epochs without improvement tolerated; 0
	// never stops early.
	Patience int `json:"patience" yaml:"patience"`
	// MinDelta is the least change that counts as an improvement.
	MinDelta float64 `json:"min_delta,omitempty" yaml:"min_delta,omitempty"`
}

// Plateau configures reduce-on-plateau: after Patience epochs without
// improvement of the early-stopping metric, every part's learning rate is
// multiplied by Factor.
type Plateau struct {
	// Factor in (0, 1); 0 disables the reduction.
	Factor float64 `json:"factor,omitempty" yaml:"factor,omitempty"`
	// Patience is the number of epochs without improvement before a cut.
	Patience int `json:"patience,omitempty" yaml:"patience,omitempty"`
}

// DefaultConfig is the configuration used where a file says nothing:
// 10 epochs of batch 1024 with Adam at 1e-3, stopping after 2 epochs
// without validation improvement, and halving the rate after 1.
func DefaultConfig() Config {
	return Config{
		Epochs: 10, Batch: 1024, Seed: 1,
		Optimizer: optim.Spec{Rule: "adam", LR: 1e-3},
		EarlyStop: EarlyStop{Patience: 2},
		Plateau:   Plateau{Factor: 0.5, Patience: 1},
	}
}

// Validate reports settings that cannot run.
func (c *Config) Validate() error {
	switch {
	case c.Task != "" && c.Task != Binary && c.Task != Regression:
		return fmt.Errorf("train: task %q, expected binary or regression", c.Task)
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs = %d, want ≥ 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("train: batch = %d, want ≥ 1", c.Batch)
	case !(c.ClipNorm >= 0) || !(c.ClipValue >= 0):
		return fmt.Errorf("train: clip_norm and clip_value must be ≥ 0")
	case c.EarlyStop.Patience < 0 || !(c.EarlyStop.MinDelta >= 0):
		return fmt.Errorf("train: early_stop patience and min_delta must be ≥ 0")
	case !(c.Plateau.Factor >= 0 && c.Plateau.Factor < 1) || c.Plateau.Patience < 0:
		return fmt.Errorf("train: plateau factor must be in [0, 1) and patience ≥ 0")
	case c.Shards < 0 || c.Shards > maxShards:
		return fmt.Errorf("train: shards = %d, want 1 to %d (0 means 1)", c.Shards, maxShards)
	}
	if c.EarlyStop.Metric != "" {
		if _, ok := HigherIsBetter(c.EarlyStop.Metric); !ok {
			return fmt.Errorf("train: early_stop metric %q, expected one of %s", c.EarlyStop.Metric, metricNames())
		}
	}
	if _, err := c.Optimizer.NewRule(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	for name, s := range c.Parts {
		if _, err := s.NewRule(); err != nil {
			return fmt.Errorf("train: part %q: %w", name, err)
		}
	}
	return nil
}

// watched returns the early-stopping metric of task t.
func (c *Config) watched(t Task) string {
	if c.EarlyStop.Metric != "" {
		return c.EarlyStop.Metric
	}
	if t == Regression {
		return "rmse"
	}
	return "auc"
}
