package gateway

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// disallowedOnCreate are shown attributes a create body may not carry.
var disallowedOnCreate = []string{"direct_url", "self", "file", "schema", "stores"}

func (s *Server) createImage(c echo.Context) error {
	v, raw, err := readJSON(c)
	if err != nil {
		return err
	}
	body, ok := v.(map[string]any)
	if !ok {
		return newHTTPError(http.StatusBadRequest, "The request body must be a JSON object.")
	}
	for _, k := range disallowedOnCreate {
		if _, ok := body[k]; ok {
			return domain.Errorf(domain.KindForbidden, "Attribute '%s' is read-only.", k)
		}
	}
	if err := s.cfg.Schemas.ValidateImage(body); err != nil {
		return err
	}
	req, err := newImageRequest(topLevelKeys(raw), body)
	if err != nil {
		return err
	}
	img, err := s.images.Create(ctx(c), req)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Location", absoluteURL(c.Request(), "/v2/images/"+img.ID))
	if len(s.cfg.ImportMethods) > 0 {
		h.Set("OpenStack-image-import-methods", strings.Join(s.cfg.ImportMethods, ","))
	}
	if s.cfg.MultiStore {
		ids := make([]string, len(s.cfg.Stores))
		for i, st := range s.cfg.Stores {
			ids[i] = st.ID
		}
		h.Set("OpenStack-image-store-ids", strings.Join(ids, ","))
	}
	return writeJSON(c, http.StatusCreated, s.appendImage(nil, img))
}

// newImageRequest splits a validated create body into core attributes,
// tags and additional properties, in body order.
func newImageRequest(keys []string, body map[string]any) (domain.NewImage, error) {
	var req domain.NewImage
	for _, k := range keys {
		v := body[k]
		switch k {
		case "id":
			req.ID = strings.ToLower(v.(string))
		case "name":
			req.Name = optString(v)
		case "visibility":
			req.Visibility = domain.Visibility(v.(string))
		case "protected":
			req.Protected = v.(bool)
		case "os_hidden":
			req.Hidden = v.(bool)
		case "min_disk", "min_ram":
			n, err := v.(json.Number).Int64()
			if err != nil || n < 0 || n > 1<<31-1 {
				return req, domain.Errorf(domain.KindInvalid, "Invalid value '%s' for parameter '%s': Cannot be a negative value", v, k)
			}
			if k == "min_disk" {
				req.MinDisk = int(n)
			} else {
				req.MinRAM = int(n)
			}
		case "container_format":
			req.ContainerFormat = optString(v)
		case "disk_format":
			req.DiskFormat = optString(v)
		case "owner":
			req.Owner = optString(v)
		case "tags":
			for _, t := range v.([]any) {
				req.Tags = append(req.Tags, t.(string))
			}
		default:
			if len(k) > 255 {
				return req, domain.Errorf(domain.KindInvalid, "Custom property should not be greater than 255 characters.")
			}
			if k == "locations" {
				return req, domain.Errorf(domain.KindForbidden, "Attribute '%s' is reserved.", k)
			}
			if err := domain.CheckWritable(k); err != nil {
				return req, err
			}
			s, _ := v.(string)
			req.Properties.Set(k, s)
		}
	}
	return req, nil
}

func optString(v any) *string {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return &s
}

// topLevelKeys returns the keys of a JSON object in the order the client
// sent them, so that properties keep that order as they do in Glance.
func topLevelKeys(raw []byte) []string {
	v, err := schemas.Parse(raw)
	obj, ok := v.(schemas.Object)
	if err != nil || !ok {
		return nil
	}
	keys := make([]string, 0, len(obj))
	seen := map[string]bool{}
	for _, f := range obj {
		if !seen[f.Key] {
			seen[f.Key] = true
			keys = append(keys, f.Key)
		}
	}
	return keys
}

func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (s *Server) showImage(c echo.Context) error {
	img, err := s.images.Get(ctx(c), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.appendImage(make([]byte, 0, 1024), img))
}

func (s *Server) deleteImage(c echo.Context) error {
	if err := s.images.Delete(ctx(c), c.Param("id")); err != nil {
		return err
	}
	return noContent(c)
}

func (s *Server) deactivateImage(c echo.Context) error {
	if _, err := s.images.Deactivate(ctx(c), c.Param("id")); err != nil {
		return err
	}
	return noContent(c)
}

func (s *Server) reactivateImage(c echo.Context) error {
	if _, err := s.images.Reactivate(ctx(c), c.Param("id")); err != nil {
		return err
	}
	return noContent(c)
}

func (s *Server) addTag(c echo.Context) error {
	tag := c.Param("tag")
	if err := s.cfg.Schemas.ValidateImage(map[string]any{"tags": []any{tag}}); err != nil {
		return err
	}
	if _, err := s.images.AddTag(ctx(c), c.Param("id"), tag); err != nil {
		return err
	}
	return noContent(c)
}

func (s *Server) removeTag(c echo.Context) error {
	if _, err := s.images.RemoveTag(ctx(c), c.Param("id"), c.Param("tag")); err != nil {
		return err
	}
	return noContent(c)
}
