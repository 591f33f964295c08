package artifact

import "fmt"

// DType is a safetensors element type, spelled as in the file header.
type DType string

// The element types this package reads and writes.
const (
	F32 DType = "F32"
	I32 DType = "I32"
	I64 DType = "I64"
)

// Size returns the size in bytes of one element, or an error for a type
// this package does not support.
func (d DType) Size() (int, error) {
	switch d {
	case F32, I32:
		return 4, nil
	case I64:
		return 8, nil
	}
	return 0, fmt.Errorf("artifact: unsupported dtype %q (supported: F32, I32, I64)", string(d))
}

// numElements returns the product of shape's dimensions, rejecting negative
// dimensions and products that exceed limit.
func numElements(shape []int, limit int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d != 0 && n > limit/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, limit)
		}
		n *= d
	}
	return n, nil
}
