// Package memory is a store driver that keeps image data in memory, for
// the tests of the layers above the store: it keeps the whole Driver
// contract (errors, cancellation, one winner of racing Puts) without a
// disk. Data is lost with the process; it is no backend to serve from.
package memory

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// Options configure a Store.
type Options struct {
	// BackendID is recorded as the "store" metadata of locations; ""
	// records none, as a single store.
	BackendID string
	// Capacity bounds the bytes stored, uploads in progress included,
	// so tests can fill the store; 0 is no bound.
	Capacity int64
}

// Store is the in-memory driver. It is safe for concurrent use.
type Store struct {
	prefix string // memory://<random>/, so two stores never own each other's URLs
	o      Options

	mu      sync.Mutex
	data    map[string][]byte // by id; never changed once stored
	pending map[string]int    // Puts in progress, by id
	used    int64
}

var (
	_ store.Driver    = (*Store)(nil)
	_ store.Owner     = (*Store)(nil)
	_ store.Discarder = (*Store)(nil)
	_ store.Describer = (*Store)(nil)
	_ store.Copier    = (*Store)(nil)
)

// New returns an empty store.
func New(o Options) *Store {
	return &Store{prefix: "memory://" + strings.ToLower(rand.Text()[:12]) + "/", o: o, data: map[string][]byte{}, pending: map[string]int{}}
}

// Contents lists what the store holds: the ids of stored data and, for
// each Put in progress, "pending:<id>". Tests use it to check that
// nothing is left behind.
func (s *Store) Contents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for id := range s.data {
		names = append(names, id)
	}
	for id, n := range s.pending {
		for range n {
			names = append(names, "pending:"+id)
		}
	}
	slices.Sort(names)
	return names
}

// Owns reports whether url is one of this store's.
func (s *Store) Owns(url string) bool { return strings.HasPrefix(url, s.prefix) }

// Describe shows the capacity.
func (s *Store) Describe() []store.Property {
	return []store.Property{{Key: "capacity", Value: s.o.Capacity}}
}

func (s *Store) metadata() map[string]any {
	if s.o.BackendID == "" {
		return map[string]any{}
	}
	return map[string]any{"store": s.o.BackendID}
}

func checkID(id string) error {
	if id == "" || strings.ContainsAny(id, "/\x00") {
		return fmt.Errorf("image id %q: %w", id, store.ErrInvalid)
	}
	return nil
}

// id returns the image id of url.
func (s *Store) id(url string) (string, error) {
	id, ok := strings.CutPrefix(url, s.prefix)
	if !ok {
		return "", fmt.Errorf("%s is not this store's: %w", url, store.ErrNotFound)
	}
	if checkID(id) != nil {
		return "", fmt.Errorf("malformed URL %s: %w", url, store.ErrInvalid)
	}
	return id, nil
}

// Put keeps the bytes of data read until io.EOF. Errors as
// store.Driver's; ErrFull past Capacity.
func (s *Store) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := checkID(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	s.mu.Lock()
	if _, ok := s.data[id]; ok {
		s.mu.Unlock()
		return domain.StoredData{}, fmt.Errorf("image %s: %w", id, store.ErrExists)
	}
	s.pending[id]++
	s.mu.Unlock()
	w := &upload{s: s, ctx: ctx}
	_, err := io.Copy(w, data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending[id]--; s.pending[id] == 0 {
		delete(s.pending, id)
	}
	if err == nil {
		if _, ok := s.data[id]; ok {
			err = fmt.Errorf("image %s: %w", id, store.ErrExists)
		}
	}
	if err != nil {
		s.used -= int64(w.buf.Len())
		return domain.StoredData{}, err
	}
	s.data[id] = w.buf.Bytes()
	return domain.StoredData{URL: s.prefix + id, Size: int64(w.buf.Len()), Metadata: s.metadata()}, nil
}

// upload collects a Put's data, counting it against the capacity.
type upload struct {
	s   *Store
	ctx context.Context
	buf bytes.Buffer
}

func (u *upload) Write(p []byte) (int, error) {
	if err := u.ctx.Err(); err != nil {
		return 0, err
	}
	u.s.mu.Lock()
	full := u.s.o.Capacity > 0 && u.s.used+int64(len(p)) > u.s.o.Capacity
	if !full {
		u.s.used += int64(len(p))
	}
	u.s.mu.Unlock()
	if full {
		return 0, fmt.Errorf("capacity %d bytes: %w", u.s.o.Capacity, store.ErrFull)
	}
	return u.buf.Write(p)
}

// lookup returns the data at url.
func (s *Store) lookup(ctx context.Context, url string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, err := s.id(url)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	b, ok := s.data[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("image %s: %w", id, store.ErrNotFound)
	}
	return b, nil
}

// Get returns a reader of the range. Errors as store.Driver's.
func (s *Store) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("offset %d, length %d: %w", offset, length, store.ErrInvalid)
	}
	b, err := s.lookup(ctx, url)
	if err != nil {
		return nil, err
	}
	if offset > int64(len(b)) {
		return nil, fmt.Errorf("offset %d past the end of %d bytes: %w", offset, len(b), store.ErrRangeNotSatisfiable)
	}
	b = b[offset:]
	if length >= 0 && length < int64(len(b)) {
		b = b[:length]
	}
	return &reader{r: bytes.NewReader(b)}, nil
}

// reader may be closed while another goroutine reads it.
type reader struct {
	r      *bytes.Reader
	mu     sync.Mutex
	closed atomic.Bool
}

var errClosed = errors.New("memory store: read of a closed reader")

func (r *reader) Read(p []byte) (int, error) {
	if r.closed.Load() {
		return 0, errClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}

func (r *reader) Close() error {
	r.closed.Store(true)
	return nil
}

// Stat returns the size of the data at url. Errors as store.Driver's.
func (s *Store) Stat(ctx context.Context, url string) (int64, error) {
	b, err := s.lookup(ctx, url)
	return int64(len(b)), err
}

// Delete removes the data at url. Errors as store.Driver's.
func (s *Store) Delete(ctx context.Context, url string) error {
	if _, err := s.lookup(ctx, url); err != nil {
		return err
	}
	id, _ := s.id(url)
	return s.remove(id, url)
}

func (s *Store) remove(id, url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.data[id]
	if !ok {
		return fmt.Errorf("%s: %w", url, store.ErrNotFound)
	}
	delete(s.data, id)
	s.used -= int64(len(b))
	return nil
}

// Discard removes the data of image id, if any. Errors as
// store.Discarder's.
func (s *Store) Discard(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID(id); err != nil {
		return err
	}
	if err := s.remove(id, s.prefix+id); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// Copy stores the data at url again for id, sharing its bytes. Errors
// as store.Copier's.
func (s *Store) Copy(ctx context.Context, url, id string) (domain.StoredData, error) {
	b, err := s.lookup(ctx, url)
	if err != nil {
		return domain.StoredData{}, err
	}
	if err := checkID(id); err != nil {
		return domain.StoredData{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[id]; ok {
		return domain.StoredData{}, fmt.Errorf("image %s: %w", id, store.ErrExists)
	}
	if s.o.Capacity > 0 && s.used+int64(len(b)) > s.o.Capacity {
		return domain.StoredData{}, fmt.Errorf("capacity %d bytes: %w", s.o.Capacity, store.ErrFull)
	}
	s.data[id] = b
	s.used += int64(len(b))
	return domain.StoredData{URL: s.prefix + id, Size: int64(len(b)), Metadata: s.metadata()}, nil
}
