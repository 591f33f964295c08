package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/recforge/recforge/behavior" // the behavior:synthetic reader
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/pipeline"
)

// updateGolden rewrites serve/testdata's golden responses.
var updateGolden = flag.Bool("update", false, "rewrite the golden responses in testdata")

// The specs the test artifacts are trained on, and the rows the tests
// score (other rows of the same generators, so that some values are
// unseen).
const (
	ctrSpec     = "synthetic:ctr?rows=3000&seed=4&max_vocab=50"
	ctrRows     = "synthetic:ctr?rows=40&seed=9&max_vocab=50"
	behSpec     = "behavior:synthetic?users=120&items=60&categories=5&seed=4&max_len=10"
	behRowsSpec = "behavior:synthetic?users=30&items=70&categories=6&seed=8&max_len=10&part=test"
)

// testArtifacts are trained once per test binary.
var testArtifacts struct {
	once  sync.Once
	dir   string
	paths map[string]string
	err   error
}

// artifactDirs trains, once, the artifacts the tests serve: lr and fm
// (the linear and FM family), deepfm, deepfm1 (DeepFM with one epoch less:
// the same encoders, other weights) and din, each a tiny model on seeded
// synthetic data, so that they are the same on every run of a build.
func artifactDirs(t testing.TB) map[string]string {
	t.Helper()
	a := &testArtifacts
	a.once.Do(func() {
		a.dir, a.err = os.MkdirTemp("", "recforge-serve-test-")
		if a.err != nil {
			return
		}
		a.paths = map[string]string{}
		for _, m := range []struct {
			name, model, spec string
			params            map[string]any
			epochs            int
		}{
			{"lr", "lr", ctrSpec, nil, 2},
			{"fm", "fm", ctrSpec, nil, 2},
			{"deepfm", "deepfm", ctrSpec, map[string]any{"hidden": []any{32, 16}}, 2},
			{"deepfm1", "deepfm", ctrSpec, map[string]any{"hidden": []any{32, 16}}, 1},
			{"din", "din", behSpec, map[string]any{"hidden": []any{16}, "attention_hidden": []any{8}}, 2},
			{"strict", "lr", ctrSpec, nil, 1},
		} {
			var dir string
			if dir, a.err = trainArtifact(a.dir, m.name, m.model, m.spec, m.params, m.epochs); a.err != nil {
				a.err = fmt.Errorf("training %s: %w", m.name, a.err)
				return
			}
			a.paths[m.name] = dir
		}
	})
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.paths
}

func TestMain(m *testing.M) {
	if spec := os.Getenv("RECFORGE_SERVE_LOADGEN"); spec != "" {
		loadGen(spec) // the benchmarks' load generator, run as a child
		return
	}
	flag.Parse()
	code := m.Run()
	for _, dir := range []string{testArtifacts.dir, recArtifacts.root} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// trainArtifact trains model on spec (a behaviour spec is split into its parts)
// and returns the artifact's directory.
func trainArtifact(root, name, modelName, spec string, params map[string]any, epochs int) (string, error) {
	cfg := pipeline.DefaultConfig()
	cfg.Model = pipeline.ModelConfig{Name: modelName, Params: params}
	cfg.Train.Epochs, cfg.Train.Batch = epochs, 128
	cfg.Train.Optimizer.LR = 0.01
	if name == "strict" {
		// The synthetic schema with C9 (never empty in the data) required.
		sch, _, err := dataset.DefaultSchema(spec)
		if err != nil {
			return "", err
		}
		for i := range sch.Fields {
			if sch.Fields[i].Name == "C9" {
				sch.Fields[i].Missing = feature.MissingError
			}
		}
		cfg.Schema = sch
	}
	in := pipeline.Inputs{Data: spec, CacheDir: filepath.Join(root, "cache"), SplitSeed: 1}
	if strings.HasPrefix(spec, "behavior:") {
		in = pipeline.Inputs{Data: spec + "&part=train", Valid: spec + "&part=valid", Test: spec + "&part=test", CacheDir: in.CacheDir}
	}
	p, err := pipeline.Prepare(context.Background(), &cfg, in)
	if err != nil {
		return "", err
	}
	defer p.Close()
	o, err := pipeline.TrainModel(context.Background(), p, &cfg, in.Data, pipeline.RunOptions{Out: filepath.Join(root, name)})
	if err != nil {
		return "", err
	}
	return o.Artifact, nil
}

// quietLogger discards the server's log.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestServer serves the named test artifacts under their names.
func newTestServer(t testing.TB, opts Options, names ...string) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	dirs := artifactDirs(t)
	for _, n := range names {
		if err := s.AddModel(n, dirs[n]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// records reads every record of spec: its columns and raw values.
func records(t testing.TB, spec string) (cols []string, rows [][][]byte) {
	t.Helper()
	r, err := data.Open(spec, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := data.ForEach(r, func(rec *data.Record) error {
		row := make([][]byte, len(rec.Cols))
		for i, c := range rec.Cols {
			row[i] = bytes.Clone(c)
		}
		rows = append(rows, row)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return r.Columns(), rows
}

// rowObject is one record as a request row: every non-empty value under
// its column, as a string, or as an array for the given sequence columns
// (split at '|'); empty values are left out (missing).
func rowObject(cols []string, row [][]byte, seqs map[string]bool) map[string]any {
	obj := map[string]any{}
	for i, c := range cols {
		if len(row[i]) == 0 {
			continue
		}
		if seqs[c] {
			var els []any
			for _, e := range bytes.Split(row[i], []byte("|")) {
				els = append(els, string(e))
			}
			obj[c] = els
			continue
		}
		obj[c] = string(row[i])
	}
	return obj
}

// predictScores scores spec's records with pipeline.Loaded.Score, what
// recforge predict prints.
func predictScores(t testing.TB, dir, spec string) []float32 {
	t.Helper()
	l, err := pipeline.Load(dir, 64)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	if _, err := l.Score(context.Background(), spec, data.ReadOptions{}, func(s, _ []float32, _ []int64) error {
		out = append(out, s...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// post sends body to the handler and returns the status and decoded JSON.
func post(t testing.TB, h http.Handler, path string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(raw))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: response is not JSON: %v\n%s", path, err, rec.Body.String())
	}
	return rec.Code, out, rec.Header()
}

// get is post for GET requests.
func get(t testing.TB, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: response is not JSON: %v\n%s", path, err, rec.Body.String())
	}
	return rec.Code, out
}

// floats reads a JSON array of numbers as float32s, failing on anything
// else.
func floats(t testing.TB, v any) []float32 {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("expected an array of numbers, got %T %v", v, v)
	}
	out := make([]float32, len(arr))
	for i, x := range arr {
		f, ok := x.(float64)
		if !ok {
			t.Fatalf("element %d is %T", i, x)
		}
		// The server writes the shortest float32 decimal; it parses back
		// to the same float32.
		g, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 64), 32)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = float32(g)
	}
	return out
}
