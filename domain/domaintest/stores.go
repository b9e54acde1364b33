package domaintest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-glance/glance/domain"
)

// Stores is one in-memory backend, "memory", as domain.Stores.
type Stores struct {
	mu   sync.Mutex
	data map[string][]byte
}

var (
	_ domain.Stores = (*Stores)(nil)
	_ domain.Store  = (*Stores)(nil)
)

// NewStores returns an empty store.
func NewStores() *Stores { return &Stores{data: map[string][]byte{}} }

const scheme = "memory://"

// Store implements domain.Stores.
func (s *Stores) Store(id string) (domain.Store, error) {
	if id != "" && id != "memory" {
		return nil, domain.Errorf(domain.KindInvalid, "Unknown store %s", id)
	}
	return s, nil
}

// ForLocation implements domain.Stores.
func (s *Stores) ForLocation(domain.Location) (domain.Store, error) { return s, nil }

// IDs implements domain.Stores.
func (s *Stores) IDs() []string { return []string{"memory"} }

// Default implements domain.Stores.
func (s *Stores) Default() string { return "memory" }

// Multi implements domain.Stores.
func (s *Stores) Multi() bool { return false }

// Put implements domain.Store.
func (s *Stores) Put(_ context.Context, id string, data io.Reader, _ int64) (domain.StoredData, error) {
	b, err := io.ReadAll(data)
	if err != nil {
		return domain.StoredData{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	url := scheme + id
	if _, ok := s.data[url]; ok {
		return domain.StoredData{}, domain.Errorf(domain.KindConflict, "Image data for %s exists", id)
	}
	s.data[url] = b
	return domain.StoredData{URL: url, Size: int64(len(b))}, nil
}

// Get implements domain.Store.
func (s *Stores) Get(_ context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	s.mu.Lock()
	b, ok := s.data[url]
	s.mu.Unlock()
	if !ok {
		return nil, domain.Errorf(domain.KindNotFound, "Image data %s not found", url)
	}
	b = b[min(offset, int64(len(b))):]
	if length >= 0 && length < int64(len(b)) {
		b = b[:length]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Delete implements domain.Store.
func (s *Stores) Delete(_ context.Context, url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[url]; !ok {
		return domain.Errorf(domain.KindNotFound, "Image data %s not found", url)
	}
	delete(s.data, url)
	return nil
}

// Stat implements domain.Store.
func (s *Stores) Stat(_ context.Context, url string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.data[url]
	if !ok {
		return 0, domain.Errorf(domain.KindNotFound, "Image data %s not found", url)
	}
	return int64(len(b)), nil
}

// Objects counts the images' data held.
func (s *Stores) Objects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

// NewService is the domain's image service over fresh fakes.
func NewService() (domain.ImageService, *Images, *Stores) {
	repo, stores := NewImages(), NewStores()
	var n atomic.Int64
	svc := domain.NewImageService(repo, stores, domain.ImageConfig{
		SizeCap: 1 << 30, HashAlgorithm: "sha512", LimitDefault: 25, LimitMax: 1000,
		PropertyQuota: 128, TagQuota: 128, Now: time.Now,
		NewID: func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) },
	})
	return svc, repo, stores
}
