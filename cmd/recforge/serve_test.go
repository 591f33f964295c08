package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/recforge/recforge/data"
)

// syncBuffer is a bytes.Buffer safe for the server's logging goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// recforge serve serves a trained run's artifact under the run's name and
// scores like recforge predict; SIGHUP reloads; ending the context shuts it
// down cleanly.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	spec := "synthetic:ctr?rows=2000&seed=3&max_vocab=40"
	run := filepath.Join(dir, "ctrlr")
	if code, _, stderr := recforge(t, "train", "--model", "lr", "--data", spec, "--epochs", "1", "--out", run,
		"--cache-dir", filepath.Join(dir, "cache"), "--quiet"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	art := filepath.Join(run, "model")
	rowsSpec := "synthetic:ctr?rows=5&seed=8&max_vocab=40"
	code, stdout, stderr := recforge(t, "predict", "--artifact", art, "--data", rowsSpec)
	if code != 0 {
		t.Fatalf("predict: %s", stderr)
	}
	want := strings.Fields(stdout)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--artifact", art, "--artifact", "again=" + art, "--addr", "127.0.0.1:0", "--max-candidates", "16"}, io.Discard, &logs)
	}()
	re := regexp.MustCompile(`listening on (http://\S+); models: ctrlr, again`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			base = strings.TrimSuffix(m[1], ";")
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line:\n%s", logs.String())
		}
	}

	// The rows predict scored, as a JSON request.
	r, err := data.Open(rowsSpec, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	var rec data.Record
	for r.Next(&rec) == nil {
		row := map[string]string{}
		for i, c := range r.Columns() {
			row[c] = string(rec.Cols[i])
		}
		rows = append(rows, row)
	}
	r.Close()
	body, _ := json.Marshal(map[string]any{"rows": rows})
	for _, name := range []string{"ctrlr", "again"} {
		resp, err := http.Post(base+"/v1/models/"+name+":predict", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Scores []float32 }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(out.Scores) != len(want) {
			t.Fatalf("%s: %d %v %v", name, resp.StatusCode, out, err)
		}
		for i, w := range want {
			if strconv.FormatFloat(float64(out.Scores[i]), 'g', -1, 32) != w {
				t.Errorf("%s row %d: served %v, recforge predict %s", name, i, out.Scores[i], w)
			}
		}
	}

	// SIGHUP reloads both (unchanged: the same content keeps its version).
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `recforge_serve_reloads_total{model="again",result="unchanged"} 1`) &&
			strings.Contains(string(b), `recforge_serve_reloads_total{model="ctrlr",result="unchanged"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload:\n%s", b)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Errorf("no shutdown line in the log:\n%s", logs.String())
	}
}

func TestServeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--artifact is required"},
		{[]string{"--artifact", "=x"}, "expected DIR or NAME=DIR"},
		{[]string{"--artifact", filepath.Join(t.TempDir(), "none")}, "no such file"},
		{[]string{"--artifact", "x", "--max-candidates", "0"}, "--max-candidates 0: want ≥ 1"},
		{[]string{"--artifact", "x", "--watch", "-1s"}, "--watch"},
		{[]string{"--artifact", "bad/name=x"}, "model name"},
	} {
		var stderr bytes.Buffer
		err := runServe(context.Background(), c.args, io.Discard, &stderr)
		if err == nil || !(strings.Contains(err.Error(), c.want) || errors.Is(err, errUsage) && strings.Contains(stderr.String(), c.want)) {
			t.Errorf("%v: %v, %q; want %q", c.args, err, stderr.String(), c.want)
		}
	}
}
