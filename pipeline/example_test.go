package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/pipeline"
)

// Train a model from Go, as `recforge train` does: Prepare fits the
// encoders on the training part and builds the encoded caches, TrainModel
// trains with early stopping on the validation part, evaluates the best
// epoch on the test part and writes the artifact, the per-epoch log and
// the learning curves into Out. The synthetic spec needs no file; given
// alone it is split 8:1:1.
func ExampleTrainModel() {
	dir, err := os.MkdirTemp("", "recforge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cfg := pipeline.DefaultConfig() // 10 epochs of Adam, batch 1024, early stopping on AUC
	cfg.Model.Name = "fm"
	cfg.Train.Epochs, cfg.Train.Batch = 2, 128
	cfg.Train.Optimizer.LR = 0.01
	in := pipeline.Inputs{
		Data:      "synthetic:ctr?rows=2000&seed=1&max_vocab=50",
		CacheDir:  filepath.Join(dir, "cache"), // default: the user cache directory
		SplitSeed: 1,
	}
	ctx := context.Background()
	p, err := pipeline.Prepare(ctx, &cfg, in)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	out, err := pipeline.TrainModel(ctx, p, &cfg, in.Data, pipeline.RunOptions{Out: filepath.Join(dir, "fm")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Protocol, "-", out.Split)
	fmt.Println("epochs:", out.Epochs)
	fmt.Println("test AUC above chance:", out.Metrics["auc"].(float64) > 0.5)
	fmt.Println("artifact:", filepath.Base(out.Artifact))
	// Output:
	// holdout - 8:1:1 split of synthetic:ctr?rows=2000&seed=1&max_vocab=50, seed 1
	// epochs: 2
	// test AUC above chance: true
	// artifact: model
}

// trainedArtifact trains a small FM as ExampleTrainModel does and returns
// its artifact's directory under dir.
func trainedArtifact(dir string) (string, error) {
	cfg := pipeline.DefaultConfig()
	cfg.Model.Name = "fm"
	cfg.Train.Epochs, cfg.Train.Batch = 2, 128
	cfg.Train.Optimizer.LR = 0.01
	in := pipeline.Inputs{Data: "synthetic:ctr?rows=2000&seed=1&max_vocab=50", CacheDir: filepath.Join(dir, "cache"), SplitSeed: 1}
	p, err := pipeline.Prepare(context.Background(), &cfg, in)
	if err != nil {
		return "", err
	}
	defer p.Close()
	out, err := pipeline.TrainModel(context.Background(), p, &cfg, in.Data, pipeline.RunOptions{Out: filepath.Join(dir, "fm")})
	if err != nil {
		return "", err
	}
	return out.Artifact, nil
}

// Load an artifact and score new rows with it, as `recforge predict`
// does: the rows are read raw and encoded by the encoders fitted at
// training time (values never seen in training take the out-of-vocabulary
// ids). Here the artifact is the one ExampleTrainModel writes, and the
// rows are five more from the same generator with another seed.
func ExampleLoaded_Score() {
	dir, err := os.MkdirTemp("", "recforge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	artifactDir, err := trainedArtifact(dir) // e.g. "runs/fm/model"
	if err != nil {
		log.Fatal(err)
	}

	m, err := pipeline.Load(artifactDir, 0) // 0: score in batches of the default size
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("model:", m.Manifest.Model, "task:", m.Task)
	var scores []float32
	_, err = m.Score(context.Background(), "synthetic:ctr?rows=5&seed=2&max_vocab=50", data.ReadOptions{},
		func(batch, labels []float32, groups []int64) error {
			scores = append(scores, batch...) // click probabilities, in record order
			return nil
		})
	if err != nil {
		log.Fatal(err)
	}
	inRange := true
	for _, s := range scores {
		inRange = inRange && s > 0 && s < 1
	}
	fmt.Println("rows scored:", len(scores), "all probabilities:", inRange)
	// Output:
	// model: fm task: binary
	// rows scored: 5 all probabilities: true
}
