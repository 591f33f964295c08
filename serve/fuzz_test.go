package serve

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/recforge/recforge/feature"
)

// fuzzInputs are the columns of a small schema with every kind of column:
// numeric, categorical, a sequence, and a label column that is accepted
// and ignored.
func fuzzInputs() *inputs {
	return newInputs(feature.Schema{Fields: []feature.Field{
		{Name: "label", Type: feature.Label, Column: "label"},
		{Name: "n", Type: feature.Numeric, Column: "n"},
		{Name: "c", Type: feature.Categorical, Column: "c"},
		{Name: "hist", Type: feature.Sequence, Column: "hist", Separator: "|", MaxLen: 5},
		{Name: "g", Type: feature.Group, Column: "c"},
	}})
}

// checkClean checks that a decoding error is a client error with a code
// and a message.
func checkClean(t *testing.T, body []byte, e *Error) {
	if e.Status < 400 || e.Status >= 500 || e.Code == "" || e.Message == "" {
		t.Fatalf("%q: unclean error %+v", body, e)
	}
}

// FuzzDecodeRequest decodes arbitrary predict and rank bodies: decoding
// never panics, errors are clean 4xx errors, and a body that decodes is
// valid JSON whose values, read by encoding/json, are the ones decoded.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"rows": [{"n": 1.5e3, "c": "a\u00e9\"", "hist": ["x", 2, "y"]}, {"label": [1, {"z": null}], "c": null}]}`,
		`{"rows": [{"n": "NaN", "c": 7, "hist": []}]}`,
		`{"context": {"hist": ["1"]}, "candidates": [{"c": "q"}, {"n": -0.0}], "top_k": 1, "attention": false}`,
		`{"rows": [{"c": "\ud83d\ude00\ud800"}]} `,
		`{"rows": [{"hist": ["a|b"]}]}`,
		`{"rows": [{"c": "a", "c": "b"}]}`,
		`[1, 2]`, `{"rows": [`, `{"rows": [{}]}x`, `{"rows": [{"n": 01}]}`,
	} {
		f.Add([]byte(s))
	}
	in := fuzzInputs()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, rank := range []bool{false, true} {
			r := new(request)
			r.reset(in, 8)
			r.body = body
			var e *Error
			if rank {
				e = r.parseRank()
			} else {
				e = r.parsePredict()
			}
			if e != nil {
				checkClean(t, body, e)
				continue
			}
			if !json.Valid(body) {
				t.Fatalf("%q decoded, but it is not JSON", body)
			}
			if r.n < 1 || r.n > 8 || len(r.rows) != r.n*r.ncols {
				t.Fatalf("%q: %d rows, %d spans", body, r.n, len(r.rows))
			}
			if rank || !utf8.Valid(body) {
				continue // encoding/json would rewrite invalid UTF-8
			}
			var doc struct{ Rows []map[string]any }
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil || len(doc.Rows) != r.n {
				t.Fatalf("%q: encoding/json: %v, %d rows", body, err, len(doc.Rows))
			}
			for i, row := range doc.Rows {
				for k, c := range in.cols {
					v, ok := row[c.Name]
					sp := r.rows[i*r.ncols+k]
					want, present := expectRaw(v, ok)
					got := r.bytes(sp)
					if present != (sp.src != srcAbsent) || !bytes.Equal(got, want) {
						t.Fatalf("%q: rows[%d].%s decoded %q (src %d), encoding/json reads %v", body, i, c.Name, got, sp.src, v)
					}
				}
			}
		}
	})
}

// expectRaw is the raw value a decoded JSON value stands for.
func expectRaw(v any, ok bool) ([]byte, bool) {
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return []byte(x), true
	case json.Number:
		return []byte(x), true
	case []any:
		var parts []string
		for _, e := range x {
			b, _ := expectRaw(e, true)
			parts = append(parts, string(b))
		}
		return []byte(strings.Join(parts, "|")), true
	}
	return []byte("?"), true
}

// FuzzDecodeInfer decodes arbitrary KServe inference bodies: never a
// panic, errors are clean 4xx errors, and a decoded request has 1 to 8
// rows.
func FuzzDecodeInfer(f *testing.F) {
	for _, s := range []string{
		`{"id": "a", "inputs": [{"name": "n", "shape": [2], "datatype": "FP32", "data": [1, 2.5]}, {"name": "hist", "shape": [2, 1], "datatype": "BYTES", "data": [["a|b"], [""]]}], "outputs": [{"name": "score"}]}`,
		`{"inputs": [{"name": "c", "shape": [1], "datatype": "INT64", "data": [3]}], "parameters": {"x": [1]}}`,
		`{"inputs": [{"data": ["x"], "datatype": "BYTES", "shape": [1], "name": "label"}, {"name": "c", "shape": [1], "datatype": "UINT8", "data": [-1]}]}`,
		`{"inputs": [{"name": "c", "shape": [3], "datatype": "BYTES", "data": ["a", "b"]}]}`,
	} {
		f.Add([]byte(s))
	}
	in := fuzzInputs()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := new(request)
		r.reset(in, 8)
		r.body = body
		if e := r.parseInfer(); e != nil {
			checkClean(t, body, e)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%q decoded, but it is not JSON", body)
		}
		if r.n < 1 || r.n > 8 || len(r.rows) != r.n*r.ncols {
			t.Fatalf("%q: %d rows, %d spans", body, r.n, len(r.rows))
		}
		for i := range r.n {
			for k := range r.ncols {
				r.bytes(r.rows[i*r.ncols+k])
				_ = r.path(i, k)
			}
		}
	})
}

// FuzzDecodeRecommend decodes arbitrary recommend bodies: decoding never
// panics, errors are clean 4xx errors, and a body that decodes is valid
// JSON with a user, whose user and seen items, read by encoding/json, are
// the ones decoded.
func FuzzDecodeRecommend(f *testing.F) {
	for _, s := range []string{
		`{"user": "42", "k": 10, "exclude_seen": true, "seen": ["7", 8, "a\u00e9"]}`,
		`{"user": 17}`, `{"user": null}`, `{"user": "1", "k": 0}`, `{"user": "1", "seen": [null]}`,
		`{"user": "1", "user": "2"}`, `{"k": 3}`, `[]`, `{"user": "1"`, `{"user": "\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	in := fuzzInputs()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := new(request)
		r.reset(in, 8)
		r.body = body
		if e := r.parseRecommend(); e != nil {
			checkClean(t, body, e)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%q decoded, but it is not JSON", body)
		}
		if r.user.src != srcBody && r.user.src != srcArena || r.k < 0 {
			t.Fatalf("%q: decoded without a user (%+v) or with k %d", body, r.user, r.k)
		}
		if !utf8.Valid(body) {
			return // encoding/json would rewrite invalid UTF-8
		}
		asText := func(raw json.RawMessage) string {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return s
			}
			return string(raw) // a number, as its literal
		}
		var raw struct {
			User json.RawMessage
			Seen []json.RawMessage
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("%q: encoding/json: %v", body, err)
		}
		if got, want := string(r.bytes(r.user)), asText(raw.User); got != want {
			t.Fatalf("%q: user %q, encoding/json %q", body, got, want)
		}
		if len(raw.Seen) != len(r.seen) {
			t.Fatalf("%q: %d seen items, encoding/json %d", body, len(r.seen), len(raw.Seen))
		}
		for i, sp := range r.seen {
			if got, want := string(r.bytes(sp)), asText(raw.Seen[i]); got != want {
				t.Fatalf("%q: seen[%d] %q, encoding/json %q", body, i, got, want)
			}
		}
	})
}
