package serve

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/recforge/recforge/artifact"
)

// The Open Inference Protocol (KServe v2) over JSON. A model's inputs are
// its columns, one tensor each of shape [N] (or [N, 1]): BYTES for
// categorical and sequence columns, a sequence's elements joined with the
// field's separator as in the training file ("12|7|3"); any numeric
// datatype (or BYTES) for numeric columns, and integers are accepted for
// categorical ones, each number taken as its literal. An empty string is a
// missing value, and so is an input left out. The one output is "score",
// FP32 [N]. Error responses have this server's JSON error body (an object
// under "error", where the protocol has a string), and the binary tensor
// extension is not supported.

// kserveDatatypes are the tensor datatypes infer accepts, with whether
// each holds integers only.
var kserveDatatypes = map[string]struct{ integer, unsigned bool }{
	"BYTES": {}, "FP16": {}, "FP32": {}, "FP64": {},
	"INT8": {true, false}, "INT16": {true, false}, "INT32": {true, false}, "INT64": {true, false},
	"UINT8": {true, true}, "UINT16": {true, true}, "UINT32": {true, true}, "UINT64": {true, true},
}

// serverMetadata answers GET /v2.
func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "recforge", "version": artifact.BuildVersion(), "extensions": []string{}})
}

type tensorMeta struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

// modelMetadata answers GET /v2/models/{name}[/versions/{version}].
func (s *Server) modelMetadata(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	v, err := s.lookupVersion(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var ins []tensorMeta
	for _, c := range v.in.cols {
		dt := "BYTES"
		if c.Numeric {
			dt = "FP64"
		}
		ins = append(ins, tensorMeta{Name: c.Name, Datatype: dt, Shape: []int{-1}})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": v.name, "versions": []string{v.id}, "platform": "recforge_" + v.manifest.Model,
		"inputs": ins, "outputs": []tensorMeta{{Name: "score", Datatype: "FP32", Shape: []int{-1}}},
	})
}

// modelReady answers GET /v2/models/{name}[/versions/{version}]/ready: 200
// once loaded (a model is served only once loaded), 404 for an unknown one.
func (s *Server) modelReady(w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	v, err := s.lookupVersion(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": v.name, "ready": true})
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET")
	writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethod, Message: clip(r.Method) + " " + clip(r.URL.Path) + ": use GET"})
	return false
}

// lookupVersion returns the version named by the {name} and optional
// {version} path segments.
func (s *Server) lookupVersion(r *http.Request) (*version, *Error) {
	name := r.PathValue("name")
	e := s.entry(name)
	if e == nil {
		return nil, unknownModel(name)
	}
	v := e.cur.Load()
	if want := r.PathValue("version"); want != "" && want != v.id {
		return nil, &Error{Status: http.StatusNotFound, Code: CodeUnknownModel, Field: "version",
			Message: fmt.Sprintf("model %s serves version %s, not %s", name, v.id, clip(want))}
	}
	return v, nil
}

// infer answers POST /v2/models/{name}[/versions/{version}]/infer.
func (s *Server) infer(w http.ResponseWriter, r *http.Request) {
	s.scoring(w, r, "infer", r.PathValue("name"), r.PathValue("version"), s.inferScore)
}

func (s *Server) inferScore(ctx context.Context, v *version, req *request) (int, error) {
	if err := req.parseInfer(); err != nil {
		return 0, err
	}
	rep, scores, err := v.scoreChecked(ctx, req)
	if err != nil {
		return 0, err
	}
	defer v.release(rep)
	b := v.appendIdentity(req.out[:0], `{"model_name":`, `,"model_version":`)
	if req.id.src != srcAbsent {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, string(req.bytes(req.id)))
	}
	b = append(b, `,"outputs":[{"name":"score","datatype":"FP32","shape":[`...)
	b = append(b, itoa(len(scores))...)
	b = append(b, `],"data":[`...)
	b = appendScores(b, scores)
	req.out = append(b, "]}]}\n"...)
	return len(scores), nil
}

// kserveInput is one input tensor of an infer request as first scanned:
// where its data lies, decoded once its name, shape and datatype are known.
type kserveInput struct {
	col                int
	datatype           string
	shape              []int
	dataStart, dataEnd int
}

// parseInfer decodes an inference request into req's rows.
func (r *request) parseInfer() *Error {
	s := &scanner{b: r.body}
	r.what = "inputs"
	r.colInput = r.colInput[:0]
	for range r.ncols {
		r.colInput = append(r.colInput, -1)
	}
	var inputs []kserveInput
	var seenID, seenInputs, seenOutputs, seenParams bool
	err := s.object(&r.keybuf, func(key []byte) *Error {
		switch string(key) {
		case "id":
			if err := firstTime(&seenID, "id"); err != nil {
				return err
			}
			if c := s.peek(); c != '"' {
				return s.typeError("id", "expected a string, found %s", kindOf(c))
			}
			sp, err := r.scalarString(s)
			if sp.src == srcNull {
				sp = span{src: srcArena, off: int32(len(r.arena)), end: int32(len(r.arena))}
			}
			r.id = sp
			return err
		case "parameters":
			if err := firstTime(&seenParams, "parameters"); err != nil {
				return err
			}
			if c := s.peek(); c != '{' {
				return s.typeError("parameters", "expected an object, found %s", kindOf(c))
			}
			return s.skip(0)
		case "inputs":
			if err := firstTime(&seenInputs, "inputs"); err != nil {
				return err
			}
			if c := s.peek(); c != '[' {
				return s.typeError("inputs", "expected an array of input tensors, found %s", kindOf(c))
			}
			return s.array(func(i int) *Error {
				in, err := r.scanInput(s, i)
				if err == nil {
					inputs = append(inputs, in)
				}
				return err
			})
		case "outputs":
			if err := firstTime(&seenOutputs, "outputs"); err != nil {
				return err
			}
			if c := s.peek(); c != '[' {
				return s.typeError("outputs", "expected an array of requested outputs, found %s", kindOf(c))
			}
			return s.array(func(i int) *Error { return r.scanOutput(s, i) })
		}
		return badRequest(CodeUnknownField, clip(key), "unknown key; an inference request has id, parameters, inputs and outputs")
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return err
	}
	n := -1
	for i, in := range inputs {
		if in.col < 0 {
			continue
		}
		rows := in.shape[0]
		if n < 0 {
			n = rows
			if n > r.maxRows {
				// The limit is on rows: the elements of one input, not
				// the number of inputs.
				return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooManyRows, Field: "inputs[" + itoa(i) + "].shape",
					Message: fmt.Sprintf("%d rows (shape %v), more than the server's limit of %d rows per request (--max-candidates)", n, in.shape, r.maxRows)}
			}
			r.n = n
			for range n * r.ncols {
				r.rows = append(r.rows, span{})
			}
		} else if rows != n {
			return badRequest(CodeInvalidValue, "inputs["+itoa(i)+"].shape",
				"%d rows where inputs[%d] has %d: every input has one element per row", rows, slices.IndexFunc(inputs, func(x kserveInput) bool { return x.col >= 0 }), n)
		}
		if err := r.inputData(in, i); err != nil {
			return err
		}
	}
	if n <= 0 {
		return badRequest(CodeMissingValue, "inputs", "expected at least one input tensor of at least one row; this model reads %s", r.in.names())
	}
	return nil
}

// scanInput scans input tensor i, leaving its data for inputData.
func (r *request) scanInput(s *scanner, i int) (kserveInput, *Error) {
	in := kserveInput{col: -2}
	path := "inputs[" + itoa(i) + "]"
	if c := s.peek(); c != '{' {
		return in, s.typeError(path, "expected an input tensor object, found %s", kindOf(c))
	}
	var seenName, seenShape, seenType, seenData, seenParams bool
	err := s.object(&r.keybuf, func(key []byte) *Error {
		k := string(key)
		var seen *bool
		switch k {
		case "name":
			seen = &seenName
		case "shape":
			seen = &seenShape
		case "datatype":
			seen = &seenType
		case "data":
			seen = &seenData
		case "parameters":
			seen = &seenParams
		default:
			return badRequest(CodeUnknownField, path+"."+clip(k), "unknown key; an input tensor has name, shape, datatype, parameters and data")
		}
		if *seen {
			return badRequest(CodeDuplicateField, path+"."+k, "%s given twice", k)
		}
		*seen = true
		c := s.peek()
		switch k {
		case "name":
			if c != '"' {
				return s.typeError(path+".name", "expected a string, found %s", kindOf(c))
			}
			start, end, esc, err := s.str()
			if err != nil {
				return err
			}
			name := s.b[start:end]
			if esc {
				r.keybuf = appendUnescaped(r.keybuf[:0], name)
				name = r.keybuf
			}
			col, ok := r.in.index[string(name)]
			if !ok {
				return badRequest(CodeUnknownField, path+".name", "unknown input %q; this model reads %s", clip(name), r.in.names())
			}
			if col >= 0 && r.colInput[col] >= 0 {
				return badRequest(CodeDuplicateField, path+".name", "input %q given twice (also inputs[%d])", name, r.colInput[col])
			}
			if col >= 0 {
				r.colInput[col] = i
			}
			in.col = col
		case "datatype":
			if c != '"' {
				return s.typeError(path+".datatype", "expected a string, found %s", kindOf(c))
			}
			start, end, _, err := s.str()
			if err != nil {
				return err
			}
			dt := string(s.b[start:end])
			if _, ok := kserveDatatypes[dt]; !ok {
				return badRequest(CodeInvalidValue, path+".datatype", "datatype %q: expected BYTES, FP16/32/64, INT8/16/32/64 or UINT8/16/32/64", clip(dt))
			}
			in.datatype = dt
		case "shape":
			if c != '[' {
				return s.typeError(path+".shape", "expected an array of integers, found %s", kindOf(c))
			}
			return s.array(func(j int) *Error {
				c := s.peek()
				if c != '-' && (c < '0' || c > '9') {
					return s.typeError(path+".shape["+itoa(j)+"]", "expected an integer, found %s", kindOf(c))
				}
				start, end, err := s.number()
				if err != nil {
					return err
				}
				d, ok := smallInt(s.b[start:end])
				if !ok {
					return badRequest(CodeInvalidValue, path+".shape["+itoa(j)+"]", "expected a non-negative integer, found %s", clip(s.b[start:end]))
				}
				in.shape = append(in.shape, d)
				return nil
			})
		case "data":
			if c != '[' {
				return s.typeError(path+".data", "expected an array, found %s", kindOf(c))
			}
			in.dataStart = s.i
			if err := s.skip(0); err != nil {
				return err
			}
			in.dataEnd = s.i
		case "parameters":
			if c != '{' {
				return s.typeError(path+".parameters", "expected an object, found %s", kindOf(c))
			}
			return s.skip(0)
		}
		return nil
	})
	if err != nil {
		return in, err
	}
	for _, m := range []struct {
		seen bool
		name string
	}{{seenName, "name"}, {seenShape, "shape"}, {seenType, "datatype"}, {seenData, "data"}} {
		if !m.seen {
			return in, badRequest(CodeMissingValue, path+"."+m.name, "an input tensor needs name, shape, datatype and data")
		}
	}
	if len(in.shape) == 0 || len(in.shape) > 2 || (len(in.shape) == 2 && in.shape[1] != 1) || in.shape[0] == 0 {
		return in, badRequest(CodeInvalidValue, path+".shape", "shape %s: expected [N] or [N, 1] with N ≥ 1, one element per row", clip(fmt.Sprint(in.shape)))
	}
	if in.col >= 0 && r.in.cols[in.col].Sequence && in.datatype != "BYTES" {
		return in, badRequest(CodeInvalidValue, path+".datatype", "input %s is a sequence: expected BYTES, each element the values joined with %q",
			r.in.cols[in.col].Name, r.in.cols[in.col].Separator)
	}
	return in, nil
}

// scanOutput checks requested output i: only "score" exists.
func (r *request) scanOutput(s *scanner, i int) *Error {
	path := "outputs[" + itoa(i) + "]"
	if c := s.peek(); c != '{' {
		return s.typeError(path, "expected an object, found %s", kindOf(c))
	}
	named := false
	err := s.object(&r.keybuf, func(key []byte) *Error {
		switch string(key) {
		case "name":
			if c := s.peek(); c != '"' {
				return s.typeError(path+".name", "expected a string, found %s", kindOf(c))
			}
			start, end, _, err := s.str()
			if err != nil {
				return err
			}
			if string(s.b[start:end]) != "score" {
				return badRequest(CodeUnknownField, path+".name", "unknown output %q; the model's one output is \"score\"", clip(s.b[start:end]))
			}
			named = true
			return nil
		case "parameters":
			return s.skip(0)
		}
		return badRequest(CodeUnknownField, path+"."+clip(key), "unknown key; a requested output has name and parameters")
	})
	if err == nil && !named {
		err = badRequest(CodeMissingValue, path+".name", "a requested output needs a name")
	}
	return err
}

// inputData decodes input i's elements (nested arrays flattened) into the
// column's spans, checking them against the datatype.
func (r *request) inputData(in kserveInput, i int) *Error {
	s := &scanner{b: r.body[:in.dataEnd], i: in.dataStart}
	path := "inputs[" + itoa(i) + "].data"
	dt := kserveDatatypes[in.datatype]
	bytesType := in.datatype == "BYTES"
	row := 0
	var elems func(depth int) *Error
	elems = func(depth int) *Error {
		return s.array(func(int) *Error {
			c := s.peek()
			if c == '[' && depth < 1 {
				return elems(depth + 1)
			}
			if row >= r.n {
				return badRequest(CodeInvalidValue, path, "more elements than the shape %v holds", in.shape)
			}
			epath := path + "[" + itoa(row) + "]"
			var sp span
			switch {
			case bytesType && c == '"':
				var err *Error
				if sp, err = r.scalarString(s); err != nil {
					return err
				}
			case !bytesType && (c == '-' || (c >= '0' && c <= '9')):
				start, end, err := s.number()
				if err != nil {
					return err
				}
				lit := s.b[start:end]
				if dt.integer && strings.ContainsAny(string(lit), ".eE") {
					return badRequest(CodeInvalidValue, epath, "expected an integer for datatype %s, found %s", in.datatype, clip(lit))
				}
				if dt.unsigned && lit[0] == '-' {
					return badRequest(CodeInvalidValue, epath, "expected a non-negative integer for datatype %s, found %s", in.datatype, clip(lit))
				}
				sp = bodySpan(start, end)
			default:
				want := "a number"
				if bytesType {
					want = "a string"
				}
				return s.typeError(epath, "expected %s for datatype %s, found %s", want, in.datatype, kindOf(c))
			}
			r.rows[row*r.ncols+in.col] = sp
			row++
			return nil
		})
	}
	if err := elems(0); err != nil {
		return err
	}
	if row != r.n {
		return badRequest(CodeInvalidValue, path, "%d elements for shape %v", row, in.shape)
	}
	return nil
}
