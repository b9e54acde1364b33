package rbacmatrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/keystonetest"
)

// Callers are the personas' Keystone tokens and their projects' ids.
type Callers struct {
	tokens map[Persona]string
	// Alpha owns every image; Beta is the project they are shared with.
	Alpha, Beta string
}

// keystonePersona is the test/keystone.sh user playing p.
func keystonePersona(p Persona) keystonetest.Persona {
	project := "beta"
	if p.Owner {
		project = "alpha"
	}
	return keystonetest.Persona{Name: p.String(), Project: project}
}

// MustCallers logs the six personas in to the real Keystone.
func MustCallers(tb testing.TB) Callers {
	tb.Helper()
	c := Callers{tokens: map[Persona]string{}}
	for _, p := range Personas {
		tok := keystonetest.MustToken(tb, keystonePersona(p))
		c.tokens[p] = tok.ID
		if p.Owner {
			c.Alpha = tok.ProjectID
		} else {
			c.Beta = tok.ProjectID
		}
	}
	if c.Alpha == "" || c.Beta == "" || c.Alpha == c.Beta {
		tb.Fatalf("the personas' projects: alpha %q, beta %q", c.Alpha, c.Beta)
	}
	return c
}

// Result is what a cell's request came to; Body is the response of a
// request that failed, or what went wrong setting the cell up.
type Result struct {
	Got  Outcome
	Body string
}

// Stats count what a run did.
type Stats struct {
	Cells, Images, Requests int
	Elapsed                 time.Duration
}

func (s Stats) String() string {
	return fmt.Sprintf("%d cells, %d images set up, %d requests in %s", s.Cells, s.Images, s.Requests, s.Elapsed.Round(time.Millisecond))
}

// Run performs cells against the server at endpoint, workers at a
// time, and returns each cell's result. Each cell runs on an image of
// its state and kind that no successful change has touched: an image
// is reused by later cells only while every request on it was
// refused, and the operations that read share one image per state.
func Run(endpoint string, who Callers, cells []Cell, workers int) (map[Cell]Result, Stats) {
	start := time.Now()
	r := &runner{
		endpoint: endpoint,
		who:      who,
		http:     &http.Client{Timeout: 2 * time.Minute},
		free:     map[fixtureKey][]string{},
		shared:   map[fixtureKey]*sharedFixture{},
	}
	results := make(map[Cell]Result, len(cells))
	var mu sync.Mutex
	todo := make(chan Cell)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for c := range todo {
				res := r.run(c)
				mu.Lock()
				results[c] = res
				mu.Unlock()
			}
		})
	}
	for _, c := range cells {
		todo <- c
	}
	close(todo)
	wg.Wait()
	return results, Stats{Cells: len(cells), Images: int(r.images.Load()), Requests: int(r.requests.Load()), Elapsed: time.Since(start)}
}

type fixtureKey struct {
	state State
	kind  Kind
}

type sharedFixture struct {
	once sync.Once
	id   string
	err  error
}

type runner struct {
	endpoint string
	who      Callers
	http     *http.Client

	mu     sync.Mutex
	free   map[fixtureKey][]string
	shared map[fixtureKey]*sharedFixture

	images, requests atomic.Int64
}

func (r *runner) run(c Cell) Result {
	key := fixtureKey{c.State, c.Op.Kind}
	id, err := r.image(key, c.Op.Mutates)
	if err != nil {
		return Result{Got: "setup failed", Body: err.Error()}
	}
	req := c.Op.request(env{image: id, state: c.State, alpha: r.who.Alpha, beta: r.who.Beta})
	code, body, err := r.do(c.Persona, req)
	if err != nil {
		return Result{Got: "error", Body: err.Error()}
	}
	if c.Op.Mutates && (code < 200 || code > 299) {
		r.mu.Lock()
		r.free[key] = append(r.free[key], id)
		r.mu.Unlock()
	}
	res := Result{Got: codeOutcome(code)}
	if code >= 300 {
		res.Body = string(body)
	}
	if c.Op.listed != nil && code == http.StatusOK {
		res.Got, err = listedOutcome(body, id)
		if err != nil {
			res.Got, res.Body = "error", err.Error()
		}
	}
	return res
}

func listedOutcome(body []byte, id string) (Outcome, error) {
	var page struct {
		Images []struct {
			ID string `json:"id"`
		} `json:"images"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return "", fmt.Errorf("decoding the list: %v; body %.300s", err, body)
	}
	for _, im := range page.Images {
		if im.ID == id {
			return "in", nil
		}
	}
	return "out", nil
}

// image returns an image for a cell: for an operation that reads, the
// state's shared one; else one nothing has changed yet.
func (r *runner) image(key fixtureKey, mutates bool) (string, error) {
	r.mu.Lock()
	if !mutates {
		f := r.shared[key]
		if f == nil {
			f = &sharedFixture{}
			r.shared[key] = f
		}
		r.mu.Unlock()
		f.once.Do(func() { f.id, f.err = r.setUp(key) })
		return f.id, f.err
	}
	if ids := r.free[key]; len(ids) > 0 {
		id := ids[len(ids)-1]
		r.free[key] = ids[:len(ids)-1]
		r.mu.Unlock()
		return id, nil
	}
	r.mu.Unlock()
	return r.setUp(key)
}

// setUp makes an image of alpha's in the key's state and kind: alpha's
// member creates it (its admin, when it is public), shares it with
// beta, whose member answers; data and deactivation as the kind needs.
func (r *runner) setUp(key fixtureKey) (string, error) {
	r.images.Add(1)
	owner := Persona{Member, true}
	creator := owner
	if key.state == Public {
		creator = Persona{Admin, true}
	}
	fields := map[string]any{
		"name":             fmt.Sprintf("rbac %s %s", key.state, key.kind),
		"disk_format":      "raw",
		"container_format": "bare",
		"visibility":       key.state.Visibility(),
		"tags":             []string{Tag},
	}
	if key.kind == Protected {
		fields["protected"] = true
	}
	body, err := r.mustDo(creator, request{method: http.MethodPost, path: "/v2/images", header: jsonType, body: jsonBody(fields)}, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		return "", fmt.Errorf("creating an image: no id in %.300s", body)
	}
	id := created.ID
	members := "/v2/images/" + id + "/members"
	var steps []func() error
	if status := key.state.MemberStatus(); status != "" {
		steps = append(steps, func() error {
			_, err := r.mustDo(owner, request{method: http.MethodPost, path: members, header: jsonType,
				body: jsonBody(map[string]string{"member": r.who.Beta})}, http.StatusOK)
			return err
		})
		if status != "pending" {
			steps = append(steps, func() error {
				_, err := r.mustDo(Persona{Member, false}, request{method: http.MethodPut, path: members + "/" + r.who.Beta,
					header: jsonType, body: jsonBody(map[string]string{"status": status})}, http.StatusOK)
				return err
			})
		}
	}
	if key.kind == Active || key.kind == Deactivated {
		steps = append(steps, func() error {
			_, err := r.mustDo(owner, request{method: http.MethodPut, path: "/v2/images/" + id + "/file",
				header: octetType, body: []byte("rbac matrix image data")}, http.StatusNoContent)
			return err
		})
	}
	if key.kind == Deactivated {
		steps = append(steps, func() error {
			_, err := r.mustDo(owner, request{method: http.MethodPost, path: "/v2/images/" + id + "/actions/deactivate"}, http.StatusNoContent)
			return err
		})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return "", err
		}
	}
	return id, nil
}

func (r *runner) mustDo(p Persona, req request, want int) ([]byte, error) {
	code, body, err := r.do(p, req)
	if err != nil {
		return nil, err
	}
	if code != want {
		return nil, fmt.Errorf("setting up, %s %s %s: %d, want %d; body %.300s", p, req.method, req.path, code, want, body)
	}
	return body, nil
}

// do sends req with p's token.
func (r *runner) do(p Persona, req request) (int, []byte, error) {
	r.requests.Add(1)
	var rd io.Reader
	if req.body != nil {
		rd = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequest(req.method, r.endpoint+req.path, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	hr.Header.Set("X-Auth-Token", r.who.tokens[p])
	resp, err := r.http.Do(hr)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: reading the body: %w", req.method, req.path, err)
	}
	return resp.StatusCode, body, nil
}
