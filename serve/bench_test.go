package serve

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The serving benchmarks. Run them on one core:
//
//	go test ./serve -run '^$' -bench . -cpu 1 -benchtime 1x       (HTTP load: one bounded run each)
//	go test ./serve -run '^$' -bench HTTP -cpu 1 -benchtime 1x -serve.load 30s   (longer runs: a steadier p99)
//	go test ./serve -run '^$' -bench 'Score1Row|Rank100|Handler' -cpu 1   (in process)
//	go test ./serve -run '^$' -bench Soak -cpu 1 -benchtime 1x -serve.soak 3m   (soak; skipped without -serve.soak)
//
// The DeepFM is Criteo-shaped: the 39 fields of synthetic:ctr, embedding
// 10, MLP 400-400-400 (the defaults), trained one epoch; DIN has the
// default sizes and a 50-item history.

const (
	benchCTRSpec = "synthetic:ctr?rows=40000&seed=1"
	benchBehSpec = "behavior:synthetic?users=2000&items=1000&categories=20&seed=1&max_len=50"
)

var benchArtifacts struct {
	once sync.Once
	dirs map[string]string
	err  error
}

// benchDirs trains the benchmark artifacts once.
func benchDirs(b *testing.B) map[string]string {
	a := &benchArtifacts
	a.once.Do(func() {
		root, err := os.MkdirTemp("", "recforge-serve-bench-")
		if err != nil {
			a.err = err
			return
		}
		a.dirs = map[string]string{}
		for _, m := range []struct{ name, model, spec string }{{"deepfm", "deepfm", benchCTRSpec}, {"din", "din", benchBehSpec}} {
			dir, err := trainArtifact(root, "bench-"+m.name, m.model, m.spec, nil, 1)
			if err != nil {
				a.err = fmt.Errorf("training %s: %w", m.name, err)
				return
			}
			a.dirs[m.name] = dir
		}
	})
	if a.err != nil {
		b.Fatal(a.err)
	}
	return a.dirs
}

// benchServer serves the benchmark artifacts with one replica each.
func benchServer(b *testing.B) *Server {
	dirs := benchDirs(b)
	s, err := New(Options{Replicas: 1, MaxCandidates: 128, MaxConcurrent: 256, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	for name, dir := range dirs {
		if err := s.AddModel(name, dir); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// ctrRaw returns n records of spec as raw rows in the order of the
// model's columns.
func ctrRaw(b *testing.B, s *Server, spec string) [][][]byte {
	cols, recs := records(b, spec)
	sc, _ := s.Columns("deepfm")
	out := make([][][]byte, len(recs))
	for i, r := range recs {
		out[i] = make([][]byte, len(sc))
		for k, c := range sc {
			out[i][k] = r[slices.Index(cols, c.Name)]
		}
	}
	return out
}

// percentiles reports the p50 and p99 of ds in microseconds.
func percentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// BenchmarkScore1Row scores one row in process: raw values → encode →
// DeepFM forward, through Server.Score.
func BenchmarkScore1Row(b *testing.B) {
	s := benchServer(b)
	rows := ctrRaw(b, s, "synthetic:ctr?rows=256&seed=7")
	scores := make([]float32, 1)
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := time.Now()
		if _, err := s.Score(ctx, "deepfm", rows[i%len(rows):i%len(rows)+1], scores); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// rank100 is a DeepFM rank request: I1…I13 of one record as the context,
// C1…C26 of 100 records as the candidates.
func rank100(b *testing.B, s *Server, seed int) (ctxVals [][]byte, cands [][][]byte) {
	rows := ctrRaw(b, s, "synthetic:ctr?rows=101&seed="+strconv.Itoa(seed))
	sc, _ := s.Columns("deepfm")
	ctxVals = make([][]byte, len(sc))
	for i, row := range rows[1:] {
		c := make([][]byte, len(sc))
		for k, col := range sc {
			if col.Numeric {
				if i == 0 {
					ctxVals[k] = append([]byte{}, rows[0][k]...)
				}
				continue
			}
			c[k] = row[k]
		}
		cands = append(cands, c)
	}
	return ctxVals, cands
}

// BenchmarkRank100 ranks 100 DeepFM candidates for one context in process.
func BenchmarkRank100(b *testing.B) {
	s := benchServer(b)
	ctxVals, cands := rank100(b, s, 7)
	benchRank(b, s, "deepfm", ctxVals, cands)
}

// benchRank times Server.Rank of cands for one context, call by call.
func benchRank(b *testing.B, s *Server, name string, ctxVals [][]byte, cands [][][]byte) {
	scores, out := make([]float32, len(cands)), make([]Ranked, 0, len(cands))
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		var err error
		if out, _, err = s.Rank(context.Background(), name, ctxVals, cands, scores, out); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// dinRank100 is a DIN rank request: a user with a 50-item history and
// 100 candidate items, in JSON and in process.
func dinRank100(b *testing.B, s *Server, seed int) (body []byte, ctxVals [][]byte, cands [][][]byte) {
	hist, cats := make([]any, 50), make([]any, 50)
	var hi, hc []string
	for k := range 50 {
		it := (seed*31 + k*7) % 1000
		hist[k], cats[k] = strconv.Itoa(it), strconv.Itoa(it%20)
		hi, hc = append(hi, hist[k].(string)), append(hc, cats[k].(string))
	}
	user := strconv.Itoa(seed % 2000)
	var cs []any
	sc, _ := s.Columns("din")
	ctxVals = make([][]byte, len(sc))
	for k, c := range sc {
		switch c.Name {
		case "user":
			ctxVals[k] = []byte(user)
		case "hist_item":
			ctxVals[k] = []byte(joinBar(hi))
		case "hist_cat":
			ctxVals[k] = []byte(joinBar(hc))
		}
	}
	for j := range 100 {
		it := (seed*17 + j*13) % 1000
		cs = append(cs, map[string]any{"item": strconv.Itoa(it), "cat": strconv.Itoa(it % 20)})
		c := make([][]byte, len(sc))
		for k, col := range sc {
			switch col.Name {
			case "item":
				c[k] = []byte(strconv.Itoa(it))
			case "cat":
				c[k] = []byte(strconv.Itoa(it % 20))
			}
		}
		cands = append(cands, c)
	}
	body, _ = json.Marshal(map[string]any{"context": map[string]any{"user": user, "hist_item": hist, "hist_cat": cats}, "candidates": cs})
	return body, ctxVals, cands
}

func joinBar(xs []string) string {
	return string(bytes.Join(func() [][]byte {
		out := make([][]byte, len(xs))
		for i, x := range xs {
			out[i] = []byte(x)
		}
		return out
	}(), []byte("|")))
}

// BenchmarkDINRank100 ranks 100 DIN candidates for a user with a 50-item
// history in process.
func BenchmarkDINRank100(b *testing.B) {
	s := benchServer(b)
	_, ctxVals, cands := dinRank100(b, s, 3)
	benchRank(b, s, "din", ctxVals, cands)
}

// loadTime is how long each HTTP load benchmark runs: 5 s (1,000 requests
// at 200/s) by default; longer runs give a steadier p99.
var loadTime = flag.Duration("serve.load", 5*time.Second, "how long each HTTP load benchmark runs")

// httpLoad serves s on a loopback port in this process (one core under
// -cpu 1) and has a load generator in a child process send bodies (cycled)
// to path at rate requests per second on a fixed schedule (open loop) for
// loadTime. Latency runs from a request's scheduled time to the end of its
// response, so time spent queued behind a slow request counts, and so
// does the generator's own lateness (reported as send-late-p99-µs). The
// generator runs apart because in one process with one P it would share
// the server's core, and its timers, which wake up to a millisecond late
// on an idle runtime, would be measured as server latency.
func httpLoad(b *testing.B, s *Server, path string, bodies [][]byte, rate float64) {
	addr := serveBench(b, s)
	// The setup's garbage is collected now, not during the load.
	runtime.GC()
	b.ResetTimer()
	res := runLoadGen(b, loadSpec{url: "http://" + addr + path, bodies: bodies, rate: rate, dur: *loadTime})
	b.StopTimer()
	if res.Errors > 0 {
		b.Fatalf("%d of %d requests failed: %s", res.Errors, len(res.Latency), res.FirstError)
	}
	percentiles(b, res.Latency)
	b.ReportMetric(res.Rate, "req/s")
	slices.Sort(res.Late)
	b.ReportMetric(float64(res.Late[len(res.Late)*99/100].Nanoseconds())/1e3, "send-late-p99-µs")
}

// serveBench serves s on a loopback port until the benchmark ends and
// returns its address.
func serveBench(b *testing.B, s *Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		<-served
	})
	return ln.Addr().String()
}

// loadSpec is what the load generator is asked to do: send bodies (cycled)
// to url at rate per second for dur and, beside that load, keep slow
// clients sending slowPath's slowBody a byte at a time (see slowClient).
type loadSpec struct {
	url      string
	bodies   [][]byte
	rate     float64
	dur      time.Duration
	slow     int
	slowPath string
	slowBody []byte
}

// runLoadGen runs the load generator in a child process and returns what
// it measured.
func runLoadGen(b *testing.B, ls loadSpec) loadResult {
	f, err := os.CreateTemp("", "recforge-load-*.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	for _, body := range append([][]byte{ls.slowBody}, ls.bodies...) {
		f.Write(body) // compact JSON: no raw newline inside
		f.Write([]byte{'\n'})
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2", "RECFORGE_SERVE_LOADGEN="+strings.Join([]string{
		ls.url, f.Name(), strconv.FormatFloat(ls.rate, 'g', -1, 64), ls.dur.String(),
		os.Getenv("RECFORGE_SERVE_CLIENT"), strconv.Itoa(ls.slow), ls.slowPath}, ","))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("load generator: %v\n%s", err, out)
	}
	var res loadResult
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("load generator output: %v\n%s", err, out)
	}
	return res
}

// loadResult is what the load generator reports.
type loadResult struct {
	Latency, Late []time.Duration
	Rate          float64
	Errors        int
	FirstError    string
	// Failures counts the failed requests by kind: an HTTP status other
	// than 200 ("503") or "transport".
	Failures map[string]int
	// The slow clients' requests: answered 200, answered otherwise or
	// broken before the body was whole (Failed, FirstSlowError), and cut
	// by the server's read timeout while dribbling (Cut: expected).
	SlowOK, SlowFailed, SlowCut int
	FirstSlowError              string
}

// loadGen is the load generator's process (see runLoadGen): spec is "URL,
// bodies file, rate, duration, client, slow clients, slow path", the
// file's first line the slow clients' body. It prints a loadResult.
func loadGen(spec string) {
	parts := strings.Split(spec, ",")
	url, file, client := parts[0], parts[1], parts[4]
	rate, _ := strconv.ParseFloat(parts[2], 64)
	dur, _ := time.ParseDuration(parts[3])
	slow, _ := strconv.Atoi(parts[5])
	raw, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	bodies := bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n"))
	slowBody, bodies := bodies[0], bodies[1:]
	send := rawSender(url)
	if client == "nethttp" {
		send = netHTTPSender(url)
	}
	for _, body := range bodies[:min(len(bodies), 20)] { // warm the connections and the server's buffers
		send(body)
	}
	interval := time.Duration(float64(time.Second) / rate)
	n := int(dur / interval)
	res := loadResult{Latency: make([]time.Duration, n), Late: make([]time.Duration, n), Failures: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stopSlow := make(chan struct{})
	var slowWG sync.WaitGroup
	host, _, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	for k := range slow {
		slowWG.Add(1)
		go func() {
			defer slowWG.Done()
			slowClient(k, host, parts[6], slowBody, stopSlow, &res, &mu)
		}()
	}
	start := time.Now()
	// Senders take the requests in turn, each sleeping on its own thread
	// until its next one is due: a request sent late because its sender was
	// still waiting for a slow response counts that wait in its latency.
	for k := range loadSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			preciseSleeps()
			for i := k; i < n; i += loadSenders {
				due := start.Add(time.Duration(i) * interval)
				sleepUntil(due)
				res.Late[i] = time.Since(due)
				err := send(bodies[i%len(bodies)])
				res.Latency[i] = time.Since(due)
				if err != nil {
					kind := "transport"
					var se statusError
					if errors.As(err, &se) {
						kind = strconv.Itoa(int(se))
					}
					mu.Lock()
					res.Failures[kind]++
					if res.Errors++; res.Errors == 1 {
						res.FirstError = err.Error()
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	res.Rate = float64(n) / time.Since(start).Seconds()
	close(stopSlow)
	slowWG.Wait()
	json.NewEncoder(os.Stdout).Encode(res)
}

// slowClient k sends body to path on host over and over, a byte at a
// time, until stop: an even k sends a byte every 50 ms, completing a small
// body well within the server's read timeout (its answers must be 200); an
// odd k a byte a second, so that the server cuts it at its read timeout
// and it connects again.
func slowClient(k int, host, path string, body []byte, stop chan struct{}, res *loadResult, mu *sync.Mutex) {
	gap := 50 * time.Millisecond
	if k%2 == 1 {
		gap = time.Second
	}
	count := func(ok, cut bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case ok:
			res.SlowOK++
		case cut:
			res.SlowCut++
		default:
			if res.SlowFailed++; res.SlowFailed == 1 {
				res.FirstSlowError = err.Error()
			}
		}
	}
	for {
		c, err := net.Dial("tcp", host)
		if err != nil {
			count(false, false, err)
			return
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, host, len(body))
		sent := 0
		for ; sent < len(body); sent++ {
			select {
			case <-stop:
				c.Close()
				return
			case <-time.After(gap):
			}
			if _, err = c.Write(body[sent : sent+1]); err != nil {
				break
			}
		}
		if sent < len(body) {
			// The server closed the connection: cut at its read timeout
			// when this client dribbles past it, a failure otherwise.
			count(false, k%2 == 1, err)
			c.Close()
			continue
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = statusError(resp.StatusCode)
			}
		}
		count(err == nil, false, err)
		c.Close()
	}
}

// statusError is a response with a status other than 200.
type statusError int

func (e statusError) Error() string { return "status " + strconv.Itoa(int(e)) }

// rawSender returns a minimal HTTP/1.1 client in the manner of wrk: each
// request is written whole on an idle keep-alive connection (a new one
// when none is idle) and its response parsed on the same goroutine, with
// none of net/http's Transport goroutines between the request and the
// wire. Set RECFORGE_SERVE_CLIENT=nethttp to load with net/http instead.
func rawSender(url string) func(body []byte) error {
	rest, _ := strings.CutPrefix(url, "http://")
	host, path, _ := strings.Cut(rest, "/")
	head := "POST /" + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
	type conn struct {
		c net.Conn
		r *bufio.Reader
	}
	idle := make(chan *conn, 256)
	return func(body []byte) error {
		var c *conn
		select {
		case c = <-idle:
		default:
			nc, err := net.Dial("tcp", host)
			if err != nil {
				return err
			}
			c = &conn{c: nc, r: bufio.NewReaderSize(nc, 64<<10)}
		}
		req := make([]byte, 0, len(head)+len(body)+16)
		req = append(req, head...)
		req = strconv.AppendInt(req, int64(len(body)), 10)
		req = append(append(req, "\r\n\r\n"...), body...)
		if _, err := c.c.Write(req); err != nil {
			c.c.Close()
			return err
		}
		resp, err := http.ReadResponse(c.r, nil)
		if err != nil {
			c.c.Close()
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			c.c.Close()
			return err
		}
		idle <- c
		if resp.StatusCode != 200 {
			return statusError(resp.StatusCode)
		}
		return nil
	}
}

// netHTTPSender loads through net/http's client.
func netHTTPSender(url string) func(body []byte) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}
	return func(body []byte) error {
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return statusError(resp.StatusCode)
		}
		return err
	}
}

// loadSenders is how many goroutines of the load generator send requests:
// enough that each has several intervals to get its response back.
const loadSenders = 8

// sleepUntil sleeps until t in a raw nanosleep: time.Sleep wakes up to a
// millisecond late when the runtime idles (its poller waits in whole
// milliseconds).
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		ts := syscall.NsecToTimespec(d.Nanoseconds())
		syscall.Nanosleep(&ts, nil)
	}
}

// preciseSleeps sets the calling thread's timer slack to 1 ns: by default
// Linux may end a sleep up to 50 µs late to batch wake-ups.
func preciseSleeps() { unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) }

// BenchmarkHTTPRank100At200RPS: DeepFM rank requests of 100 candidates at
// a steady 200 requests per second over loopback.
func BenchmarkHTTPRank100At200RPS(b *testing.B) {
	s := benchServer(b)
	var bodies [][]byte
	sc, _ := s.Columns("deepfm")
	for seed := range 20 {
		bodies = append(bodies, rank100Body(b, s, sc, 100+seed))
	}
	httpLoad(b, s, "/v1/models/deepfm:rank", bodies, 200)
}

// BenchmarkHTTPPredict1RowAt200RPS: DeepFM predict requests of one row at
// 200 requests per second.
func BenchmarkHTTPPredict1RowAt200RPS(b *testing.B) {
	s := benchServer(b)
	cols, recs := records(b, "synthetic:ctr?rows=50&seed=11")
	var bodies [][]byte
	for _, r := range recs {
		body, _ := json.Marshal(map[string]any{"rows": []any{rowObject(cols, r, nil)}})
		bodies = append(bodies, body)
	}
	httpLoad(b, s, "/v1/models/deepfm:predict", bodies, 200)
}

// BenchmarkHTTPDINRank100At200RPS: DIN rank requests of 100 candidates,
// 50-item history, attention weights in the response, at 200 requests per
// second.
func BenchmarkHTTPDINRank100At200RPS(b *testing.B) {
	s := benchServer(b)
	var bodies [][]byte
	for seed := range 20 {
		body, _, _ := dinRank100(b, s, seed)
		bodies = append(bodies, body)
	}
	httpLoad(b, s, "/v1/models/din:rank", bodies, 200)
}

// discardResponse is a reusable ResponseWriter that drops the body, so
// that the handler benchmarks count the server's allocations, not the
// recorder's.
type discardResponse struct {
	h    http.Header
	code int
}

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardResponse) WriteHeader(code int)        { d.code = code }

// BenchmarkHandlerPredict1Row sends DeepFM predict requests of one row
// through the handler in process (routing, the concurrency limit, reading
// the pooled body, parsing, scoring, writing), with one request value
// reused, so that the allocations reported are the handler's.
func BenchmarkHandlerPredict1Row(b *testing.B) {
	s := benchServer(b)
	cols, recs := records(b, "synthetic:ctr?rows=50&seed=11")
	body, _ := json.Marshal(map[string]any{"rows": []any{rowObject(cols, recs[0], nil)}})
	h := s.Handler()
	rd := bytes.NewReader(body)
	req, err := http.NewRequest(http.MethodPost, "/v1/models/deepfm:predict", io.NopCloser(rd))
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	w := &discardResponse{h: http.Header{}}
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		rd.Reset(body)
		w.code = 200
		h.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
		ds = append(ds, time.Since(t))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// soakTime is how long BenchmarkSoak runs; 0 (the default) skips it.
var soakTime = flag.Duration("serve.soak", 0, "how long BenchmarkSoak runs (0: skipped)")

// BenchmarkSoak is an hour of a busy server's life compressed into
// -serve.soak (minutes): DeepFM rank requests of 100 candidates at 150 a
// second from the load generator; 32 slow clients beside them, half
// completing a small predict body at a byte per 50 ms (answers must be 200),
// half dribbling a byte a second until the server's 10 s read timeout cuts
// them, then connecting again; and a reload every 3 s, alternating two
// versions of the model, every fifth to weights holding NaN (refused, the
// old version serving on). It reports the failed requests (must be 0: every
// request is well-formed and within the limits), the 503s, p50 and p99, and
// samples the process's RSS and goroutines over time (logged as a series).
//
//	go test ./serve -run '^$' -bench Soak -cpu 1 -benchtime 1x -serve.soak 3m
func BenchmarkSoak(b *testing.B) {
	if *soakTime <= 0 {
		b.Skip("set -serve.soak (e.g. 3m) to run the soak")
	}
	const (
		rate        = 150
		slowClients = 32
		reloadEvery = 3 * time.Second
	)
	dirs := benchDirs(b)
	root := b.TempDir()
	// Two versions of the model with the same encoders, and one of NaN.
	versions := map[string]string{}
	for _, v := range []struct {
		name string
		f    func(float32) float32
	}{{"a", func(w float32) float32 { return w }}, {"b", func(w float32) float32 { return w * 0.999 }},
		{"nan", func(float32) float32 { return float32(math.NaN()) }}} {
		versions[v.name] = filepath.Join(root, v.name)
		copyArtifact(b, dirs["deepfm"], versions[v.name])
		mapWeights(b, versions[v.name], v.f)
	}
	served := filepath.Join(root, "served")
	copyArtifact(b, versions["a"], served)
	s, err := New(Options{Replicas: 1, MaxCandidates: 128, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.AddModel("deepfm", served); err != nil {
		b.Fatal(err)
	}
	addr := serveBench(b, s)
	var bodies [][]byte
	sc, _ := s.Columns("deepfm")
	for seed := range 20 {
		bodies = append(bodies, rank100Body(b, s, sc, 100+seed))
	}

	// The reloads, and the samples of RSS and goroutines, while the load
	// runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	type reloadStats struct {
		ok, refused, wrong int
		took               []time.Duration
		firstWrong         string
	}
	var rs reloadStats
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(reloadEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			src := versions[[]string{"b", "a"}[i%2]]
			if i%5 == 4 {
				src = versions["nan"]
			}
			if err := replaceArtifact(src, served); err != nil {
				rs.wrong++
				rs.firstWrong = err.Error()
				continue
			}
			before := s.Models()["deepfm"]
			start := time.Now()
			err := s.Reload("deepfm")
			rs.took = append(rs.took, time.Since(start))
			switch {
			case src == versions["nan"] && err != nil && s.Models()["deepfm"] == before:
				rs.refused++
			case src != versions["nan"] && err == nil:
				rs.ok++
			default:
				if rs.wrong++; rs.wrong == 1 {
					rs.firstWrong = fmt.Sprintf("reload %d (%s): %v", i, filepath.Base(src), err)
				}
			}
		}
	}()
	type sample struct {
		at         time.Duration
		rssMB      float64
		goroutines int
		heapMB     float64
	}
	var samples []sample
	every := max(*soakTime/12, time.Second)
	begin := time.Now()
	take := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		samples = append(samples, sample{time.Since(begin), rssMB(), runtime.NumGoroutine(), float64(ms.HeapInuse) / (1 << 20)})
	}
	take()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				take()
			}
		}
	}()
	runtime.GC()
	b.ResetTimer()
	res := runLoadGen(b, loadSpec{url: "http://" + addr + "/v1/models/deepfm:rank", bodies: bodies, rate: rate, dur: *soakTime,
		slow: slowClients, slowPath: "/v1/models/deepfm:predict", slowBody: []byte(`{"rows": [{"C1": "68fd1e64", "I1": 3}]}`)})
	b.StopTimer()
	close(stop)
	wg.Wait()
	take()

	slices.Sort(rs.took)
	b.Logf("%d requests at %.1f/s: %d failed %v (first: %s); slow clients: %d answered 200, %d cut at the read timeout, %d failed (first: %s); "+
		"reloads: %d swapped, %d to NaN weights refused, %d wrong (first: %s), took p50 %v max %v",
		len(res.Latency), res.Rate, res.Errors, res.Failures, res.FirstError, res.SlowOK, res.SlowCut, res.SlowFailed, res.FirstSlowError,
		rs.ok, rs.refused, rs.wrong, rs.firstWrong, rs.took[len(rs.took)/2].Round(time.Millisecond), rs.took[len(rs.took)-1].Round(time.Millisecond))
	// The series on a line each: the testing package keeps only the first
	// 10 lines of a benchmark's log.
	series := func(name string, f func(sample) string) {
		var b2 strings.Builder
		for _, x := range samples {
			fmt.Fprintf(&b2, " %6s", f(x))
		}
		b.Logf("%-13s%s", name, b2.String())
	}
	series("t (s)", func(x sample) string { return strconv.Itoa(int(x.at.Seconds())) })
	series("RSS (MB)", func(x sample) string { return strconv.FormatFloat(x.rssMB, 'f', 1, 64) })
	series("heap (MB)", func(x sample) string { return strconv.FormatFloat(x.heapMB, 'f', 1, 64) })
	series("goroutines", func(x sample) string { return strconv.Itoa(x.goroutines) })
	percentiles(b, res.Latency)
	slices.Sort(res.Late)
	b.ReportMetric(float64(res.Late[len(res.Late)*99/100].Nanoseconds())/1e3, "send-late-p99-µs")
	b.ReportMetric(float64(res.Errors+res.SlowFailed), "failed")
	b.ReportMetric(float64(res.Failures["503"]), "503s")
	b.ReportMetric(float64(rs.ok+rs.refused), "reloads")
	peak := slices.MaxFunc(samples, func(x, y sample) int { return cmp.Compare(x.rssMB, y.rssMB) })
	b.ReportMetric(samples[0].rssMB, "rss-start-MB")
	b.ReportMetric(peak.rssMB, "rss-max-MB")
	b.ReportMetric(samples[len(samples)-1].rssMB, "rss-end-MB")
	b.ReportMetric(float64(slices.MaxFunc(samples, func(x, y sample) int { return x.goroutines - y.goroutines }).goroutines), "goroutines-max")
	if res.Errors > 0 || res.SlowFailed > 0 || rs.wrong > 0 {
		b.Errorf("%d requests failed (first: %s), %d slow requests failed (first: %s), %d reloads went wrong (first: %s)",
			res.Errors, res.FirstError, res.SlowFailed, res.FirstSlowError, rs.wrong, rs.firstWrong)
	}
}

// rank100Body is a DeepFM rank request of 100 candidates in JSON (see
// rank100).
func rank100Body(b *testing.B, s *Server, sc []Column, seed int) []byte {
	ctxVals, cands := rank100(b, s, seed)
	ctx := map[string]any{}
	var cs []any
	for k, c := range sc {
		if len(ctxVals[k]) > 0 {
			ctx[c.Name] = string(ctxVals[k])
		}
	}
	for _, cand := range cands {
		m := map[string]any{}
		for k, c := range sc {
			if len(cand[k]) > 0 {
				m[c.Name] = string(cand[k])
			}
		}
		cs = append(cs, m)
	}
	body, _ := json.Marshal(map[string]any{"context": ctx, "candidates": cs})
	return body
}

// rssMB is the process's resident set size in MB (Linux; 0 elsewhere).
func rssMB() float64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize()) / (1 << 20)
}
