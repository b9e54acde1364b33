package gateway

import (
	"net/http"
	"slices"

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

// servedImportMethods are the import methods this server has /stage and
// /import routes for. None yet: the commit that serves a method adds it
// here, and only then is it advertised.
var servedImportMethods = []string{}

// ImportMethods splits enabled_import_methods into the methods this
// server serves, which are advertised, and those it does not serve.
func ImportMethods(enabled []string) (served, unserved []string) {
	served = []string{}
	for _, m := range enabled {
		if slices.Contains(servedImportMethods, m) {
			served = append(served, m)
		} else {
			unserved = append(unserved, m)
		}
	}
	return served, unserved
}

// infoImport lists the import methods served; with none the list is
// empty and clients skip import, as with Glance's
// enabled_import_methods = [].
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
	return s.storesInfo(c, true)
}

func (s *Server) storesInfo(c echo.Context, detail bool) error {
	if !s.cfg.MultiStore {
		return newHTTPError(http.StatusNotFound, "Multi backend is not supported at this site.")
	}
	// Glance checks the rule once it knows the site has stores to show.
	if detail {
		if err := s.cfg.Authorize(ctx(c), "stores_info_detail"); err != nil {
			return err
		}
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
			o = append(o, schemas.Field{Key: "type", Value: st.Type},
				schemas.Field{Key: "properties", Value: props})
		}
		list = append(list, o)
	}
	return writeJSON(c, http.StatusOK, schemas.Encode(schemas.Object{{Key: "stores", Value: list}}))
}

// infoUsage shows the caller's project's usage against its unified
// limits (sizes in MiB), as Glance does with use_keystone_limits; {}
// without them.
func (s *Server) infoUsage(c echo.Context) error {
	var report []domain.ResourceUsage
	if s.cfg.Usage != nil {
		var err error
		if report, err = s.cfg.Usage(ctx(c)); err != nil {
			return err
		}
	}
	usage := schemas.Object{}
	for _, r := range report {
		usage = append(usage, schemas.Field{Key: r.Resource, Value: schemas.Object{
			{Key: "usage", Value: r.Usage}, {Key: "limit", Value: r.Limit}}})
	}
	return writeJSON(c, http.StatusOK, schemas.Encode(schemas.Object{{Key: "usage", Value: usage}}))
}
