package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/model"
)

func TestModelsSectionOverridesPerModel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zoo.yaml")
	src := "train: {epochs: 4, batch: 512, optimizer: {rule: adam, lr: 0.001}}\n" +
		"models:\n  lr: {optimizer: {rule: ftrl, lr: 0.05, l1: 1e-3}, epochs: 2}\n  deepfm: {params: {hidden: [64, 32]}, batch: 256}\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	lr := c.ForModel("lr")
	if lr.Model.Name != "lr" || lr.Train.Optimizer.Rule != "ftrl" || lr.Train.Optimizer.L1 != 1e-3 || lr.Train.Epochs != 2 || lr.Train.Batch != 512 {
		t.Errorf("lr: %+v %+v", lr.Model, lr.Train)
	}
	d := c.ForModel("deepfm")
	if d.Train.Optimizer.Rule != "adam" || d.Train.Epochs != 4 || d.Train.Batch != 256 || d.Model.Params["hidden"] == nil {
		t.Errorf("deepfm: %+v %+v", d.Model, d.Train)
	}
	if fm := c.ForModel("fm"); fm.Train.Optimizer != c.Train.Optimizer || fm.Train.Epochs != 4 || fm.Model.Params != nil {
		t.Errorf("fm got another model's settings: %+v", fm)
	}
	if c.Train.Optimizer.Rule != "adam" {
		t.Error("ForModel changed the shared configuration")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("models:\n  lr: {optimizer: {rule: lion, lr: 1}}\n"), 0o644)
	if _, err := LoadConfig(bad); err == nil {
		t.Error("an invalid per-model optimizer was accepted")
	}
}

// The zoo's committed configurations load and name registered models.
func TestZooConfigsLoad(t *testing.T) {
	files, _ := filepath.Glob("../configs/zoo/*.yaml")
	if len(files) == 0 {
		t.Fatal("no configs/zoo files")
	}
	for _, f := range files {
		c, err := LoadConfig(f)
		if err != nil {
			t.Error(err)
			continue
		}
		for name := range c.Models {
			if _, ok := model.Lookup(name); !ok {
				t.Errorf("%s: unknown model %q", f, name)
			}
		}
	}
}
