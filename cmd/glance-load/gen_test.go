package main

import (
	"bytes"
	"crypto/md5"
	"io"
	"math/rand/v2"
	"testing"
)

// genByte is the definition of the stream, one byte at a time.
func genByte(seed uint64, pos int64) byte {
	page := pos / pageSize
	in := pos % pageSize
	if in < stampSize {
		return byte(pageStamp(seed, page) >> (8 * in))
	}
	rot := int64(mix(seed)&(patternSize-1)) &^ (pageSize - 1)
	return pattern[(pos+rot)&(patternSize-1)]
}

func mustReadAll(tb testing.TB, r io.Reader) []byte {
	tb.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestGenMatchesDefinition(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		size int64
	}{{0, 0}, {1, 1}, {2, 7}, {3, 4096}, {4, 4097}, {5, patternSize + 12345}, {6, 3*patternSize + 1}} {
		got := mustReadAll(t, newGenReader(tc.seed, tc.size))
		if int64(len(got)) != tc.size {
			t.Fatalf("seed %d: read %d bytes, want %d", tc.seed, len(got), tc.size)
		}
		for i, b := range got {
			if want := genByte(tc.seed, int64(i)); b != want {
				t.Fatalf("seed %d: byte %d = %#x, want %#x", tc.seed, i, b, want)
			}
		}
	}
}

func TestGenIndependentOfReadSizes(t *testing.T) {
	const size = 2*patternSize + 777
	want := mustReadAll(t, newGenReader(42, size))
	rng := rand.New(rand.NewPCG(1, 2))
	g := newGenReader(42, size)
	var got []byte
	buf := make([]byte, 70000)
	for {
		n, err := g.Read(buf[:1+rng.IntN(len(buf)-1)])
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatal("reading in random chunks gave different bytes")
	}
}

func TestGenSeedsAndPagesDiffer(t *testing.T) {
	const size = 8 << 20
	a := mustReadAll(t, newGenReader(1, size))
	b := mustReadAll(t, newGenReader(2, size))
	if md5.Sum(a) == md5.Sum(b) {
		t.Fatal("seeds 1 and 2 give the same stream")
	}
	seen := make(map[[16]byte]int)
	for i := 0; i < size; i += pageSize {
		h := md5.Sum(a[i : i+pageSize])
		if j, dup := seen[h]; dup {
			t.Fatalf("pages %d and %d are equal", j, i/pageSize)
		}
		seen[h] = i / pageSize
	}
}

func BenchmarkGenReader(b *testing.B) {
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(buf)))
	g := newGenReader(7, 1<<62)
	for b.Loop() {
		g.Read(buf)
	}
}

func BenchmarkGenReader1MiB(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	g := newGenReader(7, 1<<62)
	for b.Loop() {
		g.Read(buf)
	}
}
