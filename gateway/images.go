package gateway

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

func (s *Server) createImage(c echo.Context) error {
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	req, err := s.readNewImage(raw)
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

// deleteFromStore removes the image's data from one store of a
// multi-store deployment; the store checks come first, as in Glance.
func (s *Server) deleteFromStore(c echo.Context) error {
	if !s.cfg.MultiStore {
		return newHTTPError(http.StatusNotFound, explanations[404])
	}
	store := c.Param("store")
	known := false
	for _, st := range s.cfg.Stores {
		known = known || st.ID == store
	}
	if !known {
		return newHTTPError(http.StatusConflict, "The selected store "+store+" is not available on this node.")
	}
	if _, err := s.images.DeleteFromStore(ctx(c), c.Param("id"), store); err != nil {
		return err
	}
	return noContent(c)
}
