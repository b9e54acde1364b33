package store

import (
	"context"
	"errors"
	"io"
	"sync"
)

// source is a Put's data as the driver reads it: reads stop once ctx
// ends, and it counts the bytes and keeps the data's own error, so the
// Backend can tell it from the driver's.
type source struct {
	ctx  context.Context
	data io.Reader
	n    int64
	err  error
}

func guardSource(ctx context.Context, data io.Reader) *source {
	return &source{ctx: ctx, data: data}
}

// reader keeps data's WriteTo, through which the domain's digester
// hands over its blocks without a copy.
func (s *source) reader() io.Reader {
	if _, ok := s.data.(io.WriterTo); ok {
		return writerToSource{s}
	}
	return s
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.data.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

type writerToSource struct{ *source }

// WriteTo hands w the data's blocks, stopping at the first after ctx
// ends. An error of w is the driver's; any other is the data's.
func (s writerToSource) WriteTo(w io.Writer) (int64, error) {
	cw := &ctxWriter{ctx: s.ctx, w: w}
	n, err := s.data.(io.WriterTo).WriteTo(cw)
	s.n += cw.n
	if err != nil && (cw.err == nil || !errors.Is(err, cw.err)) {
		s.err = err
	}
	return n, err
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
	err error
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// guardedReader is a Get's reader: reads fail once ctx ends, and the
// driver's reader is closed then, which ends a Read blocked on the
// backend. It counts the bytes read.
type guardedReader struct {
	ctx   context.Context
	rc    io.ReadCloser
	stats *Stats
	stop  func() bool
	once  sync.Once
	err   error
}

func newGuardedReader(ctx context.Context, rc io.ReadCloser, stats *Stats) *guardedReader {
	r := &guardedReader{ctx: ctx, rc: rc, stats: stats}
	r.stop = context.AfterFunc(ctx, func() { r.close() })
	return r
}

func (r *guardedReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.rc.Read(p)
	r.stats.BytesRead.Add(int64(n))
	if err != nil && err != io.EOF && r.ctx.Err() != nil {
		err = r.ctx.Err() // the close on cancellation ended the read
	}
	return n, err
}

func (r *guardedReader) Close() error {
	r.stop()
	r.close()
	return r.err
}

func (r *guardedReader) close() { r.once.Do(func() { r.err = r.rc.Close() }) }
