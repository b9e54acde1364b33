package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// route is one path of the API with its methods. Every other method on
// the path gets 405 with Allow set to allow, as Glance's router answers.
type route struct {
	path    string
	allow   string
	methods []method
}

type method struct {
	name string
	h    echo.HandlerFunc
	// noBody marks Glance's body_reject routes: a request body is a 400.
	noBody bool
}

func (s *Server) routes() {
	table := []route{
		{"/v2/images", "GET, POST", []method{{"GET", s.listImages, false}, {"POST", s.createImage, false}}},
		{"/v2/images/:id", "GET, PATCH, DELETE", []method{{"GET", s.showImage, true}, {"PATCH", s.updateImage, false}, {"DELETE", s.deleteImage, true}}},
		{"/v2/images/:id/file", "GET, PUT", []method{{"GET", s.downloadImage, true}, {"PUT", s.uploadImage, false}}},
		{"/v2/images/:id/actions/deactivate", "POST", []method{{"POST", s.deactivateImage, true}}},
		{"/v2/images/:id/actions/reactivate", "POST", []method{{"POST", s.reactivateImage, true}}},
		{"/v2/images/:id/members", "GET, POST", []method{{"GET", s.listMembers, true}, {"POST", s.addMember, false}}},
		{"/v2/images/:id/members/:member", "GET, PUT, DELETE", []method{{"GET", s.showMember, true}, {"PUT", s.updateMember, false}, {"DELETE", s.removeMember, true}}},
		{"/v2/images/:id/tags/:tag", "PUT, DELETE", []method{{"PUT", s.addTag, true}, {"DELETE", s.removeTag, true}}},
		{"/v2/stores/:store/:id", "DELETE", []method{{"DELETE", s.deleteFromStore, true}}},
		{"/v2/schemas/:name", "GET", []method{{"GET", s.schema, true}}},
		{"/v2/schemas/metadefs/:name", "GET", []method{{"GET", s.metadefSchema, true}}},
		{"/v2/info/import", "GET", []method{{"GET", s.infoImport, true}}},
		{"/v2/info/stores", "GET", []method{{"GET", s.infoStores, true}}},
		{"/v2/info/stores/detail", "GET", []method{{"GET", s.infoStoresDetail, true}}},
	}
	for _, rt := range table {
		s.echo.Any(rt.path, methodNotAllowed(rt.allow))
		for _, m := range rt.methods {
			h := m.h
			if m.noBody {
				h = rejectBody(h)
			}
			s.echo.Add(m.name, rt.path, h)
		}
	}
	// GET-only path with no 405 in Glance: other methods are 404.
	s.echo.GET("/v2/info/usage", s.infoUsage)
}

func methodNotAllowed(allow string) echo.HandlerFunc {
	return func(c echo.Context) error {
		e := &httpError{code: http.StatusMethodNotAllowed,
			body:   "The method " + c.Request().Method + " is not allowed for this resource. <br /><br />",
			header: http.Header{"Allow": {allow}}}
		return e
	}
}

// rejectBody refuses requests that carry a body on routes that take none.
func rejectBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		hasBody := r.ContentLength > 0
		if !hasBody && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			for _, te := range r.TransferEncoding {
				switch te {
				case "chunked", "compress", "deflate", "gzip", "identity":
					hasBody = true
				}
			}
		}
		if hasBody {
			return newHTTPError(http.StatusBadRequest, "A body is not expected with this request.")
		}
		return next(c)
	}
}
