package glancetest

import (
	"io"
	"time"
)

// SlowReader hands out Data Chunk bytes at a time with Pause before
// each, so that uploads sent at once overlap on the server.
type SlowReader struct {
	Data  []byte
	Chunk int
	Pause time.Duration
}

func (r *SlowReader) Read(p []byte) (int, error) {
	if len(r.Data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.Pause)
	n := copy(p[:min(len(p), r.Chunk)], r.Data)
	r.Data = r.Data[n:]
	return n, nil
}
