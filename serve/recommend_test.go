package serve

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/synth"
)

// recArtifacts are the ranking and rating artifacts the recommendation
// tests serve, trained once per test binary on a synthetic MovieLens-format
// log: mf and neumf (ranking, ItemScorer), biasedmf and autorec-i (rating;
// AutoRec scores through Forward).
var recArtifacts struct {
	once  sync.Once
	root  string
	log   string // the u.data file
	paths map[string]string
	err   error
}

func recDirs(t testing.TB) (paths map[string]string, log string) {
	t.Helper()
	a := &recArtifacts
	a.once.Do(func() {
		if a.root, a.err = os.MkdirTemp("", "recforge-serve-rec-"); a.err != nil {
			return
		}
		root := a.root
		// Enough items for leave-one-out's 99 negatives per user.
		m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 3, Users: 60, Items: 150, Density: 0.1})
		if err != nil {
			a.err = err
			return
		}
		a.log = filepath.Join(root, "u.data")
		if a.err = m.WriteUDataFile(a.log); a.err != nil {
			return
		}
		a.paths = map[string]string{}
		for _, x := range []struct {
			name   string
			params map[string]any
		}{
			{"mf", nil},
			{"neumf", map[string]any{"layers": []any{16, 8}}},
			{"biasedmf", nil},
			{"autorec-i", map[string]any{"hidden": 20}},
		} {
			dir, err := trainArtifact(root, x.name, x.name, "movielens:"+a.log, x.params, 2)
			if err != nil {
				a.err = fmt.Errorf("training %s: %w", x.name, err)
				return
			}
			a.paths[x.name] = dir
		}
	})
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.paths, a.log
}

// logItems reads each user's items from a u.data file.
func logItems(t testing.TB, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		out[cols[0]] = append(out[cols[0]], cols[1])
	}
	return out
}

// recItems decodes a recommend response's items.
func recItems(t testing.TB, out map[string]any) (items []string, scores []float32) {
	t.Helper()
	arr, ok := out["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", out)
	}
	var raw []any
	for _, x := range arr {
		o := x.(map[string]any)
		items = append(items, o["item"].(string))
		raw = append(raw, o["score"])
	}
	return items, floats(t, raw)
}

// Each recommending family answers the catalogue less the user's training
// items, best first, with the scores recforge predict gives those (user,
// item) rows; exclude_seen false brings the training items back, and seen
// leaves out more.
func TestRecommendMatchesPredict(t *testing.T) {
	dirs, log := recDirs(t)
	byUser := logItems(t, log)
	for _, name := range []string{"mf", "neumf", "biasedmf", "autorec-i"} {
		t.Run(name, func(t *testing.T) {
			// The catalogue is the item field's vocabulary: the data's
			// item ids for ranking, the training split's items for rating.
			l, err := pipeline.Load(dirs[name], 8)
			if err != nil {
				t.Fatal(err)
			}
			catalogue := l.Encoders.Vocab("item").Tokens
			s, err := New(Options{Logger: quietLogger(), Replicas: 2})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddModel(name, dirs[name]); err != nil {
				t.Fatal(err)
			}
			h := s.Handler()
			man, err := artifact.ReadManifest(dirs[name])
			if err != nil {
				t.Fatal(err)
			}
			seen, err := artifact.LoadSeen(dirs[name], man)
			if err != nil || seen == nil {
				t.Fatalf("the artifact holds no training log: %v", err)
			}
			path := "/v1/models/" + name + ":recommend"
			for _, user := range []string{"1", "17", "60"} {
				code, out, _ := post(t, h, path, map[string]any{"user": user, "k": 1000})
				if code != http.StatusOK {
					t.Fatalf("user %s: %d %v", user, code, out)
				}
				items, scores := recItems(t, out)
				if out["known_user"] != true || out["user"] != user {
					t.Errorf("user %s: known_user %v, user %v", user, out["known_user"], out["user"])
				}
				// The training items the artifact holds are the user's own
				// items in the log: all of them but the held-out latest
				// (ranking's leave-one-out) or the test tenth (rating).
				// The catalogue items left out are the user's log items.
				mine := byUser[user]
				held := map[string]bool{}
				for _, it := range items {
					held[it] = true
				}
				trained := 0
				for _, it := range catalogue {
					if held[it] {
						continue
					}
					trained++
					if !slices.Contains(mine, it) {
						t.Errorf("user %s: item %s left out, not in the user's log", user, it)
					}
				}
				switch name {
				case "mf", "neumf":
					if trained != len(mine)-1 {
						t.Errorf("user %s: %d of %d log items left out, want all but the held-out one", user, trained, len(mine))
					}
				default:
					if trained == 0 || trained > len(mine) {
						t.Errorf("user %s: %d of %d log items left out", user, trained, len(mine))
					}
				}
				if want := len(catalogue) - trained; len(items) != want || int(out["candidates"].(float64)) != want {
					t.Errorf("user %s: %d items, %v candidates; want the %d catalogue items not trained on", user, len(items), out["candidates"], want)
				}
				if !slices.IsSortedFunc(scores, func(a, b float32) int { return -cmpFloat(a, b) }) {
					t.Errorf("user %s: scores not best first: %v", user, scores)
				}
				// predict's scores of the same rows.
				rows := filepath.Join(t.TempDir(), "rows.data")
				var b strings.Builder
				for _, it := range items {
					fmt.Fprintf(&b, "%s\t%s\t3\t1000\n", user, it)
				}
				if err := os.WriteFile(rows, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				want := predictScores(t, dirs[name], "movielens:"+rows)
				for k := range items {
					// ItemScorer sums in another order than Forward.
					if d := math.Abs(float64(scores[k] - want[k])); d > 1e-6*max(1, math.Abs(float64(want[k]))) {
						t.Errorf("user %s item %s: recommend %v, predict %v", user, items[k], scores[k], want[k])
					}
				}

				// exclude_seen false: the whole catalogue; seen: the top
				// item and an unknown one left out, the rest in order.
				code, out, _ = post(t, h, path, map[string]any{"user": user, "k": 1000, "exclude_seen": false})
				all, _ := recItems(t, out)
				slices.Sort(all)
				if cat := slices.Sorted(slices.Values(catalogue)); code != http.StatusOK || !slices.Equal(all, cat) {
					t.Errorf("user %s, exclude_seen false: %d, %d items, want the %d of the catalogue", user, code, len(all), len(cat))
				}
				code, out, _ = post(t, h, path, map[string]any{"user": user, "k": 5, "seen": []any{items[0], "no-such-item"}})
				if got, _ := recItems(t, out); code != http.StatusOK || !slices.Equal(got, items[1:6]) {
					t.Errorf("user %s with seen [%s]: %v, want %v", user, items[0], got, items[1:6])
				}
			}
			// The default k; a user unseen in training is scored as the
			// OOV user.
			code, out, _ := post(t, h, path, map[string]any{"user": "no-such-user"})
			if items, _ := recItems(t, out); code != http.StatusOK || out["known_user"] != false || len(items) != DefaultRecommendK {
				t.Errorf("unknown user: %d, known_user %v, %d items", code, out["known_user"], len(items))
			}

			// The in-process call answers the same.
			code, out, _ = post(t, h, path, map[string]any{"user": 17, "k": 7})
			httpItems, httpScores := recItems(t, out)
			rec, err := s.Recommend(context.Background(), name, RecommendQuery{User: []byte("17"), K: 7}, nil)
			if err != nil || code != http.StatusOK {
				t.Fatal(code, err)
			}
			for k, r := range rec.Items {
				if r.Item != httpItems[k] || r.Score != httpScores[k] {
					t.Errorf("in process %d: %v, HTTP %s %v", k, r, httpItems[k], httpScores[k])
				}
			}
			if rec.Version != out["version"] || !rec.KnownUser {
				t.Errorf("in process: version %s known %v, HTTP %v", rec.Version, rec.KnownUser, out["version"])
			}
			if n := testutil.ToFloat64(s.metrics.requests.WithLabelValues(name, "recommend", "200")); n < 9 {
				t.Errorf("recforge_serve_requests_total{endpoint=recommend,code=200} = %v, want ≥ 9", n)
			}
		})
	}
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Bad recommend requests get a 4xx naming the field; a model without a
// catalogue (CTR) refuses the endpoint.
func TestRecommendErrors(t *testing.T) {
	dirs, _ := recDirs(t)
	s := newTestServer(t, Options{MaxCandidates: 50}, "deepfm")
	if err := s.AddModel("mf", dirs["mf"]); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for _, c := range []struct {
		path, body  string
		status      int
		code, field string
	}{
		{"mf", `{"k": 3}`, 400, CodeMissingValue, "user"},
		{"mf", `{"user": null}`, 400, CodeMissingValue, "user"},
		{"mf", `{"user": ["1"]}`, 400, CodeWrongType, "user"},
		{"mf", `{"user": "1", "k": 0}`, 400, CodeInvalidValue, "k"},
		{"mf", `{"user": "1", "k": -2}`, 400, CodeInvalidValue, "k"},
		{"mf", `{"user": "1", "k": "3"}`, 400, CodeWrongType, "k"},
		{"mf", `{"user": "1", "k": 51}`, 413, CodeTooManyRows, "k"},
		{"mf", `{"user": "1", "exclude_seen": 1}`, 400, CodeWrongType, "exclude_seen"},
		{"mf", `{"user": "1", "seen": "7"}`, 400, CodeWrongType, "seen"},
		{"mf", `{"user": "1", "seen": ["7", {}]}`, 400, CodeWrongType, "seen[1]"},
		{"mf", `{"user": "1", "user": "2"}`, 400, CodeDuplicateField, "user"},
		{"mf", `{"user": "1", "top_k": 3}`, 400, CodeUnknownField, "top_k"},
		{"mf", `{"user": "1"`, 400, CodeMalformedJSON, ""},
		{"deepfm", `{"user": "1"}`, 400, CodeBadRequest, ""},
		{"nope", `{"user": "1"}`, 404, CodeUnknownModel, "name"},
	} {
		code, out, _ := post(t, h, "/v1/models/"+c.path+":recommend", c.body)
		e, _ := out["error"].(map[string]any)
		if code != c.status || e == nil || e["code"] != c.code || (c.field != "" && e["field"] != c.field) {
			t.Errorf("%s %s: %d %v, want %d %s at %q", c.path, c.body, code, out, c.status, c.code, c.field)
		}
	}
	if _, err := s.Recommend(context.Background(), "deepfm", RecommendQuery{User: []byte("1")}, nil); err == nil {
		t.Error("in process: deepfm recommended")
	}
}

// A reload swaps the recommending model with its training log: answers
// name the new version and carry its scores.
func TestRecommendReload(t *testing.T) {
	dirs, _ := recDirs(t)
	dir := filepath.Join(t.TempDir(), "model")
	copyArtifact(t, dirs["mf"], dir)
	s, err := New(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModel("r", dir); err != nil {
		t.Fatal(err)
	}
	ask := func() Recommendation {
		t.Helper()
		rec, err := s.Recommend(context.Background(), "r", RecommendQuery{User: []byte("5"), K: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	before := ask()
	copyArtifact(t, dirs["neumf"], dir)
	if err := s.Reload("r"); err != nil {
		t.Fatal(err)
	}
	after := ask()
	ref, err := New(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ref.AddModel("neumf", dirs["neumf"]); err != nil {
		t.Fatal(err)
	}
	want, err := ref.Recommend(context.Background(), "neumf", RecommendQuery{User: []byte("5"), K: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version == before.Version || after.Version != want.Version || !slices.Equal(after.Items, want.Items) {
		t.Errorf("after reload: %+v, want neumf's %+v (before: %+v)", after, want, before)
	}
}

// topK agrees with a full sort (score descending, index ascending) on
// scores with many ties, for every k.
func TestTopKMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 64, 300} {
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(rng.IntN(5)) // ties everywhere
		}
		ref := make([]int32, n)
		for i := range ref {
			ref[i] = int32(i)
		}
		slices.SortFunc(ref, func(a, b int32) int {
			if c := cmpFloat(scores[b], scores[a]); c != 0 {
				return c
			}
			return int(a - b)
		})
		for _, k := range []int{1, 2, 5, n, n + 3} {
			if got := topK(nil, scores, k); !slices.Equal(got, ref[:min(k, n)]) {
				t.Errorf("n %d k %d: %v, want %v", n, k, got, ref[:min(k, n)])
			}
		}
	}
}

// candidates leaves out both ascending lists.
func TestCandidatesLeavesOut(t *testing.T) {
	got := candidates(nil, []int32{3, 4, 5, 6, 7, 8}, []int32{1, 4, 8}, []int32{4, 6, 9})
	if want := []int32{3, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("candidates = %v, want %v", got, want)
	}
}
