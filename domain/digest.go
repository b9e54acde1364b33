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

// digester reads image data once: it counts bytes against the size cap
// and hashes with md5 and the configured algorithm as the store pulls.
type digester struct {
	src   io.Reader
	limit int64
	n     int64
	md5   hash.Hash
	multi hash.Hash
	err   error
	eof   bool
}

func newDigester(src io.Reader, limit int64, algo string) *digester {
	newHash, ok := HashAlgorithms[algo]
	if !ok {
		newHash = sha512.New
	}
	return &digester{src: src, limit: limit, md5: md5.New(), multi: newHash()}
}

func (d *digester) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.src.Read(p)
	if n > 0 {
		d.n += int64(n)
		if d.n > d.limit {
			d.err = Errorf(KindTooLarge, "The incoming image is too large: The provided image is too large.")
			return 0, d.err
		}
		d.md5.Write(p[:n])
		d.multi.Write(p[:n])
	}
	if err == io.EOF {
		d.eof = true
	} else if err != nil {
		d.err = &Error{Kind: KindInvalid, Message: "Error reading image data from the request.", Err: err}
		return n, d.err
	}
	return n, err
}

// Err returns the error that stopped reading, if the digester caused it.
func (d *digester) Err() error { return d.err }

// Sum returns the digest once the data was read to its end.
func (d *digester) Sum() (Digest, error) {
	if d.err != nil {
		return Digest{}, d.err
	}
	if !d.eof {
		return Digest{}, Errorf(KindInternal, "image data was not read to its end")
	}
	return Digest{Size: d.n, MD5: hex.EncodeToString(d.md5.Sum(nil)), Hash: hex.EncodeToString(d.multi.Sum(nil))}, nil
}

// Close releases the digester's resources.
func (d *digester) Close() {}
