package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// Env is what every model constructor receives besides its own
// hyper-parameters.
type Env struct {
	// Layout describes the inputs.
	Layout Layout
	// MaxBatch is the largest Batch.N the model will see.
	MaxBatch int
	// Seed seeds the initialization and dropout.
	Seed uint64
	// Training, when set, says how the model will be trained: New then
	// counts the optimizer state, the best epoch's copy and the checkpoint
	// in the model's footprint.
	Training *Training
	// MemoryLimit bounds the model's estimated footprint (Footprint.Usage)
	// in bytes: New refuses a model above it before allocating anything.
	// 0 means memlimit's: the memory available, or RECFORGE_MEMORY_LIMIT;
	// negative checks nothing.
	MemoryLimit int64
	// Replica builds a replica that will read another model's weights
	// (train.ReplicaFunc): its embedding tables are views without weights
	// of their own (nn.NewTableView).
	Replica bool
}

// table returns an embedding table of rows×dim for a model built in e: a
// view without weights when e builds a replica.
func (e Env) table(name string, rows, dim int, padding bool) *nn.Table {
	if e.Replica {
		return nn.NewTableView(name, rows, dim, padding)
	}
	return nn.NewTable(name, rows, dim, padding)
}

// Rand returns the initialization generator of e's seed.
func (e Env) Rand() *rand.Rand { return nn.NewRand(e.Seed) }

// Info registers a model.
type Info struct {
	// Name is the registered name, lower case ("deepfm").
	Name string
	// Task is the family the model belongs to, which says what its
	// examples are and how it is evaluated (TaskCTR, TaskSequence, …).
	Task string
	// Summary is one line for listings.
	Summary string
	// Citation names the paper.
	Citation string
	// Config returns a pointer to a new hyper-parameter struct filled with
	// the model's defaults; its JSON (and YAML) field names are the names a
	// configuration file uses.
	Config func() any
	// New builds the model from env and a config of Config's type.
	New func(env Env, cfg any) (Model, error)
	// Footprint estimates, without allocating, the memory New would take
	// with the same arguments (see Footprint). It must not fail: for a
	// configuration New refuses it may return anything.
	Footprint func(env Env, cfg any) Footprint
	// Space is the hyper-parameter search space of recforge train --tune
	// (package tune): the model's parameters by their configuration
	// names, and training settings (TrainSettings) marked Train. Every
	// name must be one Config has. nil takes the task's default
	// (SpaceOf); an empty, non-nil space says there is nothing to tune.
	Space tune.Space
}

// The tasks a registered model has.
const (
	// TaskCTR: one row of categorical and numeric fields in, a click
	// probability (or a value, for regression) out.
	TaskCTR = "ctr"
	// TaskSequence: a CTR row with the user's behaviour history.
	TaskSequence = "sequence"
	// TaskRating: a (user, item) pair in, a predicted rating out.
	TaskRating = "rating"
	// TaskRanking: a (user, item) pair in, a ranking score out, trained on
	// implicit feedback with sampled negatives.
	TaskRanking = "ranking"
	// TaskPolicy: a (state, action) pair in, the action's value out (DRN's
	// Q-network).
	TaskPolicy = "policy"
)

// Tasks lists the tasks, in the order listings group them.
func Tasks() []string {
	return []string{TaskCTR, TaskSequence, TaskRating, TaskRanking, TaskPolicy}
}

var registry = map[string]Info{}

// Register adds a model; registering a name twice panics (a programming
// error caught at init).
func Register(info Info) {
	if info.Name == "" || info.Config == nil || info.New == nil || info.Footprint == nil || !slices.Contains(Tasks(), info.Task) {
		panic("model: Register needs a name, a task of Tasks(), Config, New and Footprint")
	}
	if _, dup := registry[info.Name]; dup {
		panic("model: " + info.Name + " registered twice")
	}
	registry[info.Name] = info
}

// Lookup returns the registered model name.
func Lookup(name string) (Info, bool) {
	i, ok := registry[name]
	return i, ok
}

// Names lists the registered models, sorted.
func Names() []string {
	ns := make([]string, 0, len(registry))
	for n := range registry {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// ResolveConfig decodes params (a JSON object, or empty for the defaults)
// over the defaults of model name and returns the config and its complete
// JSON, every default written out, which is what an artifact records.
// Unknown fields are an error naming the model and the field.
func ResolveConfig(name string, params []byte) (any, []byte, error) {
	info, ok := registry[name]
	if !ok {
		return nil, nil, fmt.Errorf("unknown model %q, expected one of %s", name, strings.Join(Names(), ", "))
	}
	cfg := info.Config()
	if len(bytes.TrimSpace(params)) > 0 && string(bytes.TrimSpace(params)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(params))
		dec.DisallowUnknownFields()
		if err := dec.Decode(cfg); err != nil {
			return nil, nil, fmt.Errorf("model %s: hyper-parameters: %w", name, err)
		}
	}
	resolved, err := json.Marshal(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", name, err)
	}
	return cfg, resolved, nil
}

// New builds model name with hyper-parameters params (JSON over the
// defaults; see ResolveConfig) and returns it with the resolved
// hyper-parameters. A model whose estimated footprint exceeds
// env.MemoryLimit is refused, with the estimate, before anything is
// allocated.
func New(name string, params []byte, env Env) (Model, []byte, error) {
	cfg, resolved, err := ResolveConfig(name, params)
	if err != nil {
		return nil, nil, err
	}
	if env.MaxBatch < 1 {
		return nil, nil, fmt.Errorf("model %s: max batch %d, want ≥ 1", name, env.MaxBatch)
	}
	if err := checkMemory(registry[name], env, cfg); err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", name, err)
	}
	m, err := registry[name].New(env, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", name, err)
	}
	return m, resolved, nil
}
