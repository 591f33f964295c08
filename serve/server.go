package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	// MaxBody is the largest request body in bytes (default 8 MiB); a
	// larger one is answered 413. Bodies are read whole before a request
	// takes a concurrency slot, so that a client sending its body slowly
	// holds no slot; the bodies buffered at once, across requests, are
	// bounded by MaxConcurrent × MaxBody bytes, counted as they arrive
	// (a request that would exceed it is answered 503 with Retry-After).
	MaxBody int64
	// MaxCandidates caps the rows of a predict or infer request, the
	// candidates of a rank request and the k of a recommend request
	// (default 1000); more are answered 413.
	// It is also every replica's batch size.
	MaxCandidates int
	// MaxConcurrent caps the scoring requests handled at once once their
	// body is read (default 64); one more is answered 503 with
	// Retry-After at once, not queued.
	MaxConcurrent int
	// Replicas is the number of model replicas per loaded version, the
	// requests that run Forward in parallel (default GOMAXPROCS).
	Replicas int
	// ReadTimeout, WriteTimeout and IdleTimeout are the HTTP server's
	// (defaults 10 s, 10 s, 120 s): ReadTimeout bounds the reading of a
	// request's header and body together. DrainTimeout bounds how long
	// shutdown waits for in-flight requests (default 10 s).
	ReadTimeout, WriteTimeout, IdleTimeout, DrainTimeout time.Duration
	// Logger receives reloads, errors and recovered panics (default: the
	// slog default logger).
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if o.MaxBody == 0 {
		o.MaxBody = 8 << 20
	}
	if o.MaxCandidates == 0 {
		o.MaxCandidates = 1000
	}
	if o.MaxConcurrent == 0 {
		o.MaxConcurrent = 64
	}
	if o.Replicas == 0 {
		o.Replicas = runtime.GOMAXPROCS(0)
	}
	for _, d := range []*time.Duration{&o.ReadTimeout, &o.WriteTimeout, &o.DrainTimeout} {
		if *d == 0 {
			*d = 10 * time.Second
		}
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch {
	case o.MaxBody < 1 || o.MaxBody > 1<<30:
		return fmt.Errorf("serve: max body %d bytes, want 1 to 1 GiB", o.MaxBody)
	case o.MaxCandidates < 1:
		return fmt.Errorf("serve: max candidates %d, want ≥ 1", o.MaxCandidates)
	case o.MaxConcurrent < 1:
		return fmt.Errorf("serve: max concurrent %d, want ≥ 1", o.MaxConcurrent)
	case o.MaxBody > math.MaxInt64/int64(o.MaxConcurrent):
		return fmt.Errorf("serve: max body %d × max concurrent %d overflows", o.MaxBody, o.MaxConcurrent)
	case o.Replicas < 1:
		return fmt.Errorf("serve: replicas %d, want ≥ 1", o.Replicas)
	case o.ReadTimeout < 0 || o.WriteTimeout < 0 || o.IdleTimeout < 0 || o.DrainTimeout < 0:
		return fmt.Errorf("serve: negative timeout")
	}
	return nil
}

// Server serves a set of models. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	// models is copied on write: requests read it without locking.
	models atomic.Pointer[map[string]*entry]
	addMu  sync.Mutex
	sem    chan struct{}
	// slotsChanged is when a concurrency slot was last taken or given back
	// (unix nanoseconds; New's time at first): when every slot is held,
	// they have been since then. For readiness.
	slotsChanged atomic.Int64
	// saturatedAfter is how long every slot must stay held, none given
	// back, for the server to report not ready (see ready).
	saturatedAfter time.Duration
	// bodyBytes is the capacity of the body buffers that requests hold,
	// counted against bodyBudget (MaxConcurrent × MaxBody).
	bodyBytes  atomic.Int64
	bodyBudget int64
	draining   atomic.Bool
	reqs       sync.Pool
	// hook, when set (by tests), runs inside every scoring handler once
	// the request holds its concurrency slot.
	hook func(endpoint string)
}

// entry is one served model: its artifact directory and current version.
type entry struct {
	name, dir string
	cur       atomic.Pointer[version]
	reloadMu  sync.Mutex // serializes reloads of this model
}

// New returns a server without models.
func New(opts Options) (*Server, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, metrics: newMetrics(), sem: make(chan struct{}, opts.MaxConcurrent),
		saturatedAfter: time.Second, bodyBudget: int64(opts.MaxConcurrent) * opts.MaxBody}
	s.slotsChanged.Store(time.Now().UnixNano())
	s.models.Store(&map[string]*entry{})
	s.reqs.New = func() any { return new(request) }
	return s, nil
}

// AddModel loads the artifact in dir and serves it as name. Names are
// path segments: letters, digits, '.', '_' and '-'.
func (s *Server) AddModel(name, dir string) error {
	if !validName(name) {
		return fmt.Errorf("serve: model name %q: use letters, digits, '.', '_' and '-'", name)
	}
	s.addMu.Lock()
	defer s.addMu.Unlock()
	old := *s.models.Load()
	if _, ok := old[name]; ok {
		return fmt.Errorf("serve: model %q is already served", name)
	}
	v, err := loadVersion(name, dir, s.opts.MaxCandidates, s.opts.Replicas)
	if err != nil {
		return err
	}
	e := &entry{name: name, dir: dir}
	e.cur.Store(v)
	m := make(map[string]*entry, len(old)+1)
	for k, x := range old {
		m[k] = x
	}
	m[name] = e
	s.models.Store(&m)
	s.metrics.setVersion(name, "", v.id, v.manifest.Model)
	s.log.Info("serve: model loaded", "model", name, "type", v.manifest.Model, "version", v.id, "artifact", dir)
	return nil
}

func validName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return name != "." && name != ".."
}

// Models lists the served model names and the version each serves.
func (s *Server) Models() map[string]string {
	out := map[string]string{}
	for name, e := range *s.models.Load() {
		out[name] = e.cur.Load().id
	}
	return out
}

func (s *Server) entry(name string) *entry { return (*s.models.Load())[name] }

// Handler returns the HTTP handler of every endpoint.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models/{spec}", s.v1)
	mux.HandleFunc("/v2/health/live", s.live)
	mux.HandleFunc("/v2/health/ready", s.ready)
	mux.HandleFunc("/v2", s.serverMetadata)
	mux.HandleFunc("/v2/models/{name}", s.modelMetadata)
	mux.HandleFunc("/v2/models/{name}/ready", s.modelReady)
	mux.HandleFunc("/v2/models/{name}/infer", s.infer)
	mux.HandleFunc("/v2/models/{name}/versions/{version}", s.modelMetadata)
	mux.HandleFunc("/v2/models/{name}/versions/{version}/ready", s.modelReady)
	mux.HandleFunc("/v2/models/{name}/versions/{version}/infer", s.infer)
	mux.Handle("/metrics", s.metrics.handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no endpoint " + clip(r.URL.Path) +
			"; try POST /v1/models/{name}:predict, :rank or :recommend, /v2/… (KServe) or GET /metrics"})
	})
	return mux
}

// v1 routes /v1/models/{name}:predict, :rank and :recommend (a ServeMux wildcard is a
// whole segment, so the verb is split off here).
func (s *Server) v1(w http.ResponseWriter, r *http.Request) {
	name, verb, _ := strings.Cut(r.PathValue("spec"), ":")
	switch verb {
	case "predict":
		s.scoring(w, r, "predict", name, "", s.predict)
	case "rank":
		s.scoring(w, r, "rank", name, "", s.rank)
	case "recommend":
		s.scoring(w, r, "recommend", name, "", s.recommend)
	default:
		writeError(w, r, &Error{Status: http.StatusNotFound, Code: CodeNotFound,
			Message: "no endpoint " + clip(r.URL.Path) + "; expected /v1/models/{name}:predict, :rank or :recommend"})
	}
}

// handlerFunc scores one decoded request; it writes the response body into
// req.out and returns an error response instead on failure.
type handlerFunc func(ctx context.Context, v *version, req *request) (rows int, err error)

// scoring runs one scoring request: the model lookup, the body, the
// concurrency limit, the metrics and the recovery of panics around h. The
// body is read before the request takes a slot: a client that sends it
// slowly ties up its own connection and buffer, never a slot that a
// complete request could score in.
func (s *Server) scoring(w http.ResponseWriter, r *http.Request, endpoint, name, wantVersion string, h handlerFunc) {
	start := time.Now()
	s.metrics.inFlight.Inc()
	status, errCode, label := http.StatusOK, "", ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.metrics.panics.WithLabelValues(endpoint).Inc()
			s.log.Error("serve: handler panicked", "endpoint", endpoint, "model", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			status, errCode = http.StatusInternalServerError, CodeInternal
			writeError(w, r, &Error{Status: status, Code: errCode, Message: "internal error: the handler panicked; see the server log"})
		}
		s.metrics.inFlight.Dec()
		s.metrics.observe(label, endpoint, status, errCode, time.Since(start))
	}()
	fail := func(e *Error) {
		status, errCode = e.Status, e.Code
		writeError(w, r, e)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(&Error{Status: http.StatusMethodNotAllowed, Code: CodeMethod, Message: clip(r.Method) + " " + clip(r.URL.Path) + ": use POST"})
		return
	}
	e := s.entry(name)
	if e == nil {
		fail(unknownModel(name))
		return
	}
	label = name
	req := s.reqs.Get().(*request)
	defer s.putRequest(req)
	if err := s.readBody(w, r, req); err != nil {
		if err.Status == http.StatusServiceUnavailable {
			// Over the body budget, partway through the body: close the
			// connection rather than wait for the rest of it.
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Connection", "close")
		}
		fail(err)
		return
	}
	select {
	case s.sem <- struct{}{}:
		s.slotsChanged.Store(time.Now().UnixNano())
		defer s.releaseSlot()
	default:
		w.Header().Set("Retry-After", "1")
		fail(&Error{Status: http.StatusServiceUnavailable, Code: CodeOverloaded,
			Message: fmt.Sprintf("%d requests in flight, the server's limit (--max-concurrent); retry later", s.opts.MaxConcurrent)})
		return
	}
	v := e.cur.Load() // once: the whole request uses this version
	if wantVersion != "" && wantVersion != v.id {
		fail(&Error{Status: http.StatusNotFound, Code: CodeUnknownModel, Field: "version",
			Message: fmt.Sprintf("model %s serves version %s, not %s", name, v.id, clip(wantVersion))})
		return
	}
	req.reset(v.in, s.opts.MaxCandidates)
	if s.hook != nil {
		s.hook(endpoint)
	}
	rows, err := h(r.Context(), v, req)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				ae = &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: "request cancelled: " + err.Error()}
			} else {
				s.log.Error("serve: scoring failed", "endpoint", endpoint, "model", name, "err", err)
				ae = &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()}
			}
		}
		fail(ae)
		return
	}
	s.metrics.rows.WithLabelValues(name, endpoint).Add(float64(rows))
	w.Header().Set("Content-Type", "application/json")
	w.Write(req.out)
}

// releaseSlot gives a concurrency slot back and notes when, for ready.
func (s *Server) releaseSlot() {
	<-s.sem
	s.slotsChanged.Store(time.Now().UnixNano())
}

// putRequest gives back req's share of the body budget and returns req
// to the pool unless its buffers grew large.
func (s *Server) putRequest(req *request) {
	s.bodyBytes.Add(-req.reserved)
	req.reserved = 0
	if cap(req.body) > 4<<20 || cap(req.arena) > 4<<20 {
		return
	}
	req.in = nil
	s.reqs.Put(req)
}

func unknownModel(name string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeUnknownModel, Field: "name", Message: fmt.Sprintf("no model %q is served", clip(name))}
}

// bodyChunk is the first buffer of a body whose length is not known, or
// is longer: the buffer then doubles as bytes arrive, so that a client
// announcing a large body and sending it slowly makes the server hold
// about what it sent, not what it announced.
const bodyChunk = 4 << 10

// readBody reads the body into req.body, refusing more than MaxBody bytes
// (413) and more than the server's body budget (503), into which the
// request's buffer is counted as it grows (reserved until putRequest).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, req *request) *Error {
	maxBody := s.opts.MaxBody
	tooLarge := &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge,
		Message: fmt.Sprintf("request body over %d bytes, the server's limit (--max-body)", maxBody)}
	if r.ContentLength > maxBody {
		return tooLarge
	}
	// The buffer holds one byte beyond the body, so that the read meeting
	// its end has room: at most MaxBody+1, where MaxBytesReader stops.
	limit := int(maxBody) + 1
	if r.ContentLength >= 0 {
		limit = int(r.ContentLength) + 1
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	buf := req.body[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(1, min(max(cap(buf), bodyChunk), limit-len(buf))))
		}
		if !s.reserveBody(req, cap(buf)) {
			req.body = buf
			return &Error{Status: http.StatusServiceUnavailable, Code: CodeOverloaded,
				Message: fmt.Sprintf("the request bodies being handled would hold over %d bytes, the server's limit (--max-concurrent × --max-body); retry later", s.bodyBudget)}
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			req.body = buf
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return tooLarge
			}
			return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: "reading the body: " + err.Error()}
		}
	}
	req.body = buf
	return nil
}

// reserveBody counts req's body buffer of capacity n against the body
// budget, reporting false (and reserving nothing more) when it would
// exceed it.
func (s *Server) reserveBody(req *request, n int) bool {
	d := int64(n) - req.reserved
	if d <= 0 {
		return true
	}
	if s.bodyBytes.Add(d) > s.bodyBudget {
		s.bodyBytes.Add(-d)
		return false
	}
	req.reserved += d
	return true
}

// writeError writes e as JSON with its status. Under /v2 (KServe) the body
// is the Open Inference Protocol's {"error": "message"}, the message naming
// the field, with the code and field beside it; elsewhere it is
// {"error": {"code", "message", "field"}}.
func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	var b []byte
	if r != nil && strings.HasPrefix(r.URL.Path, "/v2") {
		b = append(b, `{"error":`...)
		b = appendJSONString(b, e.Error())
		b = append(b, `,"code":`...)
		b = appendJSONString(b, e.Code)
		if e.Field != "" {
			b = append(b, `,"field":`...)
			b = appendJSONString(b, e.Field)
		}
		w.Write(append(b, "}\n"...))
		return
	}
	b = append(b, `{"error":{"code":`...)
	b = appendJSONString(b, e.Code)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, e.Message)
	if e.Field != "" {
		b = append(b, `,"field":`...)
		b = appendJSONString(b, e.Field)
	}
	b = append(b, "}}\n"...)
	w.Write(b)
}

// live answers the KServe liveness probe: the process serves HTTP.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"live": true})
}

// ready answers the KServe readiness probe: 200 when the server can score
// a request now, 503 with the reason when it cannot, that is when
//   - no model is loaded,
//   - it is draining (shutting down), or
//   - it is saturated: every concurrency slot has been held for
//     saturatedAfter (1 s) with none given back, so that every scoring
//     request is refused 503, and has been for longer than a request
//     takes (milliseconds); a momentary full house does not count.
//
// A model whose last reload failed still serves its previous version, so
// it leaves the server ready; the failure is logged and counted in
// recforge_serve_reloads_total{result="error"}.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	reason := s.notReady()
	if reason == "" {
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": reason})
}

// notReady says why the server cannot score now, or "" when it can (see
// ready).
func (s *Server) notReady() string {
	switch {
	case len(*s.models.Load()) == 0:
		return "no model is loaded"
	case s.draining.Load():
		return "shutting down"
	}
	if len(s.sem) == cap(s.sem) {
		if held := time.Since(time.Unix(0, s.slotsChanged.Load())); held >= s.saturatedAfter {
			return fmt.Sprintf("all %d concurrency slots (--max-concurrent) held, none freed for %v", cap(s.sem), held.Round(time.Millisecond))
		}
	}
	return ""
}

// Run listens on addr and serves until ctx ends, then shuts down
// gracefully (see Serve).
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends. It then stops accepting connections,
// reports not ready, lets the requests in flight finish for up to
// DrainTimeout, closes what is left and returns nil (or the error that
// stopped serving).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadTimeout:       s.opts.ReadTimeout,
		ReadHeaderTimeout: s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("serve: shutting down, draining requests in flight", "timeout", s.opts.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
	defer cancel()
	err := srv.Shutdown(dctx)
	if err != nil {
		s.log.Warn("serve: drain timed out; closing the remaining connections", "err", err)
		srv.Close()
	}
	<-done
	return nil
}
