package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// goldenRequests builds the golden requests of model name (written to
// testdata with -update; read from there otherwise): a predict request
// with four records (numeric columns as JSON numbers, one unseen
// categorical value) and a rank request of five candidates.
func goldenRequests(t *testing.T, name string) map[string]any {
	t.Helper()
	if name == "din" {
		rank, merged := dinRankRequest(t, 5, 6)
		return map[string]any{"predict": map[string]any{"rows": merged[:3]}, "rank": rank}
	}
	cols, recs := records(t, ctrRows)
	var rows []any
	for i, r := range recs[:4] {
		obj := map[string]any{}
		for k, c := range cols {
			if len(r[k]) == 0 || c == "label" {
				continue
			}
			if n, err := strconv.Atoi(string(r[k])); err == nil {
				obj[c] = n
			} else {
				obj[c] = string(r[k])
			}
		}
		if i == 3 {
			obj["C3"] = "never-seen-in-training"
		}
		rows = append(rows, obj)
	}
	ctx := map[string]any{}
	for _, c := range cols[1:14] {
		if v, ok := rows[0].(map[string]any)[c]; ok {
			ctx[c] = v
		}
	}
	var cands []any
	for _, r := range recs[4:9] {
		obj := map[string]any{}
		for k, c := range cols[14:] {
			if len(r[14+k]) > 0 {
				obj[c] = string(r[14+k])
			}
		}
		cands = append(cands, obj)
	}
	return map[string]any{"predict": map[string]any{"rows": rows}, "rank": map[string]any{"context": ctx, "candidates": cands, "top_k": 4}}
}

// Golden requests per model family: the linear (lr), FM (fm), deep (deepfm)
// and sequence (din) families answer testdata's requests with testdata's
// responses. Scores compare within 1e-6 relative: the goldens are exact on
// the machine that wrote them, and another CPU's kernels may round the
// training's sums differently. The version, a hash of the weights, is left
// out for the same reason. go test ./serve -run Golden -update rewrites
// them.
func TestGolden(t *testing.T) {
	s := newTestServer(t, Options{MaxCandidates: 16}, "lr", "fm", "deepfm", "din")
	h := s.Handler()
	for _, name := range []string{"lr", "fm", "deepfm", "din"} {
		for _, endpoint := range []string{"predict", "rank"} {
			reqPath := filepath.Join("testdata", name+"."+endpoint+".request.json")
			respPath := filepath.Join("testdata", name+"."+endpoint+".response.json")
			if *updateGolden {
				b, err := json.MarshalIndent(goldenRequests(t, name)[endpoint], "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(reqPath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			body, err := os.ReadFile(reqPath)
			if err != nil {
				t.Fatalf("%v (go test ./serve -run Golden -update writes it)", err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/models/"+name+":"+endpoint, bytes.NewReader(body)))
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", reqPath, rec.Code, rec.Body.String())
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got["version"] != s.Models()[name] {
				t.Errorf("%s: version %v, serving %s", name, got["version"], s.Models()[name])
			}
			got["version"] = "(the weights' hash)"
			if *updateGolden {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(respPath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			raw, err := os.ReadFile(respPath)
			if err != nil {
				t.Fatalf("%v (go test ./serve -run Golden -update writes it)", err)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if diff := jsonDiff("", got, want); diff != "" {
				t.Errorf("%s: %s", respPath, diff)
			}
		}
	}
}

// jsonDiff describes the first difference between two decoded JSON values,
// numbers within 1e-6 relative.
func jsonDiff(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if d := jsonDiff(path+"."+k, g[k], w[k]); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
		for i := range w {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > 1e-6*math.Max(math.Abs(w), 1e-3) {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
	default:
		if got != want {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
	}
	return ""
}
