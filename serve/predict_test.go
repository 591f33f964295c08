package serve

import (
	"context"
	"testing"
)

// seqCols are the sequence columns of the behaviour data.
var seqCols = map[string]bool{"hist_item": true, "hist_cat": true}

// The server's scores are, bit for bit, what pipeline.Loaded.Score (what
// recforge predict prints) gives on the same records, for a model of each
// family, through the JSON predict endpoint, KServe infer and the
// in-process API. The records keep their label column (ignored) and leave
// empty values out (missing, as an empty column in training).
func TestScoresEqualPredict(t *testing.T) {
	s := newTestServer(t, Options{MaxCandidates: 64}, "lr", "fm", "deepfm", "din")
	h := s.Handler()
	dirs := artifactDirs(t)
	for _, name := range []string{"lr", "fm", "deepfm", "din"} {
		spec := ctrRows
		if name == "din" {
			spec = behRowsSpec
		}
		want := predictScores(t, dirs[name], spec)
		cols, recs := records(t, spec)
		if len(recs) < 10 || len(recs) != len(want) {
			t.Fatalf("%s: %d records, %d scores", name, len(recs), len(want))
		}
		var rows []any
		for _, r := range recs {
			rows = append(rows, rowObject(cols, r, seqCols))
		}
		code, out, _ := post(t, h, "/v1/models/"+name+":predict", map[string]any{"rows": rows})
		if code != 200 {
			t.Fatalf("%s: status %d: %v", name, code, out)
		}
		got := floats(t, out["scores"])
		if out["model"] != name || out["version"] != s.Models()[name] {
			t.Errorf("%s: model %v version %v, serving %v", name, out["model"], out["version"], s.Models()[name])
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s row %d: served %v, recforge predict %v", name, i, got[i], want[i])
			}
		}

		// KServe infer: one BYTES tensor per column, sequences joined.
		var inputs []any
		for k, c := range cols {
			data := make([]any, len(recs))
			for i, r := range recs {
				data[i] = string(r[k])
			}
			inputs = append(inputs, map[string]any{"name": c, "datatype": "BYTES", "shape": []int{len(recs)}, "data": data})
		}
		code, out, _ = post(t, h, "/v2/models/"+name+"/infer", map[string]any{"id": "q1", "inputs": inputs, "outputs": []any{map[string]any{"name": "score"}}})
		if code != 200 {
			t.Fatalf("%s infer: status %d: %v", name, code, out)
		}
		o := out["outputs"].([]any)[0].(map[string]any)
		if out["id"] != "q1" || out["model_name"] != name || o["name"] != "score" || o["datatype"] != "FP32" {
			t.Errorf("%s infer: response %v", name, out)
		}
		got = floats(t, o["data"])
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s infer row %d: served %v, recforge predict %v", name, i, got[i], want[i])
			}
		}

		// In process, in the order of Columns.
		sc, err := s.Columns(name)
		if err != nil {
			t.Fatal(err)
		}
		idx := map[string]int{}
		for k, c := range cols {
			idx[c] = k
		}
		raw := make([][][]byte, len(recs))
		for i, r := range recs {
			raw[i] = make([][]byte, len(sc))
			for k, c := range sc {
				raw[i][k] = r[idx[c.Name]]
			}
		}
		scores := make([]float32, len(raw))
		if _, err := s.Score(context.Background(), name, raw, scores); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if scores[i] != want[i] {
				t.Errorf("%s in process row %d: %v, recforge predict %v", name, i, scores[i], want[i])
			}
		}
	}
}
