package serve

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

// Shutdown drains: a request in flight when the context ends completes
// with 200, and Serve then returns nil.
func TestShutdownDrains(t *testing.T) {
	s := newTestServer(t, Options{DrainTimeout: 5 * time.Second}, "lr")
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hook = func(string) {
		once.Do(func() {
			close(entered)
			<-release
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()

	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Post(url+"/v1/models/lr:predict", "application/json", strings.NewReader(`{"rows": [{"C1": "a"}]}`))
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-entered
	cancel() // shutdown starts with the request in flight
	time.Sleep(50 * time.Millisecond)
	if !s.draining.Load() {
		t.Error("not draining after the context ended")
	}
	rec := httptest.NewRecorder()
	s.ready(rec, httptest.NewRequest(http.MethodGet, "/v2/health/ready", nil))
	if rec.Code != 503 {
		t.Errorf("ready while draining: %d", rec.Code)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the request in flight finished", err)
	default:
	}
	close(release)
	r := <-res
	if r.err != nil || r.code != 200 || !strings.Contains(r.body, `"scores":[`) {
		t.Errorf("request in flight during shutdown: %d %q %v", r.code, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after draining")
	}
	if _, err := http.Get(url + "/v2/health/live"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

// The health, metadata and readiness endpoints, and /metrics counting the
// requests made.
func TestMetadataAndMetrics(t *testing.T) {
	s := newTestServer(t, Options{}, "lr", "din")
	h := s.Handler()
	for _, p := range []string{"/v2/health/live", "/v2/health/ready", "/v2/models/din/ready", "/v2"} {
		if code, out := get(t, h, p); code != 200 {
			t.Errorf("%s: %d %v", p, code, out)
		}
	}
	code, meta := get(t, h, "/v2/models/din")
	if code != 200 || meta["name"] != "din" || meta["platform"] != "recforge_din" {
		t.Fatalf("metadata: %d %v", code, meta)
	}
	var names, types []string
	for _, in := range meta["inputs"].([]any) {
		in := in.(map[string]any)
		names, types = append(names, in["name"].(string)), append(types, in["datatype"].(string))
	}
	if !slices.Equal(names, []string{"user", "item", "cat", "hist_item", "hist_cat"}) || !slices.Equal(types, []string{"BYTES", "BYTES", "BYTES", "BYTES", "BYTES"}) {
		t.Errorf("inputs %v %v", names, types)
	}
	ver := meta["versions"].([]any)[0].(string)
	if code, _ := get(t, h, "/v2/models/din/versions/"+ver+"/ready"); code != 200 {
		t.Errorf("ready of the served version: %d", code)
	}
	code, lrMeta := get(t, h, "/v2/models/lr")
	if in := lrMeta["inputs"].([]any)[0].(map[string]any); code != 200 || in["name"] != "I1" || in["datatype"] != "FP64" {
		t.Errorf("lr's first input %v", in)
	}

	for range 3 {
		post(t, h, "/v1/models/lr:predict", `{"rows": [{"C1": "a"}, {"C2": "b"}]}`)
	}
	post(t, h, "/v1/models/lr:predict", `{"rows": [{"C1": true}]}`)
	post(t, h, "/v1/models/din:rank", `{"context": {"user": "3"}, "candidates": [{"item": "1"}]}`)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`recforge_serve_requests_total{code="200",endpoint="predict",model="lr"} 3`,
		`recforge_serve_requests_total{code="400",endpoint="predict",model="lr"} 1`,
		`recforge_serve_requests_total{code="200",endpoint="rank",model="din"} 1`,
		`recforge_serve_errors_total{endpoint="predict",error="wrong_type",model="lr"} 1`,
		`recforge_serve_rows_scored_total{endpoint="predict",model="lr"} 6`,
		`recforge_serve_request_duration_seconds_count{code="200",endpoint="predict",model="lr"} 3`,
		`recforge_serve_model_info{model="din",type="din",version="` + ver + `"} 1`,
		`recforge_serve_in_flight_requests 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`go_goroutines \d+`).MatchString(text) {
		t.Error("/metrics lacks the Go runtime metrics")
	}
}

// Every registered model scores through a replica that shares the master's
// weights exactly as the master does: the layers read Param.W and
// Table.Data at Forward time and keep no private copy. The replica starts
// from another initialization, and the master's batch statistics are
// perturbed, so a weight or buffer left unshared shows.
func TestReplicasShareWeights(t *testing.T) {
	dirs := artifactDirs(t)
	encs := map[string]*feature.Encoders{}
	for _, name := range []string{"lr", "din"} {
		l, err := pipeline.Load(dirs[name], 1)
		if err != nil {
			t.Fatal(err)
		}
		encs[name] = l.Encoders
	}
	tried := 0
	for _, name := range model.Names() {
		var master, replica model.Model
		var lay model.Layout
		for _, enc := range []*feature.Encoders{encs["lr"], encs["din"]} {
			lay = model.NewLayout(enc)
			var err error
			master, _, err = model.New(name, nil, model.Env{Layout: lay, MaxBatch: 8, Seed: 7})
			if err == nil {
				replica, _, _ = model.New(name, nil, model.Env{Layout: lay, MaxBatch: 8, Seed: 1})
				break
			}
		}
		if master == nil {
			t.Logf("%s: builds on neither the CTR nor the behaviour layout; skipped", name)
			continue
		}
		tried++
		rng := rand.New(rand.NewPCG(3, 4))
		for _, b := range model.Buffers(master) {
			for i := range b.W {
				b.W[i] = 0.5 + rng.Float32()
			}
		}
		master.SetTraining(false)
		if err := shareWeights(replica, master); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		replica.SetTraining(false)
		b := randomBatch(lay, 8, rng)
		want := slices.Clone(master.Forward(b))
		got := replica.Forward(b)
		if !slices.Equal(got, want) {
			t.Errorf("%s: replica scores %v, master %v", name, got, want)
		}
	}
	if tried < 10 {
		t.Errorf("only %d models tried", tried)
	}
}

// randomBatch draws n rows of valid ids for lay.
func randomBatch(lay model.Layout, n int, rng *rand.Rand) *model.Batch {
	f, q, ns := len(lay.Slots), lay.SeqLen, len(lay.Seqs)
	b := &model.Batch{N: n, IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q), SeqLens: make([]int32, n*ns)}
	for i := range n {
		for k, sl := range lay.Slots {
			t := lay.Tables[sl.Table]
			b.IDs[i*f+k] = t.Offset + rng.Int32N(t.Size)
			b.Values[i*f+k] = 1
			if sl.Numeric {
				b.Values[i*f+k] = rng.Float32()
			}
		}
		l := 1 + rng.IntN(8) // one length for the row: the histories of one behaviour align
		for k, sq := range lay.Seqs {
			l := min(l, sq.MaxLen)
			b.SeqLens[i*ns+k] = int32(l)
			var t feature.Table
			for _, tt := range lay.Tables {
				if slices.Contains(tt.Fields, sq.Field) {
					t = tt
				}
			}
			for p := range l {
				b.Seq[i*q+sq.Offset+p] = t.Offset + rng.Int32N(t.Size)
			}
		}
	}
	return b
}
