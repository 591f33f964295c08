package serve

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

// dinRankRequest builds a rank request for the DIN artifact: the user and
// history of the first record of behRowsSpec as the context (the history
// extended to hist elements by repeating it, to pass max_len when hist is
// large), and the item and category of the first n records as candidates.
func dinRankRequest(t *testing.T, n, hist int) (req map[string]any, merged []any) {
	t.Helper()
	cols, recs := records(t, behRowsSpec)
	col := func(r [][]byte, name string) []byte { return r[slices.Index(cols, name)] }
	items := bytes.Split(col(recs[0], "hist_item"), []byte("|"))
	cats := bytes.Split(col(recs[0], "hist_cat"), []byte("|"))
	var hi, hc []any
	for k := 0; len(hi) < hist; k++ {
		hi, hc = append(hi, string(items[k%len(items)])), append(hc, string(cats[k%len(cats)]))
	}
	ctx := map[string]any{"user": string(col(recs[0], "user")), "hist_item": hi, "hist_cat": hc}
	var cands []any
	for _, r := range recs[:n] {
		// The category as a JSON number: its literal is the token.
		c, err := strconv.Atoi(string(col(r, "cat")))
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, map[string]any{"item": string(col(r, "item")), "cat": c})
		merged = append(merged, map[string]any{"user": ctx["user"], "hist_item": hi, "hist_cat": hc, "item": string(col(r, "item")), "cat": c})
	}
	return map[string]any{"context": ctx, "candidates": cands}, merged
}

// Rank answers the candidates sorted by decreasing score with the scores
// predict gives on the merged rows, and DIN's attention: for each
// candidate, the weights model.Attention gives for its row at the real
// history positions, the padded ones left out.
func TestRankDIN(t *testing.T) {
	s := newTestServer(t, Options{MaxCandidates: 64}, "din")
	h := s.Handler()
	for _, hist := range []int{4, 10, 15} { // shorter than, equal to and longer than max_len 10
		req, merged := dinRankRequest(t, 12, hist)
		code, pout, _ := post(t, h, "/v1/models/din:predict", map[string]any{"rows": merged})
		if code != 200 {
			t.Fatalf("predict: %d %v", code, pout)
		}
		want := floats(t, pout["scores"])
		code, out, _ := post(t, h, "/v1/models/din:rank", req)
		if code != 200 {
			t.Fatalf("rank: %d %v", code, out)
		}
		cands := out["candidates"].([]any)
		if len(cands) != len(want) {
			t.Fatalf("%d ranked for %d candidates", len(cands), len(want))
		}
		att := dinAttention(t, merged)
		seen := map[int]bool{}
		prev := float32(2)
		for j, c := range cands {
			c := c.(map[string]any)
			i := int(c["index"].(float64))
			score := floats(t, []any{c["score"]})[0]
			if seen[i] || score != want[i] || score > prev {
				t.Fatalf("hist %d: ranked %d: index %d score %v (predict %v, previous %v)", hist, j, i, score, want[i], prev)
			}
			seen[i], prev = true, score
			a := c["attention"].(map[string]any)
			for _, col := range []string{"hist_item", "hist_cat"} {
				got := floats(t, a[col])
				if len(got) != min(hist, 10) {
					t.Errorf("hist %d: %s has %d weights, want one per real position, %d", hist, col, len(got), min(hist, 10))
				}
				if !slices.Equal(got, att[i][col]) {
					t.Errorf("hist %d: candidate %d %s attention %v, model.Attention %v", hist, i, col, got, att[i][col])
				}
			}
		}
	}

	// top_k keeps the best k; attention can be turned off.
	req, _ := dinRankRequest(t, 12, 5)
	_, full, _ := post(t, h, "/v1/models/din:rank", req)
	req["top_k"], req["attention"] = 3, false
	code, out, _ := post(t, h, "/v1/models/din:rank", req)
	if code != 200 {
		t.Fatalf("rank top_k: %d %v", code, out)
	}
	top := out["candidates"].([]any)
	if len(top) != 3 {
		t.Fatalf("top_k 3 gave %d", len(top))
	}
	for j, c := range top {
		c, f := c.(map[string]any), full["candidates"].([]any)[j].(map[string]any)
		if c["index"] != f["index"] || c["score"] != f["score"] || c["attention"] != nil {
			t.Errorf("top_k %d: %v, full ranking %v", j, c, f)
		}
	}
}

// dinAttention scores the merged rows with the DIN artifact loaded by
// pipeline.Load, encoded by the artifact's encoders, and returns for each
// row the weights model.Attention gives at the real positions of each
// history (PadEnd: the first SeqLens of them); it checks that the padded
// positions weigh 0.
func dinAttention(t *testing.T, merged []any) []map[string][]float32 {
	t.Helper()
	l, err := pipeline.Load(artifactDirs(t)["din"], len(merged))
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"user", "item", "cat", "hist_item", "hist_cat"}
	re, err := l.Encoders.BindFeatures(cols)
	if err != nil {
		t.Fatal(err)
	}
	lay := model.NewLayout(l.Encoders)
	f, q, ns := len(lay.Slots), lay.SeqLen, len(lay.Seqs)
	n := len(merged)
	b := &model.Batch{N: n, IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q), SeqLens: make([]int32, n*ns)}
	ex := l.Encoders.NewExample()
	for i, m := range merged {
		m := m.(map[string]any)
		raw := make([][]byte, len(cols))
		for k, c := range cols {
			switch v := m[c].(type) {
			case string:
				raw[k] = []byte(v)
			case int:
				raw[k] = []byte(strconv.Itoa(v))
			case []any:
				var parts [][]byte
				for _, e := range v {
					parts = append(parts, []byte(e.(string)))
				}
				raw[k] = bytes.Join(parts, []byte("|"))
			}
		}
		if err := re.Encode(raw, ex); err != nil {
			t.Fatal(err)
		}
		copy(b.IDs[i*f:], ex.IDs)
		copy(b.Values[i*f:], ex.Values)
		copy(b.Seq[i*q:], ex.Seq)
		copy(b.SeqLens[i*ns:], ex.SeqLens)
	}
	l.Model.Forward(b)
	w, width := l.Model.(interface {
		Attention() ([]float32, int)
	}).Attention()
	out := make([]map[string][]float32, n)
	for i := range n {
		out[i] = map[string][]float32{}
		for k, sq := range lay.Seqs {
			if sq.Padding != feature.PadEnd && sq.Padding != "" {
				t.Fatalf("sequence %s padded at %q; the test reads padding at the end", sq.Field, sq.Padding)
			}
			real := int(b.SeqLens[i*ns+k])
			row := w[i*width+sq.Offset : i*width+sq.Offset+sq.MaxLen]
			for p := real; p < sq.MaxLen; p++ {
				if row[p] != 0 {
					t.Errorf("row %d %s: padded position %d weighs %v", i, sq.Field, p, row[p])
				}
			}
			out[i][sq.Field] = slices.Clone(row[:real])
		}
	}
	return out
}

// For a CTR model, rank splits the columns between context and candidates
// as the caller likes; the scores are predict's on the merged rows, in
// process too.
func TestRankDeepFM(t *testing.T) {
	s := newTestServer(t, Options{MaxCandidates: 64}, "deepfm")
	h := s.Handler()
	cols, recs := records(t, ctrRows)
	ctxCols := map[string]bool{}
	for _, c := range cols[1:14] { // I1…I13 as the context, C1…C26 per candidate
		ctxCols[c] = true
	}
	ctx := map[string]any{}
	var cands, merged []any
	for i, r := range recs[:20] {
		obj := rowObject(cols, r, nil)
		cand := map[string]any{}
		m := map[string]any{}
		for c, v := range obj {
			if c == "label" {
				continue
			}
			if ctxCols[c] {
				if i == 0 {
					ctx[c] = v
				}
				continue
			}
			cand[c], m[c] = v, v
		}
		for c, v := range rowObject(cols, recs[0], nil) {
			if ctxCols[c] {
				m[c] = v
			}
		}
		cands, merged = append(cands, cand), append(merged, m)
	}
	_, pout, _ := post(t, h, "/v1/models/deepfm:predict", map[string]any{"rows": merged})
	want := floats(t, pout["scores"])
	code, out, _ := post(t, h, "/v1/models/deepfm:rank", map[string]any{"context": ctx, "candidates": cands, "top_k": 0})
	if code != 200 {
		t.Fatalf("rank: %d %v", code, out)
	}
	var order []int
	for _, c := range out["candidates"].([]any) {
		c := c.(map[string]any)
		i := int(c["index"].(float64))
		if got := floats(t, []any{c["score"]})[0]; got != want[i] {
			t.Errorf("candidate %d: rank %v, predict %v", i, got, want[i])
		}
		if c["attention"] != nil {
			t.Errorf("DeepFM has no attention, got %v", c["attention"])
		}
		order = append(order, i)
	}
	wantOrder := make([]int, len(want))
	for i := range wantOrder {
		wantOrder[i] = i
	}
	slices.SortStableFunc(wantOrder, func(a, b int) int {
		switch {
		case want[a] > want[b]:
			return -1
		case want[a] < want[b]:
			return 1
		}
		return 0
	})
	if !slices.Equal(order, wantOrder) {
		t.Errorf("order %v, want %v", order, wantOrder)
	}

	// In process: the same ranking.
	sc, _ := s.Columns("deepfm")
	ctxRaw := make([][]byte, len(sc))
	candRaw := make([][][]byte, len(recs[:20]))
	for i, r := range recs[:20] {
		candRaw[i] = make([][]byte, len(sc))
		for k, c := range sc {
			j := slices.Index(cols, c.Name)
			if ctxCols[c.Name] {
				ctxRaw[k] = recs[0][j]
				if ctxRaw[k] == nil {
					ctxRaw[k] = []byte{} // given, empty: missing
				}
			} else {
				candRaw[i][k] = r[j]
			}
		}
	}
	ranked, ver, err := s.Rank(context.Background(), "deepfm", ctxRaw, candRaw, make([]float32, len(candRaw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ver != out["version"] {
		t.Errorf("in-process version %s, HTTP %v", ver, out["version"])
	}
	for j, r := range ranked {
		if r.Index != wantOrder[j] || r.Score != want[r.Index] {
			t.Errorf("in process %d: %+v, want index %d score %v", j, r, wantOrder[j], want[wantOrder[j]])
		}
	}
}
