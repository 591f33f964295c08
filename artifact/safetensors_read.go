package artifact

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
)

// File is a parsed safetensors file.
type File struct {
	// Metadata is the header's optional "__metadata__" map.
	Metadata map[string]string
	// Tensors are the file's tensors in data order. Their Data slices
	// alias the buffer the file was parsed from.
	Tensors []Tensor
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// ReadSafetensorsFile reads and parses the safetensors file at path.
func ReadSafetensorsFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	f, err := ReadSafetensors(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ReadSafetensors parses a whole safetensors file held in b. It checks the
// header length against the file and MaxHeaderSize, the header's JSON (one
// object, no duplicate keys, string-valued metadata), every tensor's dtype,
// shape and offsets (span == elements × element size, within the data), and
// that the tensors cover the data section exactly, without gaps or overlaps.
func ReadSafetensors(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("artifact: safetensors: file of %d bytes is shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("artifact: safetensors: header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("artifact: safetensors: header length %d exceeds the %d bytes after it", n, len(b)-8)
	}
	header := b[8 : 8+n]
	data := b[8+n:]
	raw, err := decodeObject(header)
	if err != nil {
		return nil, fmt.Errorf("artifact: safetensors header: %w", err)
	}
	f := &File{}
	begin := make(map[string]int, len(raw))
	for _, kv := range raw {
		if kv.key == metadataKey {
			if err := json.Unmarshal(kv.value, &f.Metadata); err != nil {
				return nil, fmt.Errorf("artifact: safetensors header: %s must map strings to strings: %w", metadataKey, err)
			}
			continue
		}
		t, at, err := decodeTensor(kv.key, kv.value, data)
		if err != nil {
			return nil, err
		}
		begin[t.Name] = at
		f.Tensors = append(f.Tensors, t)
	}
	if err := checkCoverage(f.Tensors, begin, len(data)); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeTensor checks one header entry against the data section and
// returns the tensor and its offset in the data.
func decodeTensor(name string, value []byte, data []byte) (Tensor, int, error) {
	if name == "" {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors header: tensor with an empty name")
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	var info tensorInfo
	if err := dec.Decode(&info); err != nil {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: bad header entry: %w", name, err)
	}
	if info.DType == "" || info.Shape == nil || info.Offsets == nil {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: header entry needs dtype, shape and data_offsets", name)
	}
	size, err := info.DType.Size()
	if err != nil {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: %w", name, err)
	}
	if len(info.Offsets) != 2 {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: data_offsets has %d values, want 2", name, len(info.Offsets))
	}
	begin, end := info.Offsets[0], info.Offsets[1]
	if begin < 0 || end < begin || end > len(data) {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: data_offsets [%d, %d] outside the %d-byte data section",
			name, begin, end, len(data))
	}
	elems, err := numElements(info.Shape, math.MaxInt/size)
	if err != nil {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: %w", name, err)
	}
	if elems*size != end-begin {
		return Tensor{}, 0, fmt.Errorf("artifact: safetensors: tensor %q: shape %v of %s needs %d bytes, data_offsets span %d",
			name, info.Shape, info.DType, elems*size, end-begin)
	}
	return Tensor{Name: name, DType: info.DType, Shape: info.Shape, Data: data[begin:end:end]}, begin, nil
}

// checkCoverage requires the tensors, in data order, to tile [0, size)
// exactly, and sorts them into that order.
func checkCoverage(ts []Tensor, begin map[string]int, size int) error {
	slices.SortStableFunc(ts, func(a, b Tensor) int {
		if c := begin[a.Name] - begin[b.Name]; c != 0 {
			return c
		}
		return len(a.Data) - len(b.Data)
	})
	at := 0
	for _, t := range ts {
		if b := begin[t.Name]; b != at {
			if b < at {
				return fmt.Errorf("artifact: safetensors: tensor %q at offset %d overlaps the data before it (which ends at %d)", t.Name, b, at)
			}
			return fmt.Errorf("artifact: safetensors: gap of %d bytes before tensor %q at offset %d", b-at, t.Name, b)
		}
		at += len(t.Data)
	}
	if at != size {
		return fmt.Errorf("artifact: safetensors: %d bytes of data after the last tensor", size-at)
	}
	return nil
}

// keyValue is one member of a JSON object, in file order.
type keyValue struct {
	key   string
	value json.RawMessage
}

// decodeObject decodes b as one JSON object (optionally followed by
// whitespace), keeping its members in order and rejecting duplicate keys.
func decodeObject(b []byte) ([]keyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []keyValue
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key is not a string")
		}
		if seen[key] {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		out = append(out, keyValue{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("data after the JSON object")
	}
	return out, nil
}
