package model

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/tune"
)

// layoutFor is a small layout of model name's task.
func layoutFor(name string) Layout {
	info, _ := Lookup(name)
	switch info.Task {
	case TaskSequence:
		return seqLayout(400, 30, 12, 6)
	case TaskRating:
		return ratingLayout(300, 200)
	case TaskRanking:
		return pairLayout(300, 400)
	case TaskPolicy:
		return policyLayout(5, 7)
	}
	return tinyLayout(6, 2, 300, 8)
}

// Every registered model's search space names only fields its
// configuration has — read here from the JSON of its defaults, not by
// ConfigFields' reflection — and training settings the pipeline applies;
// every configuration drawn from it builds. Only ItemPop (a count) and
// DRN's Q-network (its experiment has its own protocol) have none.
func TestEverySpaceNamesConfigFieldsAndBuilds(t *testing.T) {
	none := []string{"drn", "itempop"}
	for _, name := range Names() {
		s, err := SpaceOf(name)
		if slices.Contains(none, name) {
			if err == nil {
				t.Errorf("%s: a search space %v, want none", name, s)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info, _ := Lookup(name)
		b, err := json.Marshal(info.Config())
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatal(err)
		}
		hasLR := false
		for _, p := range s {
			if p.Train {
				hasLR = hasLR || p.Name == "lr"
				if p.Name != "lr" && p.Name != "weight_decay" && p.Name != "batch" {
					t.Errorf("%s: training setting %q", name, p.Name)
				}
				continue
			}
			hasLR = hasLR || p.Name == "lr"
			if _, ok := fields[p.Name]; !ok {
				t.Errorf("%s: the space names %q, which %s's configuration does not have (%s)", name, p.Name, name, b)
			}
		}
		// Every model but the closed-form baseline searches a learning rate.
		if !hasLR && name != "baseline" {
			t.Errorf("%s: the space %v searches no learning rate", name, s)
		}
		if err := CheckSpace(name, s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		trials, err := tune.Sample(s, 12, 5, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tr := range trials {
			params, _ := json.Marshal(tr.Params)
			env := Env{Layout: layoutFor(name), MaxBatch: 16, Seed: 1, MemoryLimit: -1}
			if _, _, err := New(name, params, env); err != nil {
				t.Errorf("%s: drawn configuration %s does not build: %v", name, params, err)
			}
		}
	}
}

// A model that declares no space gets its task's, without the parameters
// its configuration lacks: Deep Crossing has no dropout.
func TestDefaultSpaceFiltersToTheModel(t *testing.T) {
	s, err := SpaceOf("deepcrossing")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range s {
		names = append(names, p.Name)
	}
	if want := []string{"lr", "embedding_dim", "l2_emb"}; !slices.Equal(names, want) {
		t.Errorf("deepcrossing's space %v, want %v", names, want)
	}
	s, _ = SpaceOf("deepfm")
	if len(s) != len(DefaultSpace(TaskCTR)) {
		t.Errorf("deepfm's space %v, want the CTR default %v", s, DefaultSpace(TaskCTR))
	}
}

// Bad spaces and names are errors naming what is wrong.
func TestCheckSpaceErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		s    tune.Space
		want string
	}{
		{"nope", tune.Space{tune.OneOf("x", 1)}, `unknown model "nope"`},
		{"deepfm", nil, "empty"},
		{"deepfm", tune.Space{tune.OneOf("width", 1)}, `no hyper-parameter "width"`},
		{"deepfm", tune.Space{tune.OneOf("momentum", 0.9).Training()}, `training setting "momentum"`},
	} {
		if err := CheckSpace(c.name, c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: %v, want %q", c.name, c.s, err, c.want)
		}
	}
	if _, err := SpaceOf("nope"); err == nil || !strings.Contains(err.Error(), `unknown model "nope"`) {
		t.Errorf("SpaceOf(nope): %v", err)
	}
	// Embedded configurations' fields count: DIN's SeqConfig.
	if f := ConfigFields("din"); !slices.Contains(f, "l2_emb") || !slices.Contains(f, "attention_hidden") {
		t.Errorf("din's fields %v", f)
	}
}
