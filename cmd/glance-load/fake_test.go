package main

import (
	"cmp"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// fakeGlance is the load tool's test double: a small in-memory image API
// with just the behaviour the modes rely on, counting what it is asked.
type fakeGlance struct {
	mu     sync.Mutex
	images map[string]*fakeImage
	order  []string // creation order; listings are newest first
	seq    int
	counts map[string]int

	failPutEvery    int    // every k-th upload answers 500
	failDeleteEvery int    // every k-th DELETE answers 500
	token           string // when set, requests without this X-Auth-Token get 401
	badChecksum     bool   // record a wrong checksum on upload
	corrupt         bool   // flip a byte of every download
	hashAlgo        string // os_hash_algo it claims (the digest stays sha512); sha512 when unset
}

type fakeImage struct {
	id, name, status string
	props            map[string]string
	tags             []string
	data             []byte
	checksum, hash   string
}

func newFakeGlance() *fakeGlance {
	return &fakeGlance{images: map[string]*fakeImage{}, counts: map[string]int{}}
}

func (f *fakeGlance) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key]
}

func (f *fakeGlance) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.images)
}

func (f *fakeGlance) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		f.inc("versions")
		w.Header().Set("Content-Type", jsonType)
		w.WriteHeader(http.StatusMultipleChoices)
		io.WriteString(w, `{"versions": [{"id": "v2.9", "status": "CURRENT"}]}`)
	})
	mux.HandleFunc("POST /v2/images", f.create)
	mux.HandleFunc("GET /v2/images", f.list)
	mux.HandleFunc("GET /v2/images/{id}", f.withImage("get", func(w http.ResponseWriter, r *http.Request, img *fakeImage) {
		f.writeImage(w, http.StatusOK, img)
	}))
	mux.HandleFunc("PATCH /v2/images/{id}", f.withImage("patch", f.patch))
	mux.HandleFunc("DELETE /v2/images/{id}", f.withImage("delete", func(w http.ResponseWriter, r *http.Request, img *fakeImage) {
		if f.failDeleteEvery > 0 && f.counts["delete"]%f.failDeleteEvery == 0 {
			http.Error(w, "database is locked", http.StatusInternalServerError)
			return
		}
		delete(f.images, img.id)
		f.order = slices.DeleteFunc(f.order, func(id string) bool { return id == img.id })
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("PUT /v2/images/{id}/file", f.upload)
	mux.HandleFunc("GET /v2/images/{id}/file", f.withImage("download", f.download))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.token != "" && r.Header.Get("X-Auth-Token") != f.token {
			f.inc("unauthorized")
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (f *fakeGlance) inc(key string) {
	f.mu.Lock()
	f.counts[key]++
	f.mu.Unlock()
}

// withImage runs h under the lock with the image named in the path.
func (f *fakeGlance) withImage(key string, h func(http.ResponseWriter, *http.Request, *fakeImage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.counts[key]++
		img := f.images[r.PathValue("id")]
		if img == nil {
			http.Error(w, "no such image", http.StatusNotFound)
			return
		}
		h(w, r, img)
	}
}

func (f *fakeGlance) create(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != jsonType {
		http.Error(w, "bad create body", http.StatusBadRequest)
		return
	}
	if in["disk_format"] != "raw" || in["container_format"] != "bare" {
		http.Error(w, "want raw/bare", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts["create"]++
	f.seq++
	img := &fakeImage{id: fmt.Sprintf("00000000-0000-0000-0000-%012d", f.seq), status: "queued", props: map[string]string{}}
	for k, v := range in {
		switch k {
		case "name":
			img.name, _ = v.(string)
		case "disk_format", "container_format":
		case "tags":
			for _, t := range v.([]any) {
				img.tags = append(img.tags, t.(string))
			}
		default:
			img.props[k] = fmt.Sprint(v)
		}
	}
	f.images[img.id] = img
	f.order = append(f.order, img.id)
	f.writeImage(w, http.StatusCreated, img)
}

func (f *fakeGlance) json(img *fakeImage) map[string]any {
	m := map[string]any{"id": img.id, "name": img.name, "status": img.status, "tags": img.tags,
		"disk_format": "raw", "container_format": "bare", "size": nil, "checksum": nil,
		"os_hash_algo": nil, "os_hash_value": nil, "self": "/v2/images/" + img.id}
	if img.status == "active" {
		algo := cmp.Or(f.hashAlgo, "sha512")
		m["size"], m["checksum"], m["os_hash_algo"], m["os_hash_value"] = len(img.data), img.checksum, algo, img.hash
	}
	for k, v := range img.props {
		m[k] = v
	}
	return m
}

func (f *fakeGlance) writeImage(w http.ResponseWriter, code int, img *fakeImage) {
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(f.json(img))
}

func (f *fakeGlance) list(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 {
		limit = 25
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts["list"+strconv.Itoa(limit)]++
	newest := slices.Clone(f.order)
	slices.Reverse(newest)
	if marker := r.URL.Query().Get("marker"); marker != "" {
		i := slices.Index(newest, marker)
		if i < 0 {
			http.Error(w, "bad marker", http.StatusBadRequest)
			return
		}
		newest = newest[i+1:]
	}
	page := newest[:min(limit, len(newest))]
	out := map[string]any{"first": "/v2/images", "schema": "/v2/schemas/images"}
	imgs := []any{}
	for _, id := range page {
		imgs = append(imgs, f.json(f.images[id]))
	}
	out["images"] = imgs
	if len(newest) > limit {
		out["next"] = fmt.Sprintf("/v2/images?limit=%d&marker=%s", limit, page[len(page)-1])
	}
	w.Header().Set("Content-Type", jsonType)
	json.NewEncoder(w).Encode(out)
}

func (f *fakeGlance) patch(w http.ResponseWriter, r *http.Request, img *fakeImage) {
	if r.Header.Get("Content-Type") != patchType {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	var ops []struct{ Op, Path, Value string }
	if err := json.NewDecoder(r.Body).Decode(&ops); err != nil {
		http.Error(w, "bad patch", http.StatusBadRequest)
		return
	}
	for _, op := range ops {
		name := strings.TrimPrefix(op.Path, "/")
		if _, ok := img.props[name]; op.Op != "replace" || !ok {
			http.Error(w, "Property "+name+" does not exist.", http.StatusConflict)
			return
		}
		img.props[name] = op.Value
	}
	f.writeImage(w, http.StatusOK, img)
}

func (f *fakeGlance) upload(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != octetType {
		http.Error(w, "want octet-stream", http.StatusUnsupportedMediaType)
		return
	}
	f.mu.Lock()
	f.counts["upload"]++
	if r.ContentLength < 0 {
		f.counts["upload.chunked"]++
	}
	fail := f.failPutEvery > 0 && f.counts["upload"]%f.failPutEvery == 0
	img := f.images[r.PathValue("id")]
	f.mu.Unlock()
	if img == nil {
		http.Error(w, "no such image", http.StatusNotFound)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil || fail {
		http.Error(w, "upload failed", http.StatusInternalServerError)
		return
	}
	m, s := md5.Sum(data), sha512.Sum512(data)
	f.mu.Lock()
	defer f.mu.Unlock()
	img.data, img.status = data, "active"
	img.checksum, img.hash = hex.EncodeToString(m[:]), hex.EncodeToString(s[:])
	if f.badChecksum {
		img.checksum = strings.Repeat("0", 32)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeGlance) download(w http.ResponseWriter, r *http.Request, img *fakeImage) {
	if img.status != "active" {
		http.Error(w, "no data", http.StatusNoContent)
		return
	}
	data := img.data
	if f.corrupt && len(data) > 0 {
		data = slices.Clone(data)
		data[len(data)/2] ^= 1
	}
	w.Header().Set("Content-Type", octetType)
	w.Header().Set("Content-MD5", img.checksum)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
