package domain

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func hexSum(h hash.Hash, data []byte) string {
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// onlyReader hides every method but Read, as a plain request body would.
type onlyReader struct{ io.Reader }

// onlyWriter hides io.ReaderFrom so io.Copy must use the digester's
// WriteTo or Read.
type onlyWriter struct{ io.Writer }

// checkGoroutines fails t if goroutines started after before are still
// running once they had time to settle.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDigesterSums(t *testing.T) {
	sizes := []int{0, 1, blockSize - 1, blockSize, blockSize + 1, 10 << 20}
	consumers := map[string]func(io.Writer, io.Reader) (int64, error){
		"WriteTo": io.Copy,
		"Read":    func(w io.Writer, r io.Reader) (int64, error) { return io.Copy(w, onlyReader{r}) },
		"SmallReads": func(w io.Writer, r io.Reader) (int64, error) {
			return io.CopyBuffer(w, onlyReader{r}, make([]byte, 1000))
		},
	}
	for _, size := range sizes {
		data := randomBytes(size)
		for name, consume := range consumers {
			t.Run(name, func(t *testing.T) {
				before := runtime.NumGoroutine()
				d := newDigester(iotest.HalfReader(bytes.NewReader(data)), int64(size), "sha512")
				var got bytes.Buffer
				n, err := consume(onlyWriter{&got}, d)
				if err != nil || n != int64(size) {
					t.Fatalf("size %d: copied %d, %v", size, n, err)
				}
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("size %d: data differs", size)
				}
				sum, err := d.Sum()
				if err != nil {
					t.Fatal(err)
				}
				want := Digest{Size: int64(size), MD5: hexSum(md5.New(), data), Hash: hexSum(sha512.New(), data)}
				if sum != want {
					t.Fatalf("size %d: got %+v, want %+v", size, sum, want)
				}
				d.Close()
				checkGoroutines(t, before)
			})
		}
	}
}

func TestDigesterAlgorithm(t *testing.T) {
	data := randomBytes(3*blockSize + 5)
	d := newDigester(bytes.NewReader(data), 1<<40, "sha256")
	defer d.Close()
	if _, err := io.Copy(io.Discard, d); err != nil {
		t.Fatal(err)
	}
	sum, err := d.Sum()
	if err != nil {
		t.Fatal(err)
	}
	if want := hexSum(sha256.New(), data); sum.Hash != want {
		t.Fatalf("sha256 = %s, want %s", sum.Hash, want)
	}
}

func TestDigesterSizeCap(t *testing.T) {
	for _, limit := range []int64{0, 1, blockSize - 1, blockSize, blockSize + 1, 3 * blockSize} {
		for _, extra := range []int64{0, 1} {
			d := newDigester(bytes.NewReader(randomBytes(int(limit+extra))), limit, "sha512")
			n, err := io.Copy(io.Discard, d)
			d.Close()
			if extra == 0 {
				if err != nil || n != limit {
					t.Fatalf("cap %d, %d bytes: copied %d, %v", limit, limit, n, err)
				}
				continue
			}
			if !IsKind(err, KindTooLarge) || !IsKind(d.Err(), KindTooLarge) {
				t.Fatalf("cap %d, %d bytes: err %v, Err() %v; want TooLarge", limit, limit+1, err, d.Err())
			}
			if n > limit {
				t.Fatalf("cap %d: delivered %d bytes", limit, n)
			}
			if _, err := d.Sum(); !IsKind(err, KindTooLarge) {
				t.Fatalf("Sum after TooLarge: %v", err)
			}
		}
	}
}

// TestDigesterSizeCapStopsReading checks an endless body is not read far
// past the cap.
func TestDigesterSizeCapStopsReading(t *testing.T) {
	src := &countingReader{}
	d := newDigester(src, 10, "sha512")
	defer d.Close()
	if _, err := io.Copy(io.Discard, d); !IsKind(err, KindTooLarge) {
		t.Fatalf("err %v, want TooLarge", err)
	}
	if src.n != 11 {
		t.Fatalf("read %d bytes of the source, want 11", src.n)
	}
}

// TestDigesterAllowance checks that a quota's allowance is asked to
// grow exactly when data passes it, one byte past, and that its refusal
// ends the upload without reading further.
func TestDigesterAllowance(t *testing.T) {
	data := randomBytes(3*blockSize + 123)
	var asked []int64
	allowed := int64(1000)
	d := newDigester(bytes.NewReader(data), int64(len(data)), "sha512").withAllowance(allowed, func(read int64) (int64, error) {
		asked = append(asked, read)
		if read != allowed+1 {
			t.Errorf("asked at %d bytes, allowance %d", read, allowed)
		}
		allowed = read + blockSize/3
		return allowed, nil
	})
	var got bytes.Buffer
	if _, err := io.Copy(&got, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatal("data differs")
	}
	if sum, err := d.Sum(); err != nil || sum.MD5 != hexSum(md5.New(), data) {
		t.Fatalf("Sum: %+v, %v", sum, err)
	}
	d.Close()
	if len(asked) < 5 || allowed < int64(len(data)) {
		t.Errorf("asked %v for %d bytes", asked, len(data))
	}

	quota := Errorf(KindTooLarge, "quota")
	src := &countingReader{}
	d = newDigester(src, 1<<40, "sha512").withAllowance(100, func(read int64) (int64, error) {
		if read <= 2*blockSize {
			return 2 * blockSize, nil
		}
		return 0, quota
	})
	defer d.Close()
	if _, err := io.Copy(io.Discard, d); err != quota || d.Err() != quota {
		t.Fatalf("err %v, Err() %v; want the quota's", err, d.Err())
	}
	if src.n != 2*blockSize+1 {
		t.Fatalf("read %d bytes of the source, want %d", src.n, 2*blockSize+1)
	}
}

type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	r.n += int64(len(p))
	return len(p), nil
}

func TestDigesterSourceError(t *testing.T) {
	boom := errors.New("connection reset")
	data := randomBytes(2*blockSize + 100)
	for name, consume := range map[string]func(io.Writer, io.Reader) (int64, error){
		"WriteTo": io.Copy,
		"Read":    func(w io.Writer, r io.Reader) (int64, error) { return io.Copy(w, onlyReader{r}) },
	} {
		t.Run(name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			src := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
			d := newDigester(src, 1<<40, "sha512")
			var got bytes.Buffer
			n, err := consume(onlyWriter{&got}, d)
			if !IsKind(err, KindInvalid) || !errors.Is(err, boom) {
				t.Fatalf("err %v, want Invalid wrapping %v", err, boom)
			}
			if n != int64(len(data)) || !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("delivered %d bytes before the error, want %d", n, len(data))
			}
			if !IsKind(d.Err(), KindInvalid) {
				t.Fatalf("Err() = %v", d.Err())
			}
			if _, err := d.Sum(); !IsKind(err, KindInvalid) {
				t.Fatalf("Sum: %v", err)
			}
			if _, err := d.Read(make([]byte, 1)); !IsKind(err, KindInvalid) {
				t.Fatalf("Read after error: %v", err)
			}
			d.Close()
			checkGoroutines(t, before)
		})
	}
}

func TestDigesterSumBeforeEOF(t *testing.T) {
	d := newDigester(bytes.NewReader(randomBytes(3*blockSize)), 1<<40, "sha512")
	defer d.Close()
	if _, err := io.ReadFull(d, make([]byte, blockSize+3)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Sum(); !IsKind(err, KindInternal) {
		t.Fatalf("Sum before EOF: %v, want Internal", err)
	}
	if d.Err() != nil {
		t.Fatalf("Err() = %v", d.Err())
	}
}

// endless never ends and never blocks, like a fast client.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestDigesterCloseBeforeEOF(t *testing.T) {
	cases := map[string]func(d *digester){
		"NeverRead": func(d *digester) {},
		"ReadSome": func(d *digester) {
			io.ReadFull(d, make([]byte, blockSize/2))
		},
		// The consumer stops early, as a store that failed midway.
		"WriterFails": func(d *digester) {
			io.Copy(&failingWriter{left: 2*blockSize + 1}, d)
		},
	}
	for name, consume := range cases {
		t.Run(name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			d := newDigester(endless{}, 1<<40, "sha512")
			consume(d)
			done := make(chan struct{})
			go func() { d.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
			if d.Err() != nil {
				t.Fatalf("Err() after Close = %v; the digester did not fail", d.Err())
			}
			if _, err := d.Sum(); err == nil {
				t.Fatal("Sum succeeded after Close before EOF")
			}
			if _, err := d.Read(make([]byte, 10)); err == nil || err == io.EOF {
				t.Fatalf("Read after Close: %v", err)
			}
			checkGoroutines(t, before)
		})
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errDiskFull
	}
	w.left -= len(p)
	return len(p), nil
}

func TestDigesterWriterError(t *testing.T) {
	d := newDigester(bytes.NewReader(randomBytes(4*blockSize)), 1<<40, "sha512")
	defer d.Close()
	n, err := io.Copy(&failingWriter{left: blockSize + 10}, d)
	if err != errDiskFull || n != blockSize+10 {
		t.Fatalf("copied %d, %v", n, err)
	}
	if d.Err() != nil {
		t.Fatalf("Err() = %v; the writer failed, not the digester", d.Err())
	}
}

// TestDigesterMixedConsumers reads part of a block then hands the rest
// to WriteTo: no byte may be lost or repeated.
func TestDigesterMixedConsumers(t *testing.T) {
	data := randomBytes(2*blockSize + 7)
	d := newDigester(bytes.NewReader(data), 1<<40, "md5")
	defer d.Close()
	head := make([]byte, 1000)
	if _, err := io.ReadFull(d, head); err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	if _, err := d.WriteTo(&rest); err != nil {
		t.Fatal(err)
	}
	if got := append(head, rest.Bytes()...); !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
	if _, err := d.Sum(); err != nil {
		t.Fatal(err)
	}
}

// serialDigester is the one-goroutine design the pipeline replaced, kept
// as the baseline for BenchmarkDigester.
type serialDigester struct {
	src      io.Reader
	md5, alg hash.Hash
}

func (d *serialDigester) Read(p []byte) (int, error) {
	n, err := d.src.Read(p)
	d.md5.Write(p[:n])
	d.alg.Write(p[:n])
	return n, err
}

// cpuMeter reports a benchmark's process cpu time per GiB moved, split
// into user (hashing, copies in the process) and sys (the kernel's work:
// reads, writes, wakeups), and how often a thread went to sleep waiting
// (voluntary context switches, each a kernel round trip), beside its
// speed.
type cpuMeter struct {
	b     *testing.B
	start syscall.Rusage
}

func meterCPU(b *testing.B) *cpuMeter {
	m := &cpuMeter{b: b}
	syscall.Getrusage(syscall.RUSAGE_SELF, &m.start)
	return m
}

func (m *cpuMeter) report(bytesPerOp int64) {
	var end syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &end)
	gib := float64(bytesPerOp) * float64(m.b.N) / (1 << 30)
	secs := func(t syscall.Timeval) float64 { return float64(t.Nano()) / 1e9 }
	m.b.ReportMetric((secs(end.Utime)-secs(m.start.Utime))/gib, "user-s/GiB")
	m.b.ReportMetric((secs(end.Stime)-secs(m.start.Stime))/gib, "sys-s/GiB")
	m.b.ReportMetric(float64(end.Nvcsw-m.start.Nvcsw)/gib, "sleeps/GiB")
}

// BenchmarkDigester pushes 64 MiB through each digester with io.Copy to
// io.Discard, as a store driver would, so only reading and hashing cost.
func BenchmarkDigester(b *testing.B) {
	const size = 64 << 20
	data := randomBytes(size)
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		defer meterCPU(b).report(size)
		for b.Loop() {
			d := newDigester(onlyReader{bytes.NewReader(data)}, 1<<40, "sha512")
			if _, err := io.Copy(io.Discard, d); err != nil {
				b.Fatal(err)
			}
			if _, err := d.Sum(); err != nil {
				b.Fatal(err)
			}
			d.Close()
		}
	})
	// md5 alone is the ceiling: the pipeline can only approach it.
	b.Run("md5-only", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			md5.Sum(data)
		}
	})
	// md5 and sha512 over the same bytes in two goroutines, with no
	// reading or hand-off: the machine's limit for any upload pipeline.
	b.Run("limit-two-goroutines", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var wg sync.WaitGroup
			wg.Go(func() { md5.Sum(data) })
			wg.Go(func() { sha512.Sum512(data) })
			wg.Wait()
		}
	})
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		defer meterCPU(b).report(size)
		buf := make([]byte, blockSize)
		for b.Loop() {
			d := &serialDigester{src: onlyReader{bytes.NewReader(data)}, md5: md5.New(), alg: sha512.New()}
			// Same block size as the pipeline, so only the hashing differs.
			if _, err := io.CopyBuffer(onlyWriter{io.Discard}, onlyReader{d}, buf); err != nil {
				b.Fatal(err)
			}
			d.md5.Sum(nil)
			d.alg.Sum(nil)
		}
	})
}

// BenchmarkDigesterToFile is the upload path without HTTP: the digester
// feeding a file through io.Copy, then fsync, as the filesystem store
// does.
func BenchmarkDigesterToFile(b *testing.B) {
	const size = 64 << 20
	data := randomBytes(size)
	dir := b.TempDir()
	b.SetBytes(size)
	defer meterCPU(b).report(size)
	for b.Loop() {
		f, err := os.CreateTemp(dir, "bench")
		if err != nil {
			b.Fatal(err)
		}
		d := newDigester(onlyReader{bytes.NewReader(data)}, 1<<40, "sha512")
		if _, err := io.Copy(f, d); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Sum(); err != nil {
			b.Fatal(err)
		}
		d.Close()
		f.Close()
		os.Remove(f.Name())
	}
}

// TestDigesterReadAhead checks memory stays flat: however long the
// stream and however slow the consumer, the reader never gets more than
// the blocks in flight ahead of it.
func TestDigesterReadAhead(t *testing.T) {
	src := &aheadReader{}
	w := &aheadWriter{src: src}
	d := newDigester(io.LimitReader(src, 64<<20), 1<<40, "sha1")
	defer d.Close()
	if n, err := io.Copy(w, d); err != nil || n != 64<<20 {
		t.Fatalf("copied %d, %v", n, err)
	}
	if w.maxAhead == 0 || w.maxAhead > blocksInFlight*blockSize {
		t.Fatalf("reader got %d bytes ahead, at most %d allowed", w.maxAhead, blocksInFlight*blockSize)
	}
}

type aheadReader struct{ n atomic.Int64 }

func (r *aheadReader) Read(p []byte) (int, error) {
	r.n.Add(int64(len(p)))
	return len(p), nil
}

type aheadWriter struct {
	src      *aheadReader
	written  int64
	maxAhead int64
}

func (w *aheadWriter) Write(p []byte) (int, error) {
	time.Sleep(100 * time.Microsecond) // a slow disk
	w.maxAhead = max(w.maxAhead, w.src.n.Load()-w.written)
	w.written += int64(len(p))
	return len(p), nil
}
