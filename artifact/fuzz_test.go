package artifact

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzReadSafetensors checks that the reader never panics and that whatever
// it accepts survives a write/read round trip unchanged.
func FuzzReadSafetensors(f *testing.F) {
	a, _ := F32Tensor("a", []int{2}, []float32{1, -2})
	b, _ := I64Tensor("b", []int{1, 1}, []int64{7})
	var buf bytes.Buffer
	_ = WriteSafetensors(&buf, []Tensor{a, b}, map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	f.Add(file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, nil))
	f.Add(file(`{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ReadSafetensors(in)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteSafetensors(&out, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("accepted file does not rewrite: %v", err)
		}
		again, err := ReadSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("rewritten file does not read: %v", err)
		}
		if len(again.Tensors) != len(got.Tensors) {
			t.Fatalf("%d tensors became %d", len(got.Tensors), len(again.Tensors))
		}
		for i, x := range got.Tensors {
			y := again.Tensors[i]
			if x.Name != y.Name || x.DType != y.DType || !slices.Equal(x.Shape, y.Shape) || !bytes.Equal(x.Data, y.Data) {
				t.Fatalf("tensor %d changed: %+v -> %+v", i, x, y)
			}
		}
	})
}
