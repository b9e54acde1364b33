package main

import (
	"encoding/binary"
	"io"
)

// The request bodies are generated, never held in memory: every stream is a
// page-aligned rotation of one shared pseudo-random pattern, with the first
// 8 bytes of every 4 KiB page replaced by a stamp derived from the stream's
// seed and the page number. Generating is therefore one memmove per page (the
// pattern stays in cache), yet no two pages of a stream, and no two streams,
// are alike, so a store that deduplicates blocks cannot make uploads look
// faster than they are.
const (
	patternSize = 1 << 20 // a power of two
	pageSize    = 4096    // divides patternSize
	stampSize   = 8
)

var pattern = newPattern()

func newPattern() []byte {
	b := make([]byte, patternSize)
	s := uint64(0x243f6a8885a308d3)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], splitmix64(&s))
	}
	return b
}

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func mix(x uint64) uint64 { return splitmix64(&x) }

// genReader reads the size bytes of the stream named by seed. The same seed
// and size always give the same bytes, whatever the sizes of the reads.
type genReader struct {
	seed uint64
	rot  int64 // page-aligned start inside pattern
	off  int64
	size int64
}

func newGenReader(seed uint64, size int64) *genReader {
	return &genReader{
		seed: seed,
		rot:  int64(mix(seed)&(patternSize-1)) &^ (pageSize - 1),
		size: size,
	}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	if rem := g.size - g.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	genFill(p, g.seed, g.rot, g.off)
	g.off += int64(len(p))
	return len(p), nil
}

// Close lets the reader be a request body as is (no wrapper allocation).
func (g *genReader) Close() error { return nil }

// genFill writes the stream bytes at [off, off+len(p)) into p.
func genFill(p []byte, seed uint64, rot, off int64) {
	for len(p) > 0 {
		page := off / pageSize
		in := int(off % pageSize)
		n := min(pageSize-in, len(p))
		src := int((page*pageSize+rot)&(patternSize-1)) + in
		copy(p[:n], pattern[src:src+n])
		if in < stampSize {
			var st [stampSize]byte
			binary.LittleEndian.PutUint64(st[:], pageStamp(seed, page))
			copy(p[:n], st[in:])
		}
		p = p[n:]
		off += int64(n)
	}
}

func pageStamp(seed uint64, page int64) uint64 {
	return mix(seed*0xd1b54a32d192ed03 + uint64(page))
}
