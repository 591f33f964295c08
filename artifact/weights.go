package artifact

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/recforge/recforge/nn"
)

// WriteWeights writes params and tables to w as F32 safetensors tensors
// named by their Name: a param with its Shape, a table as [Rows, Dim]
// holding only each row's Dim weights (never the optimizer state stored
// after them). The header is built from the declared shapes and the data
// streamed after it; a param or table whose storage disagrees with its
// shape fails the write at that tensor, leaving w incomplete.
func WriteWeights(w io.Writer, params []*nn.Param, tables []*nn.Table, metadata map[string]string) error {
	es := make([]entry, 0, len(params)+len(tables))
	for _, p := range params {
		if p == nil {
			return fmt.Errorf("artifact: nil parameter")
		}
		n, err := numElements(p.Shape, math.MaxInt/4)
		if err != nil {
			return fmt.Errorf("artifact: parameter %q: %w", p.Name, err)
		}
		es = append(es, entry{name: p.Name, dtype: F32, shape: p.Shape, nbytes: 4 * n,
			write: func(w io.Writer) error {
				if len(p.W) != n {
					return fmt.Errorf("parameter shape %v holds %d values, W has %d", p.Shape, n, len(p.W))
				}
				return writeF32(w, p.W)
			}})
	}
	for _, t := range tables {
		if t == nil {
			return fmt.Errorf("artifact: nil table")
		}
		shape := []int{t.Rows, t.Dim}
		n, err := numElements(shape, math.MaxInt/4)
		if err != nil {
			return fmt.Errorf("artifact: table %q: %w", t.Name, err)
		}
		es = append(es, entry{name: t.Name, dtype: F32, shape: shape, nbytes: 4 * n,
			write: func(w io.Writer) error {
				if err := checkTable(t); err != nil {
					return err
				}
				for r := range t.Rows {
					if err := writeF32(w, t.Data[r*t.Stride:r*t.Stride+t.Dim]); err != nil {
						return err
					}
				}
				return nil
			}})
	}
	return writeEntries(w, es, metadata)
}

// LoadWeights copies the tensors of f into params and tables, matched by
// name. Every param (but an Optional one, left as it is when f lacks it)
// and table must have a tensor of dtype F32 and exactly
// its shape ([Rows, Dim] for a table) holding finite values only, and
// every tensor in f must be claimed; otherwise nothing is modified and the
// error names the tensor (and the first NaN or infinite element). Table
// optimizer state is left as it is.
func LoadWeights(f *File, params []*nn.Param, tables []*nn.Table) error {
	if f == nil {
		return fmt.Errorf("artifact: nil weights file")
	}
	byName := make(map[string]Tensor, len(f.Tensors))
	for _, t := range f.Tensors {
		byName[t.Name] = t
	}
	claimed := make(map[string]bool, len(byName))
	find := func(name string, shape []int) (Tensor, error) {
		if claimed[name] {
			return Tensor{}, fmt.Errorf("artifact: two model tensors are named %q", name)
		}
		claimed[name] = true
		t, ok := byName[name]
		if !ok {
			return Tensor{}, fmt.Errorf("artifact: tensor %q is missing from the weights", name)
		}
		if t.DType != F32 {
			return Tensor{}, fmt.Errorf("artifact: tensor %q is %s, want F32", name, t.DType)
		}
		if !slices.Equal(t.Shape, shape) {
			return Tensor{}, fmt.Errorf("artifact: tensor %q has shape %v in the weights, %v in the model", name, t.Shape, shape)
		}
		if err := t.Validate(); err != nil {
			return Tensor{}, err
		}
		return t, checkFinite(t)
	}
	// Check everything before copying anything.
	pt := make([]Tensor, len(params))
	absent := make([]bool, len(params))
	for i, p := range params {
		if p == nil {
			return fmt.Errorf("artifact: nil parameter")
		}
		if _, ok := byName[p.Name]; !ok && p.Optional && !claimed[p.Name] {
			claimed[p.Name], absent[i] = true, true
			continue
		}
		t, err := find(p.Name, p.Shape)
		if err != nil {
			return err
		}
		if len(p.W)*4 != len(t.Data) {
			return fmt.Errorf("artifact: parameter %q: shape %v but W has %d values", p.Name, p.Shape, len(p.W))
		}
		pt[i] = t
	}
	tt := make([]Tensor, len(tables))
	for i, tb := range tables {
		if tb == nil {
			return fmt.Errorf("artifact: nil table")
		}
		if err := checkTable(tb); err != nil {
			return fmt.Errorf("artifact: %w", err)
		}
		t, err := find(tb.Name, []int{tb.Rows, tb.Dim})
		if err != nil {
			return err
		}
		tt[i] = t
	}
	for _, t := range f.Tensors {
		if !claimed[t.Name] {
			return fmt.Errorf("artifact: tensor %q in the weights matches no model parameter", t.Name)
		}
	}
	for i, p := range params {
		if !absent[i] {
			readF32(p.W, pt[i].Data)
		}
	}
	for i, tb := range tables {
		row := 4 * tb.Dim
		for r := range tb.Rows {
			readF32(tb.Data[r*tb.Stride:r*tb.Stride+tb.Dim], tt[i].Data[r*row:(r+1)*row])
		}
	}
	return nil
}

// checkFinite refuses an F32 tensor holding a NaN or an infinity, naming
// the first: a model with one scores NaN for every row that reaches it,
// and training stops before saving one, so such weights are corrupt.
func checkFinite(t Tensor) error {
	for i := 0; i+4 <= len(t.Data); i += 4 {
		bits := binary.LittleEndian.Uint32(t.Data[i:])
		if bits&0x7f800000 != 0x7f800000 { // exponent not all ones: finite
			continue
		}
		where := "its value"
		if len(t.Shape) > 0 {
			k, idx := i/4, make([]int, len(t.Shape))
			for d := len(t.Shape) - 1; d >= 0; d-- {
				idx[d] = k % t.Shape[d]
				k /= t.Shape[d]
			}
			where = fmt.Sprintf("element %v (flat index %d of %d)", idx, i/4, len(t.Data)/4)
		}
		return fmt.Errorf("artifact: tensor %q: %s is %v; weights must be finite (the model that saved them had diverged, or the file is corrupt)",
			t.Name, where, math.Float32frombits(bits))
	}
	return nil
}

// checkTable verifies a table's storage matches Rows, Dim and Stride.
func checkTable(t *nn.Table) error {
	if t.Rows < 0 || t.Dim < 0 || t.Stride < t.Dim {
		return fmt.Errorf("table %q: invalid layout rows=%d dim=%d stride=%d", t.Name, t.Rows, t.Dim, t.Stride)
	}
	if n, err := numElements([]int{t.Rows, t.Stride}, math.MaxInt/4); err != nil || len(t.Data) != n {
		return fmt.Errorf("table %q: %d×%d layout but Data has %d values", t.Name, t.Rows, t.Stride, len(t.Data))
	}
	return nil
}

func writeF32(w io.Writer, v []float32) error {
	var buf [4096]byte
	for len(v) > 0 {
		k := min(len(v), len(buf)/4)
		for i, x := range v[:k] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
		}
		if _, err := w.Write(buf[:4*k]); err != nil {
			return err
		}
		v = v[k:]
	}
	return nil
}

func readF32(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}
