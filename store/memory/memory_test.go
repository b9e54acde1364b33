package memory

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
)

func contents(_ *testing.T, d store.Driver) []string { return d.(*Store).Contents() }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Driver { return New(Options{}) }, storetest.Leftovers(contents))
}

func TestCapacity(t *testing.T) {
	s := New(Options{Capacity: 1000})
	storetest.MustPut(t, s, storetest.NewID(), storetest.Data(600))
	_, err := s.Put(t.Context(), storetest.NewID(), bytes.NewReader(storetest.Data(600)), -1)
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("Put past the capacity: %v, want ErrFull", err)
	}
	if got := s.Contents(); len(got) != 1 {
		t.Fatalf("store holds %v after a refused Put, want the first image only", got)
	}
	storetest.MustPut(t, s, storetest.NewID(), storetest.Data(400))
}

func TestCopy(t *testing.T) {
	s := New(Options{BackendID: "fast"})
	data := storetest.Data(100)
	src := storetest.MustPut(t, s, storetest.NewID(), data)
	got, err := s.Copy(t.Context(), src.URL, storetest.NewID())
	if err != nil || got.Size != 100 || got.Metadata["store"] != "fast" {
		t.Fatalf("Copy = %+v, %v", got, err)
	}
	if err := s.Delete(t.Context(), src.URL); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storetest.MustGet(t, s, got.URL, 0, -1), data) {
		t.Fatal("the copy differs once the original is gone")
	}
	if _, err := s.Copy(t.Context(), src.URL, storetest.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Copy of deleted data: %v, want ErrNotFound", err)
	}
}

func TestOwns(t *testing.T) {
	a, b := New(Options{}), New(Options{})
	url := storetest.MustPut(t, a, storetest.NewID(), []byte("x")).URL
	if !a.Owns(url) || b.Owns(url) {
		t.Fatalf("Owns(%s): %v for its store, %v for another", url, a.Owns(url), b.Owns(url))
	}
}
