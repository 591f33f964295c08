package model

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/recforge/recforge/tune"
)

// The training settings a search space may name (tune.Param.Train): the
// default optimizer's learning rate and weight decay, and the batch size.
const (
	SettingLR          = "lr"
	SettingWeightDecay = "weight_decay"
	SettingBatch       = "batch"
)

// TrainSettings lists the training settings a search space may name.
func TrainSettings() []string { return []string{SettingLR, SettingWeightDecay, SettingBatch} }

// Shared search-space parameters.
var (
	// spaceLR is the default optimizer's learning rate, over two orders of
	// magnitude around Adam's usual 1e-3.
	spaceLR = tune.LogUniform(SettingLR, 1e-4, 1e-2).Training()
	// spaceEmbeddingDim and spaceDropout are the usual widths and rates.
	spaceEmbeddingDim = tune.OneOf("embedding_dim", 8, 16, 32)
	spaceDropout      = tune.OneOf("dropout", 0.0, 0.1, 0.2, 0.3, 0.5)
)

// spaceL2 is a per-batch L2 penalty named name: none, or one of three
// orders of magnitude.
func spaceL2(name string) tune.Param { return tune.OneOf(name, 0.0, 1e-6, 1e-5, 1e-4) }

// defaultSpaces are the families' search spaces (see SpaceOf).
var defaultSpaces = map[string]tune.Space{
	TaskCTR:      {spaceLR, spaceEmbeddingDim, spaceDropout, spaceL2("l2_emb")},
	TaskSequence: {spaceLR, spaceEmbeddingDim, spaceL2("l2_emb")},
	// The rating models train with their own optimizer (a part default),
	// whose learning rate is a hyper-parameter of theirs.
	TaskRating:  {tune.LogUniform("lr", 1e-4, 1e-1)},
	TaskRanking: {spaceLR, tune.OneOf("factors", 8, 16, 32, 64), spaceL2("l2")},
}

// DefaultSpace returns the search space of a task's models that declare
// none (nil for a task without one, such as policy).
func DefaultSpace(task string) tune.Space { return slices.Clone(defaultSpaces[task]) }

// SpaceOf returns the search space of the registered model name: its own
// (Info.Space) or, when it declares none, its task's DefaultSpace without
// the model parameters its configuration lacks (a CTR model without
// dropout is searched without it). It is an error for an unknown model
// and for a model with nothing to search.
func SpaceOf(name string) (tune.Space, error) {
	info, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown model %q, expected one of %s", name, strings.Join(Names(), ", "))
	}
	if info.Space != nil {
		if len(info.Space) == 0 {
			return nil, fmt.Errorf("model %s has no hyper-parameters to tune", name)
		}
		return slices.Clone(info.Space), nil
	}
	fields := ConfigFields(name)
	var s tune.Space
	for _, p := range defaultSpaces[info.Task] {
		if p.Train || slices.Contains(fields, p.Name) {
			s = append(s, p)
		}
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("model %s (task %s) declares no search space and its task has none: nothing to tune", name, info.Task)
	}
	return s, nil
}

// CheckSpace reports a space that model name cannot be searched over: one
// that tune.Space.Validate refuses, a model parameter its configuration
// lacks, or a training setting other than TrainSettings.
func CheckSpace(name string, s tune.Space) error {
	if _, ok := Lookup(name); !ok {
		return fmt.Errorf("unknown model %q, expected one of %s", name, strings.Join(Names(), ", "))
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("model %s: %w", name, err)
	}
	fields := ConfigFields(name)
	for _, p := range s {
		switch {
		case p.Train && !slices.Contains(TrainSettings(), p.Name):
			return fmt.Errorf("model %s: search space: training setting %q, expected one of %s", name, p.Name, strings.Join(TrainSettings(), ", "))
		case !p.Train && !slices.Contains(fields, p.Name):
			return fmt.Errorf("model %s: search space: no hyper-parameter %q (the model has %s)", name, p.Name, strings.Join(fields, ", "))
		}
	}
	return nil
}

// ConfigFields lists the hyper-parameter names of the registered model
// name, sorted: the JSON names of its configuration's fields, those of
// embedded structs included (nil for an unknown model).
func ConfigFields(name string) []string {
	info, ok := Lookup(name)
	if !ok {
		return nil
	}
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case tag == "-" || !f.IsExported():
			case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
				walk(f.Type)
			case tag != "":
				out = append(out, tag)
			default:
				out = append(out, f.Name)
			}
		}
	}
	t := reflect.TypeOf(info.Config())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		walk(t)
	}
	slices.Sort(out)
	return out
}
