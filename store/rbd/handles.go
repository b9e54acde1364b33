//go:build ceph

package rbd

import (
	"sync"

	"github.com/ceph/go-ceph/rados"
	"github.com/ceph/go-ceph/rbd"
)

// handles hands out handles of RBD images so that the driver's client
// never holds two read-only handles of one image at one snapshot, nor
// opens or closes two handles of one image at once: librbd (Pacific)
// corrupts its own memory and aborts the process when a client does,
// as concurrent downloads of one image would. Readers of one snapshot
// share its handle, which librbd lets several threads read through at
// once; the last to give it back closes it.
type handles struct {
	mu     sync.Mutex
	images map[string]*imageHandles // by pool/image
	keys   map[*rbd.Image]string    // pool/image of each open handle
}

type imageHandles struct {
	sync.Mutex                          // held to open or close a handle of the image
	users      int                      // holders and waiters of the mutex
	shared     map[string]*sharedHandle // read-only handles by snapshot
}

type sharedHandle struct {
	img  *rbd.Image
	refs int
}

// lock waits until no handle of the image key names (pool/image) is
// being opened or closed and returns the image's handles, locked;
// unlock gives them back.
func (h *handles) lock(key string) *imageHandles {
	h.mu.Lock()
	if h.images == nil {
		h.images = map[string]*imageHandles{}
		h.keys = map[*rbd.Image]string{}
	}
	ih := h.images[key]
	if ih == nil {
		ih = &imageHandles{shared: map[string]*sharedHandle{}}
		h.images[key] = ih
	}
	ih.users++
	h.mu.Unlock()
	ih.Lock()
	return ih
}

func (h *handles) unlock(key string, ih *imageHandles) {
	ih.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if ih.users--; ih.users == 0 && len(ih.shared) == 0 {
		delete(h.images, key)
	}
}

// open returns a handle of image in pool, through ioctx (of that pool):
// read-only at snap (rbd.NoSnapshot for its head), shared with the
// other readers of that snapshot, or writable at its head. The handle
// does not need ioctx once open (librbd keeps its own); give it back
// with close.
func (h *handles) open(ioctx *rados.IOContext, pool, image, snap string, readOnly bool) (*rbd.Image, error) {
	key := pool + "/" + image
	ih := h.lock(key)
	defer h.unlock(key, ih)
	if readOnly {
		if s := ih.shared[snap]; s != nil {
			s.refs++
			return s.img, nil
		}
	}
	var img *rbd.Image
	var err error
	if readOnly {
		img, err = rbd.OpenImageReadOnly(ioctx, image, snap)
	} else {
		img, err = rbd.OpenImage(ioctx, image, snap)
	}
	if err != nil {
		return nil, err
	}
	if readOnly {
		ih.shared[snap] = &sharedHandle{img: img, refs: 1}
	}
	h.mu.Lock()
	h.keys[img] = key
	h.mu.Unlock()
	return img, nil
}

// close gives back a handle open returned, closing it once no reader
// shares it.
func (h *handles) close(img *rbd.Image) {
	h.mu.Lock()
	key := h.keys[img]
	h.mu.Unlock()
	ih := h.lock(key)
	defer h.unlock(key, ih)
	for snap, s := range ih.shared {
		if s.img != img {
			continue
		}
		if s.refs--; s.refs > 0 {
			return
		}
		delete(ih.shared, snap)
		break
	}
	h.mu.Lock()
	delete(h.keys, img)
	h.mu.Unlock()
	img.Close()
}
