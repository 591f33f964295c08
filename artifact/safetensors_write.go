package artifact

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
)

// metadataKey is the reserved header key holding string metadata.
const metadataKey = "__metadata__"

// MaxHeaderSize bounds the JSON header a reader accepts, as the reference
// safetensors implementation does.
const MaxHeaderSize = 100 << 20

// entry is one tensor to write: its header fields and a function that
// writes exactly nbytes of little-endian data.
type entry struct {
	name   string
	dtype  DType
	shape  []int
	nbytes int
	write  func(w io.Writer) error
}

// WriteSafetensors writes tensors, in the given order, and optional string
// metadata to w in the safetensors format. Every tensor is validated and
// names must be unique; nothing is written if any check fails.
func WriteSafetensors(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	es := make([]entry, len(tensors))
	for i, t := range tensors {
		if err := t.Validate(); err != nil {
			return err
		}
		data := t.Data
		es[i] = entry{name: t.Name, dtype: t.DType, shape: t.Shape, nbytes: len(data),
			write: func(w io.Writer) error { _, err := w.Write(data); return err }}
	}
	return writeEntries(w, es, metadata)
}

// writeEntries writes the header built from es's names, dtypes and shapes,
// then each entry's data. An entry that writes the wrong number of bytes or
// fails stops the write with an error; the output is then incomplete.
func writeEntries(w io.Writer, es []entry, metadata map[string]string) error {
	header, err := buildHeader(es, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := bw.Write(n[:]); err != nil {
		return fmt.Errorf("artifact: writing safetensors header: %w", err)
	}
	if _, err := bw.Write(header); err != nil {
		return fmt.Errorf("artifact: writing safetensors header: %w", err)
	}
	for _, e := range es {
		cw := &countWriter{w: bw}
		if err := e.write(cw); err != nil {
			return fmt.Errorf("artifact: writing tensor %q: %w", e.name, err)
		}
		if cw.n != e.nbytes {
			return fmt.Errorf("artifact: tensor %q: wrote %d bytes, header promised %d", e.name, cw.n, e.nbytes)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("artifact: writing safetensors data: %w", err)
	}
	return nil
}

// buildHeader returns the JSON header, padded with spaces to a multiple of
// 8 bytes, with tensors laid out contiguously in the order of es.
func buildHeader(es []entry, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata)
		if err != nil {
			return nil, fmt.Errorf("artifact: safetensors metadata: %w", err)
		}
		b.WriteString(`"` + metadataKey + `":`)
		b.Write(m)
	}
	seen := make(map[string]bool, len(es))
	off := 0
	for _, e := range es {
		if e.name == "" || e.name == metadataKey {
			return nil, fmt.Errorf("artifact: invalid tensor name %q", e.name)
		}
		if seen[e.name] {
			return nil, fmt.Errorf("artifact: duplicate tensor name %q", e.name)
		}
		seen[e.name] = true
		if e.nbytes > math.MaxInt-off {
			return nil, fmt.Errorf("artifact: tensor %q: data too large", e.name)
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(e.name)
		if err != nil {
			return nil, fmt.Errorf("artifact: tensor name %q: %w", e.name, err)
		}
		shape := e.shape
		if shape == nil {
			shape = []int{}
		}
		info, err := json.Marshal(tensorInfo{DType: e.dtype, Shape: slices.Clone(shape), Offsets: []int{off, off + e.nbytes}})
		if err != nil {
			return nil, fmt.Errorf("artifact: tensor %q: %w", e.name, err)
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(info)
		off += e.nbytes
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("artifact: safetensors header of %d bytes exceeds the %d-byte limit", b.Len(), MaxHeaderSize)
	}
	return b.Bytes(), nil
}

// tensorInfo is one tensor's header entry.
type tensorInfo struct {
	DType   DType `json:"dtype"`
	Shape   []int `json:"shape"`
	Offsets []int `json:"data_offsets"`
}

type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}
