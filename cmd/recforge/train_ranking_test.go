package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

// cancelOn cancels a context once the text written to it contains a
// marker: the progress line of an epoch, written after its checkpoint.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.marker) {
		c.cancel()
	}
	return len(p), nil
}

// Every ranking model trains through `recforge train` on a ranking data
// set and writes an artifact that `eval` and `predict` load: eval reports
// the training run's test metrics exactly, predict scores (user, item)
// rows as σ of the model's own ItemScorer scores (unseen ids as the OOV
// id), and a run interrupted after its first epoch and resumed writes the
// weights of an uninterrupted one, bit for bit (ItemPop, fitted in closed
// form, has no epochs).
func TestTrainRankingModels(t *testing.T) {
	spec := "movielens:" + rankingData(t)
	rows := filepath.Join(t.TempDir(), "rows.data")
	// Known users and items (1-based MovieLens ids), an unseen user, an
	// unseen item.
	pairs := [][2]string{{"1", "1"}, {"5", "17"}, {"120", "150"}, {"33", "2"}, {"999", "3"}, {"7", "999"}}
	var b strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&b, "%s\t%s\t3\t1000\n", p[0], p[1])
	}
	if err := os.WriteFile(rows, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"itempop", "mf", "gmf", "mlp", "neumf"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"train", "--model", name, "--data", spec, "--epochs", "3", "--batch", "64"}
			whole := filepath.Join(dir, "whole")
			code, out, errOut := recforge(t, append(args, "--quiet", "--out", whole)...)
			if code != 0 {
				t.Fatalf("train: exit %d: %s", code, errOut)
			}
			trained := lastJSON(t, out)
			if trained["protocol"] != "loo-99" {
				t.Errorf("protocol %v", trained["protocol"])
			}
			art := filepath.Join(whole, "model")
			code, out, errOut = recforge(t, "eval", "--artifact", art, "--data", spec)
			if code != 0 {
				t.Fatalf("eval: exit %d: %s", code, errOut)
			}
			if got := lastJSON(t, out); fmt.Sprint(got["metrics"]) != fmt.Sprint(trained["metrics"]) || got["protocol"] != "loo-99" {
				t.Errorf("eval %v (%v), train %v", got["metrics"], got["protocol"], trained["metrics"])
			}

			code, out, errOut = recforge(t, "predict", "--artifact", art, "--data", "movielens:"+rows)
			if code != 0 {
				t.Fatalf("predict: exit %d: %s", code, errOut)
			}
			lines := strings.Fields(out)
			if len(lines) != len(pairs) {
				t.Fatalf("predict wrote %d scores for %d rows: %q", len(lines), len(pairs), out)
			}
			l, err := pipeline.Load(art, 8)
			if err != nil {
				t.Fatal(err)
			}
			// The vocabularies are the data's own ids, 1-based in MovieLens.
			if u, it := l.Encoders.Vocab("user").Tokens, l.Encoders.Vocab("item").Tokens; u[0] != "1" || it[0] != "1" || u[len(u)-1] != "120" || it[len(it)-1] != "150" {
				t.Errorf("vocabularies %v… and %v…, want the ids 1… of the data", u[:3], it[:3])
			}
			id := func(field, token string) int32 {
				for _, tb := range l.Encoders.Tables() {
					if tb.Name == field {
						if local, ok := l.Encoders.Vocab(field).Lookup([]byte(token)); ok {
							return tb.Offset + tb.OOV + local
						}
						return tb.Offset
					}
				}
				t.Fatalf("no table %s", field)
				return 0
			}
			for k, p := range pairs {
				got, err := strconv.ParseFloat(lines[k], 32)
				if err != nil {
					t.Fatal(err)
				}
				s := make([]float32, 1)
				l.Model.(model.ItemScorer).ScoreItems(id("user", p[0]), []int32{id("item", p[1])}, s)
				if want := 1 / (1 + math.Exp(-float64(s[0]))); math.Abs(got-want) > 1e-6 {
					t.Errorf("row %v: predict %v, the model's score σ(%v) = %v", p, got, s[0], want)
				}
			}

			if name == "itempop" {
				return // fitted in closed form: no epochs to resume
			}
			// Interrupted after the first epoch's checkpoint, then resumed.
			killed := filepath.Join(dir, "killed")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var o bytes.Buffer
			code = run(ctx, append(args, "--out", killed), &o, &cancelOn{marker: name + " epoch 1:", cancel: cancel})
			if code == 0 {
				t.Fatal("the interrupted run finished")
			}
			code, out, errOut = recforge(t, append(args, "--quiet", "--out", killed, "--resume")...)
			if code != 0 {
				t.Fatalf("resume: exit %d: %s", code, errOut)
			}
			if got := lastJSON(t, out); fmt.Sprint(got["metrics"]) != fmt.Sprint(trained["metrics"]) || got["best_epoch"] != trained["best_epoch"] {
				t.Errorf("resumed: %v (best %v), uninterrupted %v (best %v)", got["metrics"], got["best_epoch"], trained["metrics"], trained["best_epoch"])
			}
			w1, err1 := os.ReadFile(filepath.Join(art, "weights.safetensors"))
			w2, err2 := os.ReadFile(filepath.Join(killed, "model", "weights.safetensors"))
			if err1 != nil || err2 != nil || !bytes.Equal(w1, w2) {
				t.Errorf("resumed weights differ from the uninterrupted run's (%v, %v)", err1, err2)
			}
		})
	}
}
