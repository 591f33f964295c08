package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// checkError checks an error response: the status, and a JSON body
// {"error": {"code", "message", "field"}} with the code and field path.
func checkError(t *testing.T, what string, code int, out map[string]any, wantCode int, wantErr, wantField, wantMsg string) {
	t.Helper()
	e, ok := out["error"].(map[string]any)
	if s, isString := out["error"].(string); isString {
		// KServe's form: the message is the string, code and field beside it.
		e, ok = map[string]any{"code": out["code"], "message": s}, len(out) <= 3
		if f, has := out["field"]; has {
			e["field"] = f
			if !strings.HasPrefix(s, f.(string)+": ") {
				t.Errorf("%s: KServe error %q does not start with its field %q", what, s, f)
			}
		}
	}
	if !ok {
		t.Errorf("%s: no error object in %v", what, out)
		return
	}
	field, _ := e["field"].(string)
	msg, _ := e["message"].(string)
	if code != wantCode || e["code"] != wantErr || field != wantField || !strings.Contains(msg, wantMsg) || len(e) > 3 {
		t.Errorf("%s: %d %v, want %d code %q field %q message containing %q", what, code, e, wantCode, wantErr, wantField, wantMsg)
	}
}

// Every kind of bad input gets a 4xx with a JSON error naming the field
// and what was expected.
func TestBadInput(t *testing.T) {
	s := newTestServer(t, Options{MaxCandidates: 5, MaxBody: 4096}, "deepfm", "din", "strict")
	h := s.Handler()
	const p = "/v1/models/deepfm:predict"
	for _, c := range []struct {
		what, path, body string
		status           int
		code, field, msg string
	}{
		{"not JSON", p, `{"rows": [{"C1": "a"}`, 400, CodeMalformedJSON, "", "byte offset 21"},
		{"trailing garbage", p, `{"rows": [{"C1": "a"}]} x`, 400, CodeMalformedJSON, "", "byte offset 24"},
		{"bare NaN", p, `{"rows": [{"I1": NaN}]}`, 400, CodeMalformedJSON, "", "byte offset 17"},
		{"bad escape", p, `{"rows": [{"C1": "a\q"}]}`, 400, CodeMalformedJSON, "", "escape"},
		{"control character", p, "{\"rows\": [{\"C1\": \"a\nb\"}]}", 400, CodeMalformedJSON, "", "control"},
		{"deep nesting", p, `{"rows": [{"label": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, 400, CodeMalformedJSON, "", "nesting"},
		{"rows not an array", p, `{"rows": {"C1": "a"}}`, 400, CodeWrongType, "rows", "expected an array"},
		{"row not an object", p, `{"rows": [{"C1": "a"}, 3]}`, 400, CodeWrongType, "rows[1]", "expected an object"},
		{"boolean value", p, `{"rows": [{"C1": "a"}, {"C7": true}]}`, 400, CodeWrongType, "rows[1].C7", "expected a string or a number, found a boolean"},
		{"object value", p, `{"rows": [{"I3": {}}]}`, 400, CodeWrongType, "rows[0].I3", "found an object"},
		{"unknown column", p, `{"rows": [{"C1": "a", "C99": "b"}]}`, 400, CodeUnknownField, "rows[0].C99", "this model reads"},
		{"unknown key", p, `{"rows": [], "limit": 3}`, 400, CodeUnknownField, "limit", "unknown key"},
		{"duplicate column", p, `{"rows": [{"C1": "a", "C1": "b"}]}`, 400, CodeDuplicateField, "rows[0].C1", "twice"},
		{"no rows", p, `{"rows": []}`, 400, CodeMissingValue, "rows", "at least one row"},
		{"no rows key", p, `{}`, 400, CodeMissingValue, "rows", "at least one row"},
		{"NaN string", p, `{"rows": [{"I2": "NaN"}]}`, 400, CodeInvalidValue, "rows[0].I2", "expected a number"},
		{"Inf string", p, `{"rows": [{"C1": "x"}, {"I5": "-Infinity"}]}`, 400, CodeInvalidValue, "rows[1].I5", "expected a number"},
		{"number overflowing", p, `{"rows": [{"I5": 1e999}]}`, 400, CodeInvalidValue, "rows[0].I5", "expected a number"},
		{"text for a number", p, `{"rows": [{"I5": "12abc"}]}`, 400, CodeInvalidValue, "rows[0].I5", `found "12abc"`},
		{"too many rows", p, `{"rows": [{}, {}, {}, {}, {}, {}]}`, 413, CodeTooManyRows, "rows", "--max-candidates 5"},
		{"body too large", p, `{"rows": [{"C1": "` + strings.Repeat("a", 5000) + `"}]}`, 413, CodeBodyTooLarge, "", "--max-body"},
		{"unknown model", "/v1/models/nope:predict", `{"rows": [{}]}`, 404, CodeUnknownModel, "name", `no model "nope"`},
		{"unknown verb", "/v1/models/deepfm:explain", `{}`, 404, CodeNotFound, "", ":predict"},
		{"missing required", "/v1/models/strict:predict", `{"rows": [{"C9": "x"}, {"C1": "a"}]}`, 400, CodeMissingValue, "rows[1].C9", "a value is required"},
		{"null required", "/v1/models/strict:predict", `{"rows": [{"C9": null}]}`, 400, CodeMissingValue, "rows[0].C9", "a value is required"},

		{"sequence as a string", "/v1/models/din:predict", `{"rows": [{"hist_item": "1|2"}]}`, 400, CodeWrongType, "rows[0].hist_item", "expected an array"},
		{"sequence element object", "/v1/models/din:predict", `{"rows": [{"hist_item": ["1", {}]}]}`, 400, CodeWrongType, "rows[0].hist_item[1]", "found an object"},
		{"sequence element with separator", "/v1/models/din:predict", `{"rows": [{"hist_cat": ["1", "2|3"]}]}`, 400, CodeInvalidValue, "rows[0].hist_cat[1]", "separator"},

		{"rank conflict", "/v1/models/din:rank", `{"context": {"user": "1", "item": "2"}, "candidates": [{"item": "3"}]}`, 400, CodeDuplicateField, "candidates[0].item", "both in context and in the candidate"},
		{"rank top_k", "/v1/models/din:rank", `{"candidates": [{"item": "3"}], "top_k": -1}`, 400, CodeInvalidValue, "top_k", "non-negative integer"},
		{"rank top_k fraction", "/v1/models/din:rank", `{"candidates": [{"item": "3"}], "top_k": 1.5}`, 400, CodeInvalidValue, "top_k", "non-negative integer"},
		{"rank context type", "/v1/models/din:rank", `{"context": [], "candidates": [{"item": "3"}]}`, 400, CodeWrongType, "context", "expected an object"},
		{"rank context column", "/v1/models/din:rank", `{"context": {"nope": 1}, "candidates": [{"item": "3"}]}`, 400, CodeUnknownField, "context.nope", "unknown column"},
		{"rank no candidates", "/v1/models/din:rank", `{"context": {}}`, 400, CodeMissingValue, "candidates", "at least one candidate"},
		{"rank too many", "/v1/models/din:rank", `{"candidates": [{}, {}, {}, {}, {}, {}]}`, 413, CodeTooManyRows, "candidates", "more than 5 candidates"},
		{"rank value from context", "/v1/models/deepfm:rank", `{"context": {"I4": "x"}, "candidates": [{"C1": "a"}]}`, 400, CodeInvalidValue, "context.I4", "expected a number"},

		{"infer unknown input", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]}, {"name": "Z", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, CodeUnknownField, "inputs[1].name", `unknown input "Z"`},
		{"infer rows mismatch", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]}, {"name": "C2", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}`, 400, CodeInvalidValue, "inputs[1].shape", "every input has one element per row"},
		{"infer elements mismatch", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [3], "datatype": "BYTES", "data": ["a", "b"]}]}`, 400, CodeInvalidValue, "inputs[0].data", "2 elements for shape [3]"},
		{"infer int type", "/v2/models/deepfm/infer", `{"inputs": [{"name": "I1", "shape": [2], "datatype": "INT64", "data": [1, 1.5]}]}`, 400, CodeInvalidValue, "inputs[0].data[1]", "expected an integer"},
		{"infer bytes type", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": [1]}]}`, 400, CodeWrongType, "inputs[0].data[0]", "expected a string"},
		{"infer datatype", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BOOL", "data": [true]}]}`, 400, CodeInvalidValue, "inputs[0].datatype", "expected BYTES"},
		{"infer shape", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]}]}`, 400, CodeInvalidValue, "inputs[0].shape", "[N] or [N, 1]"},
		{"infer no data", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES"}]}`, 400, CodeMissingValue, "inputs[0].data", "needs name, shape, datatype and data"},
		{"infer NaN", "/v2/models/deepfm/infer", `{"inputs": [{"name": "I2", "shape": [1], "datatype": "BYTES", "data": ["nan"]}]}`, 400, CodeInvalidValue, "inputs[0].data[0]", "expected a number"},
		{"infer output", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "outputs": [{"name": "prob"}]}`, 400, CodeUnknownField, "outputs[0].name", `"score"`},
		{"infer sequence type", "/v2/models/din/infer", `{"inputs": [{"name": "hist_item", "shape": [1], "datatype": "INT64", "data": [3]}]}`, 400, CodeInvalidValue, "inputs[0].datatype", "is a sequence: expected BYTES"},
		{"infer no inputs", "/v2/models/deepfm/infer", `{"inputs": []}`, 400, CodeMissingValue, "inputs", "at least one input"},
		{"infer too many", "/v2/models/deepfm/infer", `{"inputs": [{"name": "I1", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "C1", "shape": [6], "datatype": "BYTES", "data": ["a","a","a","a","a","a"]}]}`, 400, CodeInvalidValue, "inputs[1].shape", "6 rows where inputs[0] has 1"},
		{"infer one input too long", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "shape": [6, 1], "datatype": "BYTES", "data": ["a","a","a","a","a","a"]}]}`, 413, CodeTooManyRows, "inputs[0].shape", "6 rows (shape [6 1]), more than the server's limit of 5 rows per request (--max-candidates)"},
		{"infer version", "/v2/models/deepfm/versions/000000000000/infer", `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 404, CodeUnknownModel, "version", "not 000000000000"},
	} {
		code, out, _ := post(t, h, c.path, c.body)
		if _, isString := out["error"].(string); isString != strings.HasPrefix(c.path, "/v2/") {
			t.Errorf("%s: error %v: want KServe's string form exactly under /v2", c.what, out["error"])
		}
		checkError(t, c.what, code, out, c.status, c.code, c.field, c.msg)
	}

	// Wrong methods, unknown paths and models on the GET endpoints.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/models/deepfm:predict", nil))
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" || !strings.Contains(rec.Body.String(), CodeMethod) {
		t.Errorf("GET predict: %d %q", rec.Code, rec.Body.String())
	}
	code, out := get(t, h, "/v2/models/nope")
	checkError(t, "metadata of an unknown model", code, out, 404, CodeUnknownModel, "name", "nope")
	code, out = get(t, h, "/nothing/here")
	checkError(t, "unknown path", code, out, 404, CodeNotFound, "", "/nothing/here")

	// Unseen values are not errors: they map to OOV as in training.
	code, out, _ = post(t, h, p, `{"rows": [{"C1": "never-seen", "I1": 123456789, "C2": "\u00e9\ud83d\ude00"}]}`)
	if code != 200 || len(floats(t, out["scores"])) != 1 {
		t.Errorf("unseen values: %d %v", code, out)
	}

	// Each error was counted under its code.
	if n := testutil.ToFloat64(s.metrics.errors.WithLabelValues("deepfm", "predict", CodeMalformedJSON)); n != 6 {
		t.Errorf("%v malformed_json errors counted, want 6", n)
	}
	if n := testutil.ToFloat64(s.metrics.requests.WithLabelValues("", "predict", "404")); n != 1 {
		t.Errorf("%v requests to unknown models counted, want 1", n)
	}
}

// A request over the concurrency limit is refused at once with 503 and
// Retry-After; a panic is answered 500 JSON and counted.
func TestOverloadAndPanic(t *testing.T) {
	s := newTestServer(t, Options{MaxConcurrent: 1}, "lr")
	h := s.Handler()
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hook = func(endpoint string) {
		once.Do(func() {
			close(entered)
			<-release
		})
	}
	body := `{"rows": [{"C1": "a"}]}`
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/models/lr:predict", strings.NewReader(body)))
		done <- rec.Code
	}()
	<-entered
	start := time.Now()
	code, out, hdr := post(t, h, "/v1/models/lr:predict", body)
	checkError(t, "over the limit", code, out, 503, CodeOverloaded, "", "--max-concurrent")
	if hdr.Get("Retry-After") == "" || time.Since(start) > time.Second {
		t.Errorf("503 after %v with Retry-After %q", time.Since(start), hdr.Get("Retry-After"))
	}
	close(release)
	if c := <-done; c != 200 {
		t.Errorf("the request holding the slot ended %d", c)
	}

	s.hook = func(endpoint string) {
		if endpoint == "rank" {
			panic("forced")
		}
	}
	code, out, _ = post(t, h, "/v1/models/lr:rank", `{"candidates": [{"C1": "a"}]}`)
	checkError(t, "panic", code, out, 500, CodeInternal, "", "panicked")
	if n := testutil.ToFloat64(s.metrics.panics.WithLabelValues("rank")); n != 1 {
		t.Errorf("panics counted: %v", n)
	}
	// The slot and the replica were released: the server still answers.
	s.hook = nil
	if code, out, _ := post(t, h, "/v1/models/lr:predict", body); code != 200 {
		t.Errorf("after the panic: %d %v", code, out)
	}
}

// A client's text echoed in an error (a key, a column or input name, a
// number, a path) is cut to 64 bytes, as values are: a 1 MB key gets a
// short reply, not a 1 MB one.
func TestErrorsClipEchoedText(t *testing.T) {
	s := newTestServer(t, Options{MaxBody: 4 << 20}, "deepfm")
	h := s.Handler()
	huge := strings.Repeat("k", 1<<20)
	digits := strings.Repeat("9", 1<<20)
	clipped := strings.Repeat("k", 64) + "..."
	input := func(fields string) string {
		return `{"inputs": [{"name": "C1", "shape": [1], "datatype": "BYTES", "data": ["a"]` + fields + `}]}`
	}
	for _, c := range []struct {
		what, method, path, body string
		status                   int
		want                     string // in the reply
	}{
		{"predict key", "POST", "/v1/models/deepfm:predict", `{"` + huge + `": 1}`, 400, clipped},
		{"predict column", "POST", "/v1/models/deepfm:predict", `{"rows": [{"` + huge + `": 1}]}`, 400, "rows[0]." + clipped},
		{"rank key", "POST", "/v1/models/deepfm:rank", `{"` + huge + `": 1}`, 400, clipped},
		{"rank context column", "POST", "/v1/models/deepfm:rank", `{"context": {"` + huge + `": 1}}`, 400, "context." + clipped},
		{"rank top_k", "POST", "/v1/models/deepfm:rank", `{"top_k": ` + digits + `}`, 400, strings.Repeat("9", 64) + "..."},
		{"infer key", "POST", "/v2/models/deepfm/infer", `{"` + huge + `": 1}`, 400, clipped},
		{"infer input name", "POST", "/v2/models/deepfm/infer", `{"inputs": [{"name": "` + huge + `"}]}`, 400, clipped},
		{"infer tensor key", "POST", "/v2/models/deepfm/infer", input(`, "` + huge + `": 1`), 400, "inputs[0]." + clipped},
		{"infer datatype", "POST", "/v2/models/deepfm/infer", `{"inputs": [{"datatype": "` + huge + `"}]}`, 400, clipped},
		{"infer shape", "POST", "/v2/models/deepfm/infer", `{"inputs": [{"name": "C1", "datatype": "BYTES", "data": ["a"], "shape": [1` + strings.Repeat(",1", 1<<18) + `]}]}`, 400, "[1 1 1"},
		{"infer shape number", "POST", "/v2/models/deepfm/infer", `{"inputs": [{"shape": [` + digits + `]}]}`, 400, strings.Repeat("9", 64) + "..."},
		{"infer integer", "POST", "/v2/models/deepfm/infer", `{"inputs": [{"name": "I1", "shape": [1], "datatype": "INT64", "data": [1.` + digits + `]}]}`, 400, "1." + strings.Repeat("9", 62) + "..."},
		{"infer output", "POST", "/v2/models/deepfm/infer", `{"outputs": [{"name": "` + huge + `"}]}`, 400, clipped},
		{"infer output key", "POST", "/v2/models/deepfm/infer", `{"outputs": [{"` + huge + `": 1}]}`, 400, "outputs[0]." + clipped},
		{"model name", "POST", "/v1/models/" + huge + ":predict", `{}`, 404, clipped},
		{"v2 model name", "GET", "/v2/models/" + huge, ``, 404, clipped},
		{"infer version", "POST", "/v2/models/deepfm/versions/" + huge + "/infer", input(""), 404, clipped},
		{"endpoint", "GET", "/nothing/" + huge, ``, 404, "/nothing/" + strings.Repeat("k", 55) + "..."},
		{"verb", "POST", "/v1/models/deepfm:" + huge, `{}`, 404, "/v1/models/deepfm:" + strings.Repeat("k", 46) + "..."},
		{"method", strings.ToUpper(huge), "/v1/models/deepfm:predict", `{}`, 405, strings.ToUpper(clipped) + " /v1/models/deepfm:predict: use POST"},
		{"GET method", strings.ToUpper(huge), "/v2/models/deepfm", ``, 405, strings.ToUpper(clipped) + " /v2/models/deepfm: use GET"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		reply := rec.Body.String()
		if rec.Code != c.status || len(reply) > 1024 || !strings.Contains(reply, c.want) {
			t.Errorf("%s: %d, %d-byte reply %.300q; want %d, under 1 KB, holding %q", c.what, rec.Code, len(reply), reply, c.status, c.want)
		}
	}
}
