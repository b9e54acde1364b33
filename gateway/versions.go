package gateway

import (
	"net/http"
	"strings"

	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

type version struct {
	id     string
	status string
}

// advertised lists the API versions in Glance's order; which appear
// depends on the cache and multi-store settings, as in Glance. The newest
// advertised is 2.16 with the cache and 2.15 without, the level whose
// features this service implements.
func (s *Server) advertised() []version {
	var out []version
	if s.cfg.CacheEnabled {
		out = append(out, version{"v2.16", "CURRENT"}, version{"v2.15", "SUPPORTED"}, version{"v2.14", "SUPPORTED"})
	} else {
		out = append(out, version{"v2.15", "CURRENT"})
	}
	if s.cfg.MultiStore {
		for _, v := range []string{"v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8"} {
			out = append(out, version{v, "SUPPORTED"})
		}
	} else {
		out = append(out, version{"v2.9", "SUPPORTED"})
	}
	for _, v := range []string{"v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"} {
		out = append(out, version{v, "SUPPORTED"})
	}
	return out
}

// accepted reports whether a version token from a URL selects API v2.
func (s *Server) accepted(token string) bool {
	switch token {
	case "v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6", "v2.7", "v2.9", "v2.15":
		return true
	case "v2.8", "v2.10", "v2.11", "v2.12", "v2.13":
		return s.cfg.MultiStore
	case "v2.14", "v2.16":
		return s.cfg.CacheEnabled
	}
	return false
}

func (s *Server) versionsDocument(r *http.Request) []byte {
	base := s.cfg.PublicEndpoint
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	href := strings.TrimRight(base, "/") + "/v2/"
	var list []any
	for _, v := range s.advertised() {
		list = append(list, schemas.Object{
			{Key: "id", Value: v.id},
			{Key: "status", Value: v.status},
			{Key: "links", Value: []any{schemas.Object{{Key: "rel", Value: "self"}, {Key: "href", Value: href}}}},
		})
	}
	return schemas.Encode(schemas.Object{{Key: "versions", Value: list}})
}

// negotiateVersion runs before routing: /healthcheck passes, /versions
// and anything not addressed to an accepted version get the versions
// document, and /v2.N/... is rewritten to /v2/....
func (s *Server) negotiateVersion(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		path := r.URL.Path
		if path == "/healthcheck" {
			return s.healthcheck(c)
		}
		first, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if first == "versions" {
			return c.Blob(http.StatusOK, "application/json", s.versionsDocument(r))
		}
		if accept := r.Header.Get("Accept"); strings.HasPrefix(accept, "application/vnd.openstack.images-") {
			if s.accepted(strings.TrimPrefix(accept, "application/vnd.openstack.images-")) {
				r.URL.Path = "/v2" + path
				r.URL.RawPath = ""
				return next(c)
			}
			return c.Blob(http.StatusMultipleChoices, "application/json", s.versionsDocument(r))
		}
		if !s.accepted(first) {
			return c.Blob(http.StatusMultipleChoices, "application/json", s.versionsDocument(r))
		}
		if first != "v2" {
			r.URL.Path = "/v2/" + rest
			r.URL.RawPath = ""
		}
		return next(c)
	}
}
