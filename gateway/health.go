package gateway

import (
	"errors"
	"net/http"

	"github.com/go-glance/glance/domain"
	"github.com/labstack/echo/v4"
)

// healthcheck answers as oslo.middleware's healthcheck does: 200 "OK"
// (204 to HEAD) when healthy, else 503 with the reason as the body.
func (s *Server) healthcheck(c echo.Context) error {
	head := c.Request().Method == http.MethodHead
	if s.cfg.Health != nil {
		if err := s.cfg.Health(c.Request().Context()); err != nil {
			reason := "UNAVAILABLE"
			var de *domain.Error
			if errors.As(err, &de) && de.Message != "" {
				reason = de.Message
			}
			if head {
				return c.NoContent(http.StatusServiceUnavailable)
			}
			return c.Blob(http.StatusServiceUnavailable, "text/plain; charset=UTF-8", []byte(reason))
		}
	}
	if head {
		return c.NoContent(http.StatusNoContent)
	}
	return c.Blob(http.StatusOK, "text/plain; charset=UTF-8", []byte("OK"))
}
