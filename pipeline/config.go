package pipeline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/goccy/go-yaml"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/internal/yamlconf"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/train"
)

// Config is a run's configuration file (YAML):
//
//	schema: {fields: [...]}      # optional for readers with a built-in schema
//	model: {name: deepfm, params: {hidden: [400, 400, 400]}}
//	train: {epochs: 5, batch: 4096, optimizer: {rule: adam, lr: 0.001}}
//	data: {skip_bad: true}
//
// Every section is optional; command-line flags override it.
type Config struct {
	Schema *feature.Schema `yaml:"schema,omitempty" json:"schema,omitempty"`
	Model  ModelConfig     `yaml:"model,omitempty" json:"model"`
	Train  train.Config    `yaml:"train,omitempty" json:"train"`
	Data   DataConfig      `yaml:"data,omitempty" json:"data"`
	// Models holds per-model settings for the zoo and bench: each model's
	// hyper-parameters and training overrides, by model name.
	Models map[string]ModelSettings `yaml:"models,omitempty" json:"models,omitempty"`
}

// ModelSettings are one model's settings in a comparison.
type ModelSettings struct {
	// Params are the model's hyper-parameters over its defaults.
	Params map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
	// Optimizer, Epochs and Batch, when set, replace the train section's.
	Optimizer *optim.Spec `yaml:"optimizer,omitempty" json:"optimizer,omitempty"`
	Epochs    int         `yaml:"epochs,omitempty" json:"epochs,omitempty"`
	Batch     int         `yaml:"batch,omitempty" json:"batch,omitempty"`
}

// ForModel returns the configuration of one model of a comparison: the
// model's own settings from Models over the shared ones.
func (c Config) ForModel(name string) Config {
	out := c
	out.Model = ModelConfig{Name: name}
	if c.Model.Name == name {
		out.Model.Params = c.Model.Params
	}
	if s, ok := c.Models[name]; ok {
		if s.Params != nil {
			out.Model.Params = s.Params
		}
		if s.Optimizer != nil {
			out.Train.Optimizer = *s.Optimizer
		}
		if s.Epochs > 0 {
			out.Train.Epochs = s.Epochs
		}
		if s.Batch > 0 {
			out.Train.Batch = s.Batch
		}
	}
	return out
}

// ModelConfig names a registered model and its hyper-parameters.
type ModelConfig struct {
	Name string `yaml:"name,omitempty" json:"name"`
	// Params are the model's hyper-parameters over its defaults.
	Params map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
}

// DataConfig tunes reading.
type DataConfig struct {
	// SkipBad skips (and counts) malformed records instead of failing.
	SkipBad bool `yaml:"skip_bad,omitempty" json:"skip_bad,omitempty"`
	// MaxLineBytes bounds a line (or CSV record) of the data; longer ones
	// are malformed. 0 means data.DefaultMaxLineBytes.
	MaxLineBytes int `yaml:"max_line_bytes,omitempty" json:"max_line_bytes,omitempty"`
	// Split is the train:valid:test ratio used when only training data is
	// given (default 8:1:1).
	Split []float64 `yaml:"split,omitempty" json:"split,omitempty"`
}

// DefaultConfig is the configuration of a run given no file.
func DefaultConfig() Config {
	return Config{Train: train.DefaultConfig()}
}

// LoadConfig reads a configuration file over DefaultConfig. Unknown keys
// are errors located by line and column; a file over yamlconf.MaxBytes, or
// whose aliases expand past yamlconf.MaxNodes values, is refused before
// it is decoded.
func LoadConfig(path string) (c Config, err error) {
	src, err := yamlconf.ReadFile(path)
	if err != nil {
		return c, err
	}
	// An empty or comment-only document leaves the defaults: every section
	// being optional, it means them.
	c = DefaultConfig()
	if err := yamlconf.Unmarshal(src, &c, yaml.DisallowUnknownField()); err != nil {
		return c, yamlconf.InFile(path, err)
	}
	if c.Data.MaxLineBytes < 0 {
		return c, fmt.Errorf("%s: data: max_line_bytes = %d, want ≥ 0 (0: the default)", path, c.Data.MaxLineBytes)
	}
	if c.Schema != nil {
		if err := c.Schema.Validate(); err != nil {
			return c, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := c.Train.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	for name := range c.Models {
		mc := c.ForModel(name)
		if err := mc.Train.Validate(); err != nil {
			return c, fmt.Errorf("%s: models.%s: %w", path, name, err)
		}
	}
	return c, nil
}

// params returns the model's hyper-parameters as JSON.
func (m ModelConfig) params() ([]byte, error) {
	if len(m.Params) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(numbers(m.Params))
	if err != nil {
		return nil, fmt.Errorf("model %s: params: %w", m.Name, err)
	}
	return b, nil
}

// plainNumber matches the decimal forms a hyper-parameter is written in.
var plainNumber = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// numbers returns v with every string that is a plain decimal number made
// a number. YAML 1.1 reads "1e-4" (no dot) as a string; no model takes a
// string hyper-parameter that looks like a number, so the reading the user
// meant is the number.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numbers(e)
		}
		return out
	case string:
		if plainNumber.MatchString(x) {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		}
	}
	return v
}
