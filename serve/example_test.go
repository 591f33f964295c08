package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/serve"
)

// trainArtifact trains a small FM under dir, as `recforge train --model fm
// --data 'synthetic:ctr?rows=2000&seed=1&max_vocab=50' --epochs 2` would
// (see pipeline's ExampleTrainModel), and returns its artifact's directory.
func trainArtifact(dir string) (string, error) {
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

// rawRows lays out rows given as column → raw value in the order of the
// model's columns; a column a row leaves out is a missing value (nil).
func rawRows(cols []serve.Column, rows ...map[string]string) [][][]byte {
	out := make([][][]byte, len(rows))
	for i, r := range rows {
		out[i] = make([][]byte, len(cols))
		for k, c := range cols {
			if v, ok := r[c.Name]; ok {
				out[i][k] = []byte(v)
			}
		}
	}
	return out
}

// Score rows in process, without HTTP: the values are the raw text a
// training file would hold, encoded by the artifact's own encoders, so the
// scores are those `recforge predict` and the :predict endpoint give.
func ExampleServer_Score() {
	dir, err := os.MkdirTemp("", "recforge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	artifactDir, err := trainArtifact(dir) // e.g. "runs/fm/model"
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(serve.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.AddModel("fm", artifactDir); err != nil {
		log.Fatal(err)
	}
	cols, err := s.Columns("fm") // I1..I13, C1..C26: the training file's feature columns
	if err != nil {
		log.Fatal(err)
	}
	rows := rawRows(cols,
		map[string]string{"I1": "4", "I2": "3", "C1": "2bbe40e7", "C9": "0a8e16d5"},
		map[string]string{"C1": "never-seen"}, // an unseen value takes the out-of-vocabulary id
	)
	scores := make([]float32, len(rows))
	version, err := s.Score(context.Background(), "fm", rows, scores)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("columns:", len(cols), "version:", version != "")
	for i, p := range scores {
		fmt.Printf("row %d: a probability: %v\n", i, p > 0 && p < 1)
	}
	// Output:
	// columns: 39 version: true
	// row 0: a probability: true
	// row 1: a probability: true
}

// Rank candidates for one context: the context gives the columns the
// candidates share, each candidate its own; the answer lists them by
// decreasing score with their index among the candidates.
func ExampleServer_Rank() {
	dir, err := os.MkdirTemp("", "recforge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	artifactDir, err := trainArtifact(dir) // e.g. "runs/fm/model"
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(serve.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.AddModel("fm", artifactDir); err != nil {
		log.Fatal(err)
	}
	cols, err := s.Columns("fm")
	if err != nil {
		log.Fatal(err)
	}
	context0 := rawRows(cols, map[string]string{"I1": "4", "I2": "3"})[0]
	candidates := rawRows(cols,
		map[string]string{"C1": "2bbe40e7", "C2": "9a5c88e5"},
		map[string]string{"C1": "ba4c8648", "C2": "3806af6f"},
		map[string]string{"C1": "70d074c8", "C2": "7f99fe8d"},
	)
	ranked, _, err := s.Rank(context.Background(), "fm", context0, candidates, make([]float32, len(candidates)), nil)
	if err != nil {
		log.Fatal(err)
	}
	sorted := true
	for i := 1; i < len(ranked); i++ {
		sorted = sorted && ranked[i-1].Score >= ranked[i].Score
	}
	fmt.Println("candidates ranked:", len(ranked), "best first:", sorted)
	// Output:
	// candidates ranked: 3 best first: true
}

// Serve over HTTP: Handler is the whole API (/v1, the Open Inference
// Protocol's /v2, /metrics), here behind an httptest server; `recforge
// serve` runs the same handler with Server.Run.
func ExampleServer_Handler() {
	dir, err := os.MkdirTemp("", "recforge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	artifactDir, err := trainArtifact(dir) // e.g. "runs/fm/model"
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(serve.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.AddModel("fm", artifactDir); err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	body := `{"rows": [{"I1": 4, "I2": 1, "C1": "2bbe40e7"}, {"I1": "3", "C1": "never-seen"}]}`
	resp, err := http.Post(ts.URL+"/v1/models/fm:predict", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Model   string    `json:"model"`
		Version string    `json:"version"`
		Scores  []float64 `json:"scores"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, answer.Model, "scores:", len(answer.Scores))

	// Bad input is a 4xx naming the field and what was expected.
	resp, err = http.Post(ts.URL+"/v1/models/fm:predict", "application/json", strings.NewReader(`{"rows": [{"I1": "NaN"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var bad struct {
		Error serve.Error `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&bad); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, bad.Error.Field, bad.Error.Message)
	// Output:
	// 200 OK fm scores: 2
	// 400 Bad Request rows[0].I1 field I1: expected a number, found "NaN"
}
