package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// --epochs and --batch win over the configuration file, its per-model
// settings included, for every command that reads runFlags.
func TestRunFlagsWinOverModelsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("train: {epochs: 7, batch: 64}\nmodels:\n  fm: {epochs: 5, batch: 32}\n  lr: {epochs: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args                  []string
		fmEpochs, fmBatch     int
		lrEpochs, otherEpochs int
	}{
		{nil, 5, 32, 3, 7},
		{[]string{"--epochs", "2"}, 2, 32, 2, 2},
		{[]string{"--batch", "16"}, 5, 16, 3, 7},
	} {
		fs := newFlags("test", "test", io.Discard, io.Discard)
		var rf runFlags
		rf.register(fs.FlagSet)
		if err := fs.Parse(append([]string{"--config", path}, c.args...)); err != nil {
			t.Fatal(err)
		}
		cfg, err := rf.load(fs.FlagSet)
		if err != nil {
			t.Fatal(err)
		}
		fm, lr, other := cfg.ForModel("fm"), cfg.ForModel("lr"), cfg.ForModel("deepfm")
		if fm.Train.Epochs != c.fmEpochs || fm.Train.Batch != c.fmBatch || lr.Train.Epochs != c.lrEpochs || other.Train.Epochs != c.otherEpochs {
			t.Errorf("%v: fm %d epochs × batch %d, lr %d epochs, deepfm %d epochs; want %d × %d, %d, %d", c.args,
				fm.Train.Epochs, fm.Train.Batch, lr.Train.Epochs, other.Train.Epochs, c.fmEpochs, c.fmBatch, c.lrEpochs, c.otherEpochs)
		}
	}
}
