package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// api speaks the public Image API v2 over one keep-alive transport. Hot
// loops call the transport directly (no redirects, no cookie jar) with
// requests they build once.
type api struct {
	base string      // endpoint without trailing slash, e.g. http://127.0.0.1:9292
	hdr  http.Header // sent with every request (X-Auth-Token, -H)
	tr   *http.Transport
}

func newAPI(base string, hdr http.Header, conns int) *api {
	tr := &http.Transport{
		Proxy:               nil, // measure the server, never a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(conns, 256),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ReadBufferSize:      64 << 10,
		WriteBufferSize:     64 << 10,
	}
	return &api{base: strings.TrimRight(base, "/"), hdr: hdr, tr: tr}
}

// image is the part of an image record the tool reads.
type image struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Size      *int64 `json:"size"`
	Checksum  string `json:"checksum"`
	HashAlgo  string `json:"os_hash_algo"`
	HashValue string `json:"os_hash_value"`
}

// statusError is a non-2xx answer.
type statusError struct {
	Method, Path string
	Code         int
	Body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Code, e.Body)
}

const (
	jsonType  = "application/json"
	patchType = "application/openstack-images-v2.1-json-patch"
	octetType = "application/octet-stream"
)

// newRequest builds a request for path (which starts with '/').
func (a *api) newRequest(ctx context.Context, method, path, contentType string, body io.Reader) *http.Request {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		panic(err) // the endpoint was validated at startup; paths are ours
	}
	for k, v := range a.hdr {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// roundTrip sends req and, for a 2xx answer, reads the body with read (or
// drains it when read is nil); it returns the body bytes seen. Non-2xx
// answers become a *statusError holding the start of the body.
func (a *api) roundTrip(req *http.Request, read func(*http.Response) (int64, error)) (int64, error) {
	resp, err := a.tr.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var msg [300]byte
		n, _ := io.ReadFull(resp.Body, msg[:])
		drain(resp.Body)
		return 0, &statusError{req.Method, req.URL.RequestURI(), resp.StatusCode,
			strings.Join(strings.Fields(string(msg[:n])), " ")}
	}
	if read != nil {
		return read(resp)
	}
	return drain(resp.Body)
}

// drain reads r to its end so the connection can be reused.
func drain(r io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var n int64
	for {
		m, err := r.Read(*bp)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// doJSON sends in (if not nil) and decodes a 2xx answer into out (if not nil).
func (a *api) doJSON(ctx context.Context, method, path, contentType string, in []byte, out any) error {
	var body io.Reader
	if in != nil {
		body = bytes.NewReader(in)
	}
	req := a.newRequest(ctx, method, path, contentType, body)
	req.Header.Set("Accept", jsonType)
	_, err := a.roundTrip(req, func(resp *http.Response) (int64, error) {
		if out == nil {
			return drain(resp.Body)
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0, fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
		}
		return drain(resp.Body)
	})
	return err
}

// createImage creates an image record with the given fields.
func (a *api) createImage(ctx context.Context, fields map[string]any) (image, error) {
	in, err := json.Marshal(fields)
	if err != nil {
		return image{}, err
	}
	var img image
	if err := a.doJSON(ctx, http.MethodPost, "/v2/images", jsonType, in, &img); err != nil {
		return image{}, err
	}
	if img.ID == "" {
		return image{}, errors.New("POST /v2/images: answer has no id")
	}
	return img, nil
}

func (a *api) getImage(ctx context.Context, id string) (image, error) {
	var img image
	err := a.doJSON(ctx, http.MethodGet, "/v2/images/"+id, "", nil, &img)
	return img, err
}

func (a *api) deleteImage(ctx context.Context, id string) error {
	return a.doJSON(ctx, http.MethodDelete, "/v2/images/"+id, "", nil, nil)
}

// upload PUTs size bytes of body as the image data; chunked sends them
// without Content-Length.
func (a *api) upload(ctx context.Context, id string, body io.ReadCloser, size int64, chunked bool) error {
	req := a.newRequest(ctx, http.MethodPut, "/v2/images/"+id+"/file", octetType, nil)
	req.Body = body
	req.ContentLength = size
	switch {
	case chunked:
		req.ContentLength = -1
	case size == 0:
		req.Body = http.NoBody // a body with length 0 would be sent chunked
	}
	_, err := a.roundTrip(req, nil)
	return err
}
