package artifact

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// file assembles a safetensors file from a literal header and data.
func file(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func TestWriteExactBytes(t *testing.T) {
	a, err := F32Tensor("a", []int{2}, []float32{1, -2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, []Tensor{a}, nil); err != nil {
		t.Fatal(err)
	}
	// 54 bytes of JSON, padded with 2 spaces to 56; 1.0f = 0x3f800000,
	// -2.0f = 0xc0000000, little-endian.
	hdr := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}` + "  "
	want := file(hdr, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("got\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestReadHandBuilt(t *testing.T) {
	// Tensors listed out of data order, metadata last, I32 and I64 values.
	hdr := `{"z":{"dtype":"I64","shape":[1],"data_offsets":[4,12]},` +
		`"y":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`
	data := []byte{0xff, 0xff, 0xff, 0xff, 2, 1, 0, 0, 0, 0, 0, 0}
	f, err := ReadSafetensors(file(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["k"] != "v" || len(f.Tensors) != 2 || f.Tensors[0].Name != "y" {
		t.Fatalf("got %+v", f)
	}
	y, _ := f.Tensor("y")
	if v, err := y.Int32s(); err != nil || !slices.Equal(v, []int32{-1}) {
		t.Fatalf("y = %v, %v", v, err)
	}
	z, _ := f.Tensor("z")
	if v, err := z.Int64s(); err != nil || !slices.Equal(v, []int64{258}) {
		t.Fatalf("z = %v, %v", v, err)
	}
	if _, err := z.Float32s(); err == nil {
		t.Fatal("decoding I64 as F32 succeeded")
	}
}

func TestRoundTripAllDTypes(t *testing.T) {
	f32, _ := F32Tensor("f", []int{2, 2}, []float32{float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), 0, -0.5})
	i32, _ := I32Tensor("i", []int{3}, []int32{math.MinInt32, 0, math.MaxInt32})
	i64, _ := I64Tensor("l", []int{1, 1}, []int64{math.MinInt64})
	empty, _ := F32Tensor("e", []int{0, 5}, nil)
	in := []Tensor{f32, empty, i32, i64}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
		t.Fatalf("header length %d not a multiple of 8", n)
	}
	f, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || len(f.Tensors) != len(in) {
		t.Fatalf("got %+v", f)
	}
	for _, w := range in {
		g, ok := f.Tensor(w.Name)
		if !ok || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("tensor %q: got %+v want %+v", w.Name, g, w)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	ok, _ := F32Tensor("a", []int{1}, []float32{1})
	cases := map[string][]Tensor{
		"duplicate":  {ok, ok},
		"empty name": {{Name: "", DType: F32, Shape: []int{0}}},
		"reserved":   {{Name: metadataKey, DType: F32, Shape: []int{0}}},
		"dtype":      {{Name: "b", DType: "F16", Shape: []int{1}, Data: make([]byte, 2)}},
		"short data": {{Name: "b", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}},
		"negative":   {{Name: "b", DType: F32, Shape: []int{-1}}},
		"huge shape": {{Name: "b", DType: F32, Shape: []int{math.MaxInt / 2, 4}}},
	}
	for name, ts := range cases {
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, ts, nil); err == nil {
			t.Errorf("%s: no error", name)
		} else if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", name, buf.Len())
		}
	}
	if _, err := F32Tensor("a", []int{2, 2}, []float32{1}); err == nil {
		t.Error("F32Tensor accepted 1 value for shape [2 2]")
	}
}

func TestReadRejects(t *testing.T) {
	four := []byte{0, 0, 0, 0}
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, MaxHeaderSize+1)
	pastEnd := make([]byte, 16)
	binary.LittleEndian.PutUint64(pastEnd, 9)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "shorter than"},
		{"header limit", hugeLen, "exceeds the"},
		{"header past end", pastEnd, "exceeds the 8 bytes"},
		{"not json", file(`{"a":`, nil), "header"},
		{"not object", file(`[1]     `, nil), "not a JSON object"},
		{"trailing", file(`{} x`, nil), "after the JSON object"},
		{"duplicate", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), "duplicate key"},
		{"dtype", file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, four), "unsupported dtype"},
		{"unknown field", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, four), "bad header entry"},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, four), "needs dtype, shape"},
		{"span", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, four), "needs 8 bytes"},
		{"offsets count", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, four), "has 1 values"},
		{"outside", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, four), "outside"},
		{"reversed", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, four), "outside"},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four), "negative dimension"},
		{"overflow", file(`{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}`, four), "more than"},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "gap of 4 bytes"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "overlaps"},
		{"tail", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)), "after the last tensor"},
		{"metadata type", file(`{"__metadata__":{"k":1}}`, nil), "strings to strings"},
	}
	for _, c := range cases {
		_, err := ReadSafetensors(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
