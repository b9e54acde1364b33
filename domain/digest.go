package domain

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"math"
	"sync"
	"sync/atomic"
)

// HashAlgorithms are the hashing_algorithm values the service supports,
// named as Python's hashlib names them.
var HashAlgorithms = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha1":     sha1.New,
	"sha224":   sha256.New224,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha512":   sha512.New,
	"sha3_224": func() hash.Hash { return sha3.New224() },
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
	"sha3_512": func() hash.Hash { return sha3.New512() },
}

// Digest is what an upload's data hashed to.
type Digest struct {
	Size int64
	MD5  string // Glance's checksum
	Hash string // os_hash_value
}

// Upload throughput is bound by hashing: md5 and sha512 each run at
// 750-850 MB/s on one core but only ~400 MB/s one after the other. So
// the digester is a pipeline: a reader goroutine fills blocks from the
// source and hands each block to an md5 goroutine, a second-hash
// goroutine and the consumer (the store driver) at once. A block goes
// back to the pool when all three are done with it. The hand-offs and
// wakeups cost little beside the hashing (BenchmarkDigester reports
// cpu per GiB): folding md5 into the reader and the second hash into the
// consumer, one hand-off per block instead of three, measured the same.
const (
	// blockSize is large enough that per-block costs (channel sends, hash
	// calls, write syscalls) vanish; 256 KiB to 2 MiB measured the same.
	blockSize = 512 << 10
	// blocksInFlight bounds an upload's memory to blocksInFlight *
	// blockSize (8 MiB) whatever the image size. Beyond one block being
	// filled and one in each stage, the spare blocks absorb a stage's
	// stalls, such as the store's write blocking on writeback.
	blocksInFlight = 16
	// blockUsers counts who must release a block: md5, hash, consumer.
	blockUsers = 3
	// maxEmptyReads stops a source that keeps returning (0, nil).
	maxEmptyReads = 100
)

// block is one buffer of image data shared by the pipeline's stages.
type block struct {
	buf  []byte
	data []byte
	refs atomic.Int32
}

// blockPool recycles blocks across uploads so steady streaming does not
// allocate.
var blockPool = sync.Pool{New: func() any { return &block{buf: make([]byte, blockSize)} }}

// digester reads image data once: it counts bytes against the size cap
// and hashes with md5 and the configured algorithm while the store
// pulls the same bytes through Read or WriteTo. It serves one consumer
// goroutine; Err and Sum may be called once that consumer is done.
type digester struct {
	src     io.Reader
	limit   int64
	newHash func() hash.Hash
	// allowed is how many bytes the storage quota lets through so far;
	// past it the reader asks extend for more (nil: no quota).
	allowed int64
	extend  func(read int64) (int64, error)

	startOnce sync.Once
	begun     atomic.Bool // begin ran
	stopOnce  sync.Once
	stop      chan struct{}  // closed by Close: every goroutine returns
	tokens    chan struct{}  // one per block in flight
	out       chan *block    // to the consumer
	toMD5     chan *block    // to the md5 goroutine
	toHash    chan *block    // to the second-hash goroutine
	all       sync.WaitGroup // reader and hashers, for Close
	hashers   sync.WaitGroup // hashers only, for Sum

	// Owned by the reader goroutine until it closes the channels.
	read   int64 // bytes read from src
	srcErr error // why the reader stopped; nil at EOF

	// Owned by the hashers until they are done; nil if stopped early.
	md5Sum, hashSum []byte

	// Owned by the consumer.
	cur *block // block the consumer is part way through
	off int    // how far the consumer got into cur

	mu     sync.Mutex // guards the terminal state below
	err    error      // error delivered to the consumer
	eof    bool       // the consumer saw the end of the data
	size   int64      // bytes delivered, once eof
	closed bool       // Close was called
}

func newDigester(src io.Reader, limit int64, algo string) *digester {
	newHash, ok := HashAlgorithms[algo]
	if !ok {
		newHash = sha512.New
	}
	return &digester{
		src:     src,
		limit:   limit,
		newHash: newHash,
		allowed: math.MaxInt64,
		stop:    make(chan struct{}),
		tokens:  make(chan struct{}, blocksInFlight),
		// With at most blocksInFlight blocks alive these sends never block.
		out:    make(chan *block, blocksInFlight),
		toMD5:  make(chan *block, blocksInFlight),
		toHash: make(chan *block, blocksInFlight),
	}
}

// withAllowance makes the digester stop at allowed bytes and ask extend,
// from its reader goroutine, for more once data goes past them; extend
// returns the new allowance or why there is none (a quota's TooLarge).
// Call it before the first read.
func (d *digester) withAllowance(allowed int64, extend func(read int64) (int64, error)) *digester {
	d.allowed, d.extend = allowed, extend
	return d
}

// begin starts the pipeline on first use, so a store that fails before
// reading (a duplicate id, say) costs no goroutines.
func (d *digester) begin() {
	d.startOnce.Do(func() {
		d.begun.Store(true)
		d.all.Add(3)
		d.hashers.Add(2)
		go d.fill()
		go d.hash(d.toMD5, md5.New(), &d.md5Sum)
		go d.hash(d.toHash, d.newHash(), &d.hashSum)
	})
}

// started reports whether the pipeline began reading the source: until
// then a consumer that gave up leaves the data for another one.
func (d *digester) started() bool { return d.begun.Load() }

// fill is the reader goroutine: it reads src into blocks and fans each
// block out, then records why it stopped and closes the channels.
func (d *digester) fill() {
	defer d.all.Done()
	defer func() {
		close(d.out)
		close(d.toMD5)
		close(d.toHash)
	}()
	for {
		select {
		case d.tokens <- struct{}{}:
		case <-d.stop:
			return
		}
		b := blockPool.Get().(*block)
		n, err := d.readBlock(b.buf[:d.want()])
		d.read += int64(n)
		if d.read > d.limit {
			d.drop(b)
			d.srcErr = Errorf(KindTooLarge, "The incoming image is too large: The provided image is too large.")
			return
		}
		if d.read > d.allowed {
			allowed, err := d.extend(d.read)
			if err != nil {
				d.drop(b)
				d.srcErr = err
				return
			}
			d.allowed = allowed
		}
		if n > 0 {
			b.data = b.buf[:n]
			b.refs.Store(blockUsers)
			d.out <- b
			d.toMD5 <- b
			d.toHash <- b
		} else {
			d.drop(b)
		}
		switch {
		case err == io.EOF, err == errStopped:
			return
		case err != nil:
			d.srcErr = &Error{Kind: KindInvalid, Message: "Error reading image data from the request.", Err: err}
			return
		}
	}
}

// want is how much to read next: a block, but never more than one byte
// past the cap or the allowance, so an oversized upload is detected
// without reading on.
func (d *digester) want() int {
	rem := min(d.limit, d.allowed) - d.read
	if rem >= blockSize {
		return blockSize
	}
	return int(max(rem+1, 1))
}

var errStopped = Errorf(KindInternal, "image data digester was closed")

// readBlock fills p from src until it is full or src ends or fails. It
// stops early when Close was called.
func (d *digester) readBlock(p []byte) (int, error) {
	n, empty := 0, 0
	for n < len(p) {
		select {
		case <-d.stop:
			return n, errStopped
		default:
		}
		m, err := d.src.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m > 0 {
			empty = 0
		} else if empty++; empty >= maxEmptyReads {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// hash feeds every block from in to h and stores the sum once in is
// closed, which happens only after the reader delivered everything.
func (d *digester) hash(in <-chan *block, h hash.Hash, sum *[]byte) {
	defer d.all.Done()
	defer d.hashers.Done()
	for {
		select {
		case b, ok := <-in:
			if !ok {
				*sum = h.Sum(nil)
				return
			}
			h.Write(b.data)
			d.release(b)
		case <-d.stop:
			return
		}
	}
}

// release is called once by each stage; the last one recycles b.
func (d *digester) release(b *block) {
	if b.refs.Add(-1) == 0 {
		d.drop(b)
	}
}

// drop recycles a block no stage holds and frees its slot.
func (d *digester) drop(b *block) {
	b.data = nil
	blockPool.Put(b)
	<-d.tokens
}

// next returns the consumer's next block, or nil at the end of the
// data, recording how it ended.
func (d *digester) next() *block {
	if err := d.ended(); err != nil {
		return nil
	}
	if d.cur != nil {
		return d.cur
	}
	d.begin()
	select {
	case b, ok := <-d.out:
		if ok {
			d.cur, d.off = b, 0
			return b
		}
	case <-d.stop:
	}
	d.finish()
	return nil
}

// finish records the terminal state once the reader closed out.
func (d *digester) finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		d.err = errStopped
	case d.srcErr != nil:
		d.err = d.srcErr
	default:
		d.eof, d.size = true, d.read
	}
}

// ended returns io.EOF or the error once the data has ended, else nil.
func (d *digester) ended() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed && !d.eof && d.err == nil {
		d.err = errStopped
	}
	if d.err != nil {
		return d.err
	}
	if d.eof {
		return io.EOF
	}
	return nil
}

// done hands the consumer's current block back to the pipeline.
func (d *digester) done() {
	d.release(d.cur)
	d.cur = nil
}

// Read implements io.Reader for consumers that do not use WriteTo.
// Read errors of the source are Invalid; data beyond the size cap is
// TooLarge.
func (d *digester) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b := d.next()
	if b == nil {
		return 0, d.ended()
	}
	n := copy(p, b.data[d.off:])
	d.off += n
	if d.off == len(b.data) {
		d.done()
	}
	return n, nil
}

// WriteTo implements io.WriterTo, so io.Copy hands the pipeline's blocks
// straight to w without copying them again. It returns nil at the end
// of the data, the digester's error (as Read) or w's error.
func (d *digester) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		b := d.next()
		if b == nil {
			if err := d.ended(); err != io.EOF {
				return total, err
			}
			return total, nil
		}
		n, err := w.Write(b.data[d.off:])
		total += int64(n)
		if err == nil && d.off+n < len(b.data) {
			err = io.ErrShortWrite
		}
		// The unwritten rest stays for a later Read or WriteTo.
		if err != nil {
			d.off += n
			return total, err
		}
		d.done()
	}
}

// Err returns the error that stopped reading, if the digester caused it
// (TooLarge, or Invalid for a failing source).
func (d *digester) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == errStopped {
		return nil
	}
	return d.err
}

// Sum returns the digest once the data was read to its end. It returns
// the digester's error if reading failed and Internal if the data was
// not read to its end.
func (d *digester) Sum() (Digest, error) {
	if err := d.Err(); err != nil {
		return Digest{}, err
	}
	d.mu.Lock()
	eof, size := d.eof, d.size
	d.mu.Unlock()
	if !eof {
		return Digest{}, Errorf(KindInternal, "image data was not read to its end")
	}
	d.hashers.Wait()
	if d.md5Sum == nil || d.hashSum == nil {
		return Digest{}, Errorf(KindInternal, "image data digester was closed before hashing ended")
	}
	return Digest{Size: size, MD5: hex.EncodeToString(d.md5Sum), Hash: hex.EncodeToString(d.hashSum)}, nil
}

// Close stops the pipeline and returns once its goroutines have ended,
// whether or not the data was read to its end. It may wait for one
// pending Read of the source to return; it never reads the source again.
func (d *digester) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.stopOnce.Do(func() { close(d.stop) })
	d.all.Wait()
}
