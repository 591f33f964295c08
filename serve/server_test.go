package serve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
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

	"github.com/prometheus/client_golang/prometheus/testutil"

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
		if err := model.ShareWeights(replica, master); err != nil {
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

// serveLoopback serves s on a loopback port until the test ends and
// returns its address.
func serveLoopback(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-served
	})
	return ln.Addr().String()
}

// rawPost is a POST written by hand on its own connection, so that a test
// can send its body as slowly as it likes.
type rawPost struct {
	c net.Conn
	r *bufio.Reader
}

// startPost opens a connection and writes the header of a POST to path
// announcing a body of n bytes.
func startPost(t *testing.T, addr, path string, n int) *rawPost {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, addr, n)
	return &rawPost{c: c, r: bufio.NewReader(c)}
}

// response reads the response: its status and body.
func (p *rawPost) response() (int, string, error) {
	p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(p.r, nil)
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b), err
}

// waitInFlight waits until n scoring requests are being handled, failing
// the test after 10 s.
func waitInFlight(t *testing.T, s *Server, n int) {
	t.Helper()
	if !inFlightWithin(s, n, 10*time.Second) {
		t.Fatalf("%v requests in flight after 10 s, want %d", testutil.ToFloat64(s.metrics.inFlight), n)
	}
}

// inFlightWithin waits up to d until n scoring requests are being handled
// and reports whether they were.
func inFlightWithin(s *Server, n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for testutil.ToFloat64(s.metrics.inFlight) < float64(n) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// Clients sending their bodies a byte at a time, four times as many as
// there are concurrency slots, do not make well-formed requests fail: a
// body is read before its request takes a slot. Once complete, the slow
// requests are answered too, and the server stays ready throughout.
func TestSlowBodiesDoNotStarveScoring(t *testing.T) {
	s := newTestServer(t, Options{MaxConcurrent: 4, ReadTimeout: 30 * time.Second}, "lr")
	addr := serveLoopback(t, s)
	body := []byte(`{"rows": [{"C1": "a", "I1": 3}]}`)
	const slow = 16
	finish := make(chan struct{})
	results := make(chan string, slow)
	for range slow {
		p := startPost(t, addr, "/v1/models/lr:predict", len(body))
		go func() {
			for i := range len(body) - 1 {
				if _, err := p.c.Write(body[i : i+1]); err != nil {
					results <- err.Error()
					return
				}
				select {
				case <-finish:
				case <-time.After(20 * time.Millisecond):
				}
			}
			<-finish
			p.c.Write(body[len(body)-1:])
			code, out, err := p.response()
			if err != nil || code != 200 {
				results <- fmt.Sprintf("slow client: %d %s %v", code, out, err)
				return
			}
			results <- ""
		}()
	}
	// Every slow request is in its handler, reading its body (a server
	// that refuses some at once, as one taking slots before bodies does,
	// gets 3 s, then the requests below show it).
	if !inFlightWithin(s, slow, 3*time.Second) {
		t.Errorf("%v of %d slow requests in flight", testutil.ToFloat64(s.metrics.inFlight), slow)
	}
	url := "http://" + addr
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(url+"/v1/models/lr:predict", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), `"scores":[`) {
				t.Errorf("predict beside %d slow clients: %d %s", slow, resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	if resp, err := http.Get(url + "/v2/health/ready"); err != nil || resp.StatusCode != 200 {
		t.Errorf("ready beside slow clients: %v %v", resp, err)
	}
	close(finish)
	for range slow {
		if msg := <-results; msg != "" {
			t.Error(msg)
		}
	}
}

// Request bodies count against MaxConcurrent × MaxBody bytes as they
// arrive, not as announced: clients announcing large bodies and sending a
// few bytes leave room for others, a body that grows past the budget is
// refused 503 with Retry-After, and every request gives its share back.
func TestBodyBudget(t *testing.T) {
	const maxBody = 16 << 10 // the budget: MaxConcurrent 2 × 16 KiB
	s := newTestServer(t, Options{MaxConcurrent: 2, MaxBody: maxBody, ReadTimeout: 30 * time.Second}, "lr")
	addr := serveLoopback(t, s)
	const path = "/v1/models/lr:predict"
	small := `{"rows": [{"C1": "a"}]}`
	big := []byte(small + strings.Repeat(" ", 16000-len(small)))
	// Three clients announce 16,000 bytes each (48,000 in all) and send 10.
	var slow []*rawPost
	for range 3 {
		p := startPost(t, addr, path, len(big))
		p.c.Write(big[:10])
		slow = append(slow, p)
	}
	waitInFlight(t, s, 3)
	code, out, _ := post(t, s.Handler(), path, small)
	if code != 200 {
		t.Fatalf("a small request beside three announced large bodies: %d %v", code, out)
	}
	// A fourth sends all but a byte, a fifth 9,000 bytes: together more
	// than the budget.
	d := startPost(t, addr, path, len(big))
	d.c.Write(big[:len(big)-1])
	waitInFlight(t, s, 4)
	for deadline := time.Now().Add(10 * time.Second); s.bodyBytes.Load() < 3*bodyChunk+int64(len(big)-1); {
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d body bytes, not yet the fourth body", s.bodyBytes.Load())
		}
		time.Sleep(2 * time.Millisecond)
	}
	e := startPost(t, addr, path, len(big))
	e.c.Write(big[:9000])
	code, msg, err := e.response()
	if err != nil || code != 503 || !strings.Contains(msg, CodeOverloaded) || !strings.Contains(msg, "--max-body") {
		t.Errorf("a body past the budget: %d %s %v", code, msg, err)
	}
	for _, p := range append([]*rawPost{d}, slow...) {
		if p == d {
			p.c.Write(big[len(big)-1:])
		} else {
			p.c.Write(big[10:])
		}
		if code, msg, err := p.response(); err != nil || code != 200 {
			t.Errorf("a large body, complete: %d %s %v", code, msg, err)
		}
	}
	if code, out, _ := post(t, s.Handler(), path, small); code != 200 {
		t.Errorf("after the large bodies: %d %v", code, out)
	}
	if n := s.bodyBytes.Load(); n != 0 {
		t.Errorf("%d body bytes still reserved after every request ended", n)
	}
}

// Readiness turns 503 when the server cannot score: no model loaded, or
// every concurrency slot held with none freed for saturatedAfter (every
// scoring request refused); a momentary full house, even after an idle
// spell, is still ready.
func TestReadyReflectsSaturation(t *testing.T) {
	empty, err := New(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if code, out := get(t, empty.Handler(), "/v2/health/ready"); code != 503 || out["ready"] != false || out["reason"] != "no model is loaded" {
		t.Errorf("ready without models: %d %v", code, out)
	}

	s := newTestServer(t, Options{MaxConcurrent: 2}, "lr")
	const window = 300 * time.Millisecond
	s.saturatedAfter = window
	h := s.Handler()
	const body = `{"rows": [{"C1": "a"}]}`
	fill := func() (release func()) {
		entered, hold := make(chan struct{}), make(chan struct{})
		s.hook = func(string) {
			entered <- struct{}{}
			<-hold
		}
		codes := make(chan int, 2)
		for range 2 {
			go func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/models/lr:predict", strings.NewReader(body)))
				codes <- rec.Code
			}()
		}
		<-entered
		<-entered
		return func() {
			close(hold)
			for range 2 {
				if c := <-codes; c != 200 {
					t.Errorf("a request holding a slot ended %d", c)
				}
			}
			s.hook = nil
		}
	}
	time.Sleep(2 * window) // idle: no slot changed for a while
	release := fill()
	if code, out := get(t, h, "/v2/health/ready"); code != 200 {
		t.Errorf("ready just after the slots filled: %d %v", code, out)
	}
	code, out, _ := post(t, h, "/v1/models/lr:predict", body)
	checkError(t, "a request while every slot is held", code, out, 503, CodeOverloaded, "", "--max-concurrent")
	time.Sleep(window + 50*time.Millisecond)
	code, out = get(t, h, "/v2/health/ready")
	if reason, _ := out["reason"].(string); code != 503 || out["ready"] != false || !strings.Contains(reason, "all 2 concurrency slots (--max-concurrent) held") {
		t.Errorf("ready with every slot held for %v: %d %v", window, code, out)
	}
	release()
	if code, out := get(t, h, "/v2/health/ready"); code != 200 || out["ready"] != true {
		t.Errorf("ready once the slots are free: %d %v", code, out)
	}
}
