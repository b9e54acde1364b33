package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// appendMember writes a membership as Glance shows it.
func appendMember(b []byte, m *domain.Member) []byte {
	b = append(b, `{"member_id": `...)
	b = schemas.AppendString(b, m.MemberID)
	b = append(b, `, "image_id": `...)
	b = schemas.AppendString(b, m.ImageID)
	b = append(b, `, "status": `...)
	b = schemas.AppendString(b, string(m.Status))
	b = appendKey(b, "created_at", false)
	b = appendTime(b, m.CreatedAt)
	b = appendKey(b, "updated_at", false)
	b = appendTime(b, m.UpdatedAt)
	return append(b, `, "schema": "/v2/schemas/member"}`...)
}

// memberBody reads the one member of a JSON object body, with Glance's
// answers: its absence is missing, a body that is not an object is
// notObject.
func memberBody(c echo.Context, key, missing, notObject string) (any, error) {
	raw, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if _, err := scanJSON(raw, nil); err != nil {
		return nil, err
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, newHTTPError(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	obj, ok := body.(map[string]any)
	if !ok {
		return nil, newHTTPError(http.StatusBadRequest, notObject)
	}
	v, ok := obj[key]
	if !ok {
		return nil, newHTTPError(http.StatusBadRequest, missing)
	}
	return v, nil
}

// falsy is Python's notion of an empty value.
func falsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func (s *Server) addMember(c echo.Context) error {
	v, err := memberBody(c, "member", "Member to be added not specified", `Expected a member in the form: {"member": "image_id"}`)
	if err != nil {
		return err
	}
	if falsy(v) {
		return newHTTPError(http.StatusBadRequest, "Member can't be empty")
	}
	id, ok := v.(string)
	if !ok {
		return newHTTPError(http.StatusBadRequest, `Expected a member in the form: {"member": "image_id"}`)
	}
	m, err := s.members.Add(ctx(c), c.Param("id"), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, appendMember(nil, m))
}

func (s *Server) listMembers(c echo.Context) error {
	members, err := s.members.List(ctx(c), c.Param("id"))
	if err != nil {
		return err
	}
	b := append(make([]byte, 0, 256), `{"members": [`...)
	for i, m := range members {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendMember(b, m)
	}
	b = append(b, `], "schema": "/v2/schemas/members"}`...)
	return writeJSON(c, http.StatusOK, b)
}

func (s *Server) showMember(c echo.Context) error {
	m, err := s.members.Get(ctx(c), c.Param("id"), c.Param("member"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, appendMember(nil, m))
}

func (s *Server) updateMember(c echo.Context) error {
	v, err := memberBody(c, "status", "Status not specified", `Expected a status in the form: {"status": "status"}`)
	if err != nil {
		return err
	}
	status, _ := v.(string)
	m, err := s.members.SetStatus(ctx(c), c.Param("id"), c.Param("member"), domain.MemberStatus(status))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, appendMember(nil, m))
}

func (s *Server) removeMember(c echo.Context) error {
	if _, err := s.members.Remove(ctx(c), c.Param("id"), c.Param("member")); err != nil {
		return err
	}
	// Glance's member delete returns a bare webob Response: no type.
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}
