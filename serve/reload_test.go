package serve

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recforge/recforge/artifact"
)

// copyArtifact copies the artifact in src into dst, replacing it the way
// artifact.Save does: written beside it, then renamed into place.
func copyArtifact(t testing.TB, src, dst string) {
	t.Helper()
	if err := replaceArtifact(src, dst); err != nil {
		t.Fatal(err)
	}
}

// replaceArtifact is copyArtifact returning its error, for goroutines
// other than the test's.
func replaceArtifact(src, dst string) error {
	tmp := dst + ".tmp"
	if err := os.CopyFS(tmp, os.DirFS(src)); err != nil {
		return err
	}
	old := dst + ".old"
	if _, err := os.Stat(dst); err == nil {
		if err := os.Rename(dst, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// Hot reload under concurrent load: requests never fail, and each
// response's scores are the ones of the version it names, bit for bit (two
// artifacts with the same encoders and different weights alternate). A
// reload that fails leaves the old version serving. Run with -race.
func TestReloadUnderLoad(t *testing.T) {
	dirs := artifactDirs(t)
	served := filepath.Join(t.TempDir(), "model")
	copyArtifact(t, dirs["deepfm"], served)

	ref := newTestServer(t, Options{}, "deepfm", "deepfm1")
	ids := ref.Models()
	want := map[string][]float32{
		ids["deepfm"]:  predictScores(t, dirs["deepfm"], ctrRows),
		ids["deepfm1"]: predictScores(t, dirs["deepfm1"], ctrRows),
	}
	if len(want) != 2 || slices.Equal(want[ids["deepfm"]], want[ids["deepfm1"]]) {
		t.Fatalf("the two artifacts do not differ: versions %v", ids)
	}

	s, err := New(Options{Replicas: 2, MaxCandidates: 64, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModel("m", served); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	cols, recs := records(t, ctrRows)
	var rows []any
	for _, r := range recs {
		rows = append(rows, rowObject(cols, r, nil))
	}
	body, _ := json.Marshal(map[string]any{"rows": rows})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var requests atomic.Int64
	seen := sync.Map{}
	fail := make(chan string, 16)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/models/m:predict", bytes.NewReader(body)))
				requests.Add(1)
				var out struct {
					Version string
					Scores  []float32
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != 200 || err != nil {
					fail <- fmt.Sprintf("status %d: %s", rec.Code, rec.Body.String())
					return
				}
				exp, ok := want[out.Version]
				if !ok {
					fail <- "unknown version " + out.Version
					return
				}
				seen.Store(out.Version, true)
				if !slices.Equal(out.Scores, exp) {
					fail <- "version " + out.Version + ": scores of another version"
					return
				}
			}
		}()
	}
	src := []string{dirs["deepfm1"], dirs["deepfm"]}
	for i := range 8 {
		copyArtifact(t, src[i%2], served)
		if err := s.Reload("m"); err != nil {
			t.Fatal(err)
		}
		if got, wantID := s.Models()["m"], ids[[]string{"deepfm1", "deepfm"}[i%2]]; got != wantID {
			t.Fatalf("after reload %d serving %s, want %s", i, got, wantID)
		}
		time.Sleep(15 * time.Millisecond)
	}
	// A broken artifact: the reload fails, the old version keeps serving.
	if err := os.WriteFile(filepath.Join(served, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := s.Models()["m"]
	if err := s.Reload("m"); err == nil {
		t.Error("reloading a broken artifact succeeded")
	}
	time.Sleep(15 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(fail)
	for msg := range fail {
		t.Error(msg)
	}
	if s.Models()["m"] != before {
		t.Errorf("after a failed reload serving %s, want %s", s.Models()["m"], before)
	}
	n := 0
	seen.Range(func(any, any) bool { n++; return true })
	if n != 2 || requests.Load() < 20 {
		t.Errorf("%d requests saw %d versions; want both", requests.Load(), n)
	}
	if ok, bad := testutil.ToFloat64(s.metrics.reloads.WithLabelValues("m", "ok")), testutil.ToFloat64(s.metrics.reloads.WithLabelValues("m", "error")); ok != 8 || bad != 1 {
		t.Errorf("reloads counted ok %v error %v, want 8 and 1", ok, bad)
	}
}

// Watch reloads a model whose artifact was replaced, and ReloadAll of an
// unchanged artifact keeps the version.
func TestWatchReloads(t *testing.T) {
	dirs := artifactDirs(t)
	served := filepath.Join(t.TempDir(), "model")
	copyArtifact(t, dirs["deepfm"], served)
	s, err := New(Options{Replicas: 1, MaxCandidates: 8, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModel("m", served); err != nil {
		t.Fatal(err)
	}
	first := s.Models()["m"]
	if err := s.ReloadAll(); err != nil || s.Models()["m"] != first {
		t.Fatalf("reloading the same artifact: %v, version %s → %s", err, first, s.Models()["m"])
	}
	if n := testutil.ToFloat64(s.metrics.reloads.WithLabelValues("m", "unchanged")); n != 1 {
		t.Errorf("unchanged reloads counted: %v", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx, 10*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	if s.Models()["m"] != first {
		t.Fatal("watch reloaded an unchanged artifact to another version")
	}
	copyArtifact(t, dirs["deepfm1"], served)
	deadline := time.Now().Add(5 * time.Second)
	for s.Models()["m"] == first {
		if time.Now().After(deadline) {
			t.Fatal("watch did not pick up the new artifact")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// poisonWeights sets every weight of the artifact in dir to v, keeping the
// file well-formed: what a diverged or corrupted model looks like.
func poisonWeights(t testing.TB, dir string, v float32) {
	t.Helper()
	mapWeights(t, dir, func(float32) float32 { return v })
}

// mapWeights replaces every weight w of the artifact in dir by f(w).
func mapWeights(t testing.TB, dir string, f func(float32) float32) {
	t.Helper()
	path := filepath.Join(dir, artifact.WeightsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := artifact.ReadSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range st.Tensors { // Data aliases b
		for i := 0; i < len(tn.Data); i += 4 {
			w := math.Float32frombits(binary.LittleEndian.Uint32(tn.Data[i:]))
			binary.LittleEndian.PutUint32(tn.Data[i:], math.Float32bits(f(w)))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A reload to well-formed weights holding NaN or infinities fails, naming
// the tensor: the old version keeps answering (and the server ready), and
// the failure is logged and counted. Such an artifact is not served at all.
func TestReloadRefusesNonFiniteWeights(t *testing.T) {
	dirs := artifactDirs(t)
	served := filepath.Join(t.TempDir(), "model")
	copyArtifact(t, dirs["deepfm"], served)
	var log syncBuffer
	s, err := New(Options{Replicas: 1, MaxCandidates: 8, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModel("m", served); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	before := s.Models()["m"]
	const body = `{"rows": [{"C1": "a", "I1": 3}]}`
	_, out, _ := post(t, h, "/v1/models/m:predict", body)
	want := floats(t, out["scores"])
	for i, v := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		copyArtifact(t, dirs["deepfm1"], served)
		poisonWeights(t, served, v)
		err := s.Reload("m")
		if err == nil || !strings.Contains(err.Error(), "tensor \"") || !strings.Contains(err.Error(), "element [0") ||
			!strings.Contains(err.Error(), fmt.Sprint(v)) || !strings.Contains(err.Error(), "must be finite") {
			t.Errorf("reload to weights of %v: %v", v, err)
		}
		if got := s.Models()["m"]; got != before {
			t.Errorf("after a reload to weights of %v serving %s, want %s", v, got, before)
		}
		code, out, _ := post(t, h, "/v1/models/m:predict", body)
		if code != 200 || out["version"] != before || !slices.Equal(floats(t, out["scores"]), want) {
			t.Errorf("predict after a reload to weights of %v: %d %v", v, code, out)
		}
		if code, out := get(t, h, "/v2/health/ready"); code != 200 {
			t.Errorf("ready after a failed reload: %d %v", code, out)
		}
		if n := testutil.ToFloat64(s.metrics.reloads.WithLabelValues("m", "error")); n != float64(i+1) {
			t.Errorf("%v failed reloads counted, want %d", n, i+1)
		}
	}
	if l := log.String(); strings.Count(l, "reload failed; the old version keeps serving") != 2 || !strings.Contains(l, "must be finite") {
		t.Errorf("log:\n%s", l)
	}
	if err := s.AddModel("n", served); err == nil || !strings.Contains(err.Error(), "must be finite") {
		t.Errorf("adding a model of infinite weights: %v", err)
	}
}

// Finite weights that overflow the model's float32 arithmetic (here every
// weight 3e38) load, but no NaN or infinite score is handed on: the HTTP
// endpoints answer 500 and the in-process API an error.
func TestOverflowingScoresRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	copyArtifact(t, artifactDirs(t)["deepfm"], dir)
	poisonWeights(t, dir, 3e38)
	s, err := New(Options{Replicas: 1, MaxCandidates: 8, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModel("m", dir); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for _, c := range []struct{ path, body string }{
		{"/v1/models/m:predict", `{"rows": [{"C1": "a", "I1": 3}]}`},
		{"/v1/models/m:rank", `{"candidates": [{"C1": "a", "I1": 3}]}`},
		{"/v2/models/m/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`},
	} {
		code, out, _ := post(t, h, c.path, c.body)
		checkError(t, c.path, code, out, 500, CodeInternal, "", "non-finite score")
	}
	cols, _ := s.Columns("m")
	row := make([][]byte, len(cols))
	row[0] = []byte("3")
	scores := make([]float32, 1)
	if _, err := s.Score(context.Background(), "m", [][][]byte{row}, scores); err == nil || !strings.Contains(err.Error(), "non-finite score") {
		t.Errorf("Score: %v, scores %v", err, scores)
	}
	if _, _, err := s.Rank(context.Background(), "m", nil, [][][]byte{row}, scores, nil); err == nil || !strings.Contains(err.Error(), "non-finite score") {
		t.Errorf("Rank: %v, scores %v", err, scores)
	}
}
