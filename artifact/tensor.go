package artifact

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Tensor is one named tensor: its element type, shape and raw little-endian
// data, len(Data) == product(Shape) × DType.Size().
type Tensor struct {
	// Name is the tensor's key in the file header (an nn.Param or
	// nn.Table name for model weights).
	Name string
	// DType is the element type.
	DType DType
	// Shape is the tensor's shape; an empty shape is a scalar.
	Shape []int
	// Data is the raw little-endian element data.
	Data []byte
}

// F32Tensor returns a float32 tensor holding a copy of v, which must have
// exactly product(shape) elements.
func F32Tensor(name string, shape []int, v []float32) (Tensor, error) {
	if err := checkLen(name, shape, len(v)); err != nil {
		return Tensor{}, err
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}, nil
}

// I32Tensor returns an int32 tensor holding a copy of v, which must have
// exactly product(shape) elements.
func I32Tensor(name string, shape []int, v []int32) (Tensor, error) {
	if err := checkLen(name, shape, len(v)); err != nil {
		return Tensor{}, err
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return Tensor{Name: name, DType: I32, Shape: slices.Clone(shape), Data: b}, nil
}

// I64Tensor returns an int64 tensor holding a copy of v, which must have
// exactly product(shape) elements.
func I64Tensor(name string, shape []int, v []int64) (Tensor, error) {
	if err := checkLen(name, shape, len(v)); err != nil {
		return Tensor{}, err
	}
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{Name: name, DType: I64, Shape: slices.Clone(shape), Data: b}, nil
}

// Float32s decodes an F32 tensor's data.
func (t Tensor) Float32s() ([]float32, error) {
	if err := t.want(F32); err != nil {
		return nil, err
	}
	v := make([]float32, len(t.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v, nil
}

// Int32s decodes an I32 tensor's data.
func (t Tensor) Int32s() ([]int32, error) {
	if err := t.want(I32); err != nil {
		return nil, err
	}
	v := make([]int32, len(t.Data)/4)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v, nil
}

// Int64s decodes an I64 tensor's data.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.want(I64); err != nil {
		return nil, err
	}
	v := make([]int64, len(t.Data)/8)
	for i := range v {
		v[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return v, nil
}

// Validate checks that the tensor has a name, a supported dtype, a valid
// shape and exactly as many data bytes as its shape and dtype imply.
func (t Tensor) Validate() error {
	if t.Name == "" {
		return fmt.Errorf("artifact: tensor with an empty name")
	}
	if t.Name == metadataKey {
		return fmt.Errorf("artifact: tensor name %q is reserved", metadataKey)
	}
	size, err := t.DType.Size()
	if err != nil {
		return fmt.Errorf("artifact: tensor %q: %w", t.Name, err)
	}
	n, err := numElements(t.Shape, math.MaxInt/size)
	if err != nil {
		return fmt.Errorf("artifact: tensor %q: %w", t.Name, err)
	}
	if len(t.Data) != n*size {
		return fmt.Errorf("artifact: tensor %q: shape %v of %s needs %d bytes, data has %d",
			t.Name, t.Shape, t.DType, n*size, len(t.Data))
	}
	return nil
}

func (t Tensor) want(d DType) error {
	if t.DType != d {
		return fmt.Errorf("artifact: tensor %q is %s, not %s", t.Name, t.DType, d)
	}
	return t.Validate()
}

func checkLen(name string, shape []int, got int) error {
	n, err := numElements(shape, math.MaxInt/8)
	if err != nil {
		return fmt.Errorf("artifact: tensor %q: %w", name, err)
	}
	if n != got {
		return fmt.Errorf("artifact: tensor %q: shape %v holds %d values, got %d", name, shape, n, got)
	}
	return nil
}
