package filesystem

import (
	"bytes"
	"io"
	"testing"

	"github.com/go-glance/glance/store/storetest"
)

const benchSize = 64 << 20

// onlyReader hides bytes.Reader's WriteTo, as a request body would.
type onlyReader struct{ io.Reader }

// blockWriterTo hands its data over in 512 KiB writes, as the domain's
// digester does (bytes.Reader would write all of it at once).
type blockWriterTo struct{ data []byte }

func (b *blockWriterTo) Read(p []byte) (int, error) { panic("io.Copy must use WriteTo") }

func (b *blockWriterTo) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for len(b.data) > 0 {
		k := min(len(b.data), 512<<10)
		m, err := w.Write(b.data[:k])
		n += int64(m)
		if err != nil {
			return n, err
		}
		b.data = b.data[k:]
	}
	return n, nil
}

// BenchmarkPut stores 64 MiB, synced, from a plain reader (io.Copy's
// 32 KiB buffer) and from an io.WriterTo (the digester's path).
func BenchmarkPut(b *testing.B) {
	data := storetest.Data(benchSize)
	for name, wrap := range map[string]func([]byte) io.Reader{
		"WriterTo": func(p []byte) io.Reader { return &blockWriterTo{p} },
		"Reader":   func(p []byte) io.Reader { return onlyReader{bytes.NewReader(p)} },
	} {
		b.Run(name, func(b *testing.B) {
			s := newStore(b, Options{})
			b.SetBytes(benchSize)
			for b.Loop() {
				got, err := s.Put(b.Context(), storetest.NewID(), wrap(data), benchSize)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Delete(b.Context(), got.URL)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkGet reads 64 MiB (from the page cache) through io.Copy.
func BenchmarkGet(b *testing.B) {
	s := newStore(b, Options{})
	url := storetest.MustPut(b, s, storetest.NewID(), storetest.Data(benchSize)).URL
	b.SetBytes(benchSize)
	for b.Loop() {
		r, err := s.Get(b.Context(), url, 0, -1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, onlyReader{r}); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
