package gateway

import (
	"net/http"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

func (s *Server) schema(c echo.Context) error {
	switch name := c.Param("name"); name {
	case "image", "images", "member", "members", "task", "tasks":
		doc, _ := s.cfg.Schemas.Document(name)
		return writeJSON(c, http.StatusOK, doc)
	}
	return newHTTPError(http.StatusNotFound, explanations[404])
}

func (s *Server) metadefSchema(c echo.Context) error {
	doc, ok := s.cfg.Schemas.Document("metadefs/" + c.Param("name"))
	if !ok {
		return newHTTPError(http.StatusNotFound, explanations[404])
	}
	return writeJSON(c, http.StatusOK, doc)
}

func (s *Server) infoImport(c echo.Context) error {
	methods := make([]any, len(s.cfg.ImportMethods))
	for i, m := range s.cfg.ImportMethods {
		methods[i] = m
	}
	return writeJSON(c, http.StatusOK, schemas.Encode(schemas.Object{{Key: "import-methods", Value: schemas.Object{
		{Key: "description", Value: "Import methods available."},
		{Key: "type", Value: "array"},
		{Key: "value", Value: methods},
	}}}))
}

func (s *Server) infoStores(c echo.Context) error {
	return s.storesInfo(c, false)
}

func (s *Server) infoStoresDetail(c echo.Context) error {
	if caller := domain.CallerFrom(ctx(c)); !caller.Admin && !caller.HasRole("service") {
		return domain.Errorf(domain.KindForbidden, "You are not authorized to complete stores_info_detail action.")
	}
	return s.storesInfo(c, true)
}

func (s *Server) storesInfo(c echo.Context, detail bool) error {
	if !s.cfg.MultiStore {
		return newHTTPError(http.StatusNotFound, "Multi backend is not supported at this site.")
	}
	list := []any{}
	for _, st := range s.cfg.Stores {
		o := schemas.Object{{Key: "id", Value: st.ID}}
		if st.Description != "" {
			o = append(o, schemas.Field{Key: "description", Value: st.Description})
		}
		if st.Default {
			o = append(o, schemas.Field{Key: "default", Value: "true"})
		}
		if st.ReadOnly {
			o = append(o, schemas.Field{Key: "read-only", Value: "true"})
		}
		if detail {
			props := st.Properties
			if props == nil {
				props = schemas.Object{}
			}
			o = append(o, schemas.Field{Key: "type", Value: st.Type}, schemas.Field{Key: "weight", Value: st.Weight},
				schemas.Field{Key: "properties", Value: props})
		}
		list = append(list, o)
	}
	return writeJSON(c, http.StatusOK, schemas.Encode(schemas.Object{{Key: "stores", Value: list}}))
}

func (s *Server) infoUsage(c echo.Context) error {
	return writeJSON(c, http.StatusOK, []byte(`{"usage": {}}`))
}
