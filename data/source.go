package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
)

// lineSource streams the lines of a file, gunzipping it when it starts with
// the gzip magic bytes (whatever its name), with each line bounded by a
// maximum length so that memory stays bounded.
type lineSource struct {
	path    string
	file    *os.File
	counted countingReader // the file, counting the bytes read from it
	size    int64          // the file's size when opened
	gz      *gzip.Reader
	br      *bufio.Reader
	max     int
	line    int  // number of the line last returned
	records int  // data lines returned (non-blank)
	eof     bool // the underlying stream is exhausted
	// err is the *ReadError that broke the stream: once set, next returns
	// it for good rather than reading on (a gzip reader would return the
	// same error forever, and a reader skipping bad rows would spin).
	err error
	// keepBlank returns blank lines too: inside a quoted CSV field they
	// are data.
	keepBlank bool
}

func openSource(path string, opts ReadOptions) (*lineSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	max := opts.maxLine()
	s := &lineSource{path: path, file: f, max: max, counted: countingReader{r: f}}
	if st, err := f.Stat(); err == nil {
		s.size = st.Size()
	}
	br := bufio.NewReaderSize(&s.counted, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, &ParseError{File: path, Msg: "expected a gzip stream: " + err.Error()}
		}
		gz.Multistream(true)
		s.gz = gz
		s.br = bufio.NewReaderSize(gz, max+2)
	} else {
		// The buffer must hold a whole line plus its "\r\n".
		s.br = bufio.NewReaderSize(br, max+2)
	}
	return s, nil
}

// next returns the next non-blank line without its line end, as a slice
// into the buffer valid until the following call. At the end it returns
// io.EOF, or a *ParseError when the file had no data line at all.
func (s *lineSource) next() ([]byte, error) {
	for {
		if s.err != nil {
			return nil, s.err
		}
		if s.eof {
			if s.records == 0 {
				return nil, &ParseError{File: s.path, Msg: "empty file: expected at least one record"}
			}
			return nil, io.EOF
		}
		b, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || (err == nil && len(b)-1 > s.max && !(len(b)-2 == s.max && b[len(b)-2] == '\r')) {
			s.line++
			if err != nil { // only part of the line was read
				if err := s.discardLine(); err != nil {
					return nil, err
				}
			}
			s.records++ // an over-long line is a (bad) record, not an empty file
			return nil, &ParseError{File: s.path, Line: s.line, Msg: tooLong("line", s.max)}
		}
		if err != nil {
			if err != io.EOF {
				return nil, s.readError(err)
			}
			s.eof = true
			if len(b) == 0 {
				continue
			}
			if len(b) > s.max {
				s.line++
				s.records++
				return nil, &ParseError{File: s.path, Line: s.line, Msg: tooLong("line", s.max)}
			}
		}
		s.line++
		b = bytes.TrimSuffix(b, []byte{'\n'})
		b = bytes.TrimSuffix(b, []byte{'\r'})
		if len(b) == 0 && !s.keepBlank {
			continue // blank lines (a trailing empty line, say) carry no record
		}
		s.records++
		return b, nil
	}
}

// discardLine skips the rest of an over-long line.
func (s *lineSource) discardLine() error {
	for {
		_, err := s.br.ReadSlice('\n')
		switch err {
		case nil:
			return nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			s.eof = true
			return nil
		default:
			return s.readError(err)
		}
	}
}

// readError records err, a failure of the stream below the lines, as the
// source's final *ReadError, located on the line being read.
func (s *lineSource) readError(err error) error {
	msg := "reading the file failed"
	if s.gz != nil {
		msg = "the gzip stream is corrupt or truncated"
	}
	s.err = &ReadError{File: s.path, Line: s.line + 1, Msg: msg, Err: err}
	return s.err
}

func (s *lineSource) close() error {
	if s.gz != nil {
		s.gz.Close()
	}
	return s.file.Close()
}

// ByteCounter is implemented by the readers that can tell how far through
// their files they have read, for progress reports: read of total bytes,
// counted in the files as stored (compressed bytes for a gzip file), with
// read running ahead of the records returned by at most the buffers.
type ByteCounter interface {
	BytesRead() (read, total int64)
}

// RecordCounter is implemented by the readers that know in advance how
// many records they hold, as a generated source does, for progress
// reports.
type RecordCounter interface {
	Records() int64
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bytesRead reports the bytes read from the file and its size.
func (s *lineSource) bytesRead() (read, total int64) { return s.counted.n, s.size }
