package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// Auth modes, as Glance's paste flavors select them.
const (
	AuthNone     = "noauth"
	AuthTrusted  = "trusted-auth"
	AuthKeystone = "keystone"
)

// Tokens validates Keystone tokens for AuthKeystone (gateway/keystone
// implements it).
type Tokens interface {
	// Validate returns the caller userToken (X-Auth-Token) belongs to,
	// with the roles of a valid serviceToken (X-Service-Token, "" when
	// none) as its ServiceRoles. The caller may be shared between
	// requests: it is copied before Admin and RequestID are set. A
	// *domain.Error of KindUnauthorized refuses the token; any other
	// error (KindUnavailable: Keystone cannot say) fails the request.
	Validate(ctx context.Context, userToken, serviceToken string) (*domain.Caller, error)
}

// Config is what the gateway needs to know of the deployment.
type Config struct {
	// Auth is AuthNone, AuthTrusted or AuthKeystone.
	Auth string
	// Tokens validates tokens under AuthKeystone.
	Tokens Tokens
	// AuthenticateURI is the Keystone endpoint a 401 names in its
	// WWW-Authenticate header under AuthKeystone, as keystonemiddleware
	// adds it (www_authenticate_uri).
	AuthenticateURI       string
	AllowAnonymous        bool
	MaxRequestIDLength    int
	PublicEndpoint        string
	ImportMethods         []string
	ShowDirectURL         bool
	ShowMultipleLocations bool
	// DirectURL, when set, is the direct_url shown for a location (a
	// store may give clients a URL of its own); nil shows its URL.
	DirectURL func(domain.Location) string
	// CacheEnabled advertises the cache API versions (2.14, 2.16); set it
	// only once the cache API is served.
	CacheEnabled bool
	// MultiStore is set when enabled_backends names the stores.
	MultiStore bool
	Stores     []StoreInfo
	Schemas    *schemas.Set
	Logger     *slog.Logger
	// Authorize checks a policy rule that has no target, such as
	// stores_info_detail; nil refuses every caller.
	Authorize func(ctx context.Context, rule string) error
	// IsAdmin decides an authenticated caller's is_admin, as Glance
	// checks its context_is_admin rule; nil: holds the admin role.
	IsAdmin func(*domain.Caller) bool
	// Health, when set, fails /healthcheck with 503 while it returns an
	// error; the error's client message is the reason shown. It runs on
	// every health check, so it must be cheap.
	Health func(context.Context) error
	// Quotas, when set, are checked against the counts of a body before
	// its items are decoded.
	Quotas *Quotas
	// Usage reports the caller's project's usage against its unified
	// limits for /v2/info/usage; nil, or a nil report, shows none.
	Usage func(ctx context.Context) ([]domain.ResourceUsage, error)
	// MaxHeaderLine is [DEFAULT] max_header_line; 0: no limit.
	MaxHeaderLine int
	// ClientSocketTimeout cuts off an upload or download that moves no
	// data for this long (client_socket_timeout); 0 is no limit.
	ClientSocketTimeout time.Duration
}

// StoreInfo describes one backend for /v2/info/stores.
type StoreInfo struct {
	ID          string
	Type        string
	Description string
	Default     bool
	ReadOnly    bool
	Properties  schemas.Object
}

// Server serves the Image API v2.
type Server struct {
	cfg     Config
	images  domain.ImageService
	members domain.MemberService
	echo    *echo.Echo
	log     *slog.Logger
	// unauthorized is the 401 for a missing or refused identity.
	unauthorized *httpError
}

// New returns the API server over the given services.
func New(cfg Config, images domain.ImageService, members domain.MemberService) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxRequestIDLength <= 0 {
		cfg.MaxRequestIDLength = 64
	}
	// Advertise only the enabled import methods that are served.
	cfg.ImportMethods, _ = ImportMethods(cfg.ImportMethods)
	if cfg.Authorize == nil {
		cfg.Authorize = func(_ context.Context, rule string) error {
			return domain.Errorf(domain.KindForbidden, "You are not authorized to complete %s action.", rule)
		}
	}
	if cfg.Auth == AuthKeystone && cfg.Tokens == nil {
		panic("gateway: AuthKeystone needs Config.Tokens")
	}
	if cfg.IsAdmin == nil {
		cfg.IsAdmin = func(c *domain.Caller) bool { return c.HasRole("admin") }
	}
	s := &Server{cfg: cfg, images: images, members: members, log: cfg.Logger, unauthorized: newHTTPError(http.StatusUnauthorized, explanations[401])}
	if cfg.Auth == AuthKeystone {
		s.unauthorized.header = http.Header{"Www-Authenticate": {`Keystone uri="` + cfg.AuthenticateURI + `"`}}
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Pre(s.negotiateVersion)
	e.Use(s.requestID, s.accessLog, s.recoverPanic, s.authenticate)
	s.echo = e
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.refuseHeaders(w, r) {
		return
	}
	s.echo.ServeHTTP(w, r)
}

// handleError is echo's error handler: every error leaves through here.
func (s *Server) handleError(err error, c echo.Context) {
	he := toHTTPError(err)
	if he.code == http.StatusNotFound && isNotFoundRoute(err) && !standardMethod(c.Request().Method) {
		he = newHTTPError(http.StatusNotImplemented, explanations[501])
	}
	if he.code >= 500 {
		msg := err.Error()
		if msg == "" {
			msg = he.explanation
		}
		// A backend that is down or busy is an operator's fault to fix,
		// reported once where it is found; each refused request is a
		// warning, not another alert.
		if he.code == http.StatusServiceUnavailable {
			s.log.WarnContext(c.Request().Context(), "Request refused: "+msg)
		} else {
			s.log.ErrorContext(c.Request().Context(), "Request failed: "+msg)
		}
	}
	writeError(c, he)
}

func isNotFoundRoute(err error) bool {
	ee, ok := err.(*echo.HTTPError)
	return ok && ee.Code == http.StatusNotFound
}

func standardMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}

// requestID adopts the client's X-Openstack-Request-Id or makes one, and
// returns it on every response.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get("X-Openstack-Request-Id")
		if len(id) > s.cfg.MaxRequestIDLength {
			return newHTTPError(http.StatusRequestHeaderFieldsTooLarge, explanations[431])
		}
		if id == "" {
			id = "req-" + uuid.NewString()
		} else if !strings.HasPrefix(id, "req-") {
			id = "req-" + id
		}
		c.Response().Header().Set("X-Openstack-Request-Id", id)
		c.Set("request_id", id)
		return next(c)
	}
}

// recoverPanic turns a panic into a logged 500: no panic reaches a client
// as a dropped connection.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.ErrorContext(c.Request().Context(), "Panic serving request", "panic", r, "stack", string(debug.Stack()))
				err = domain.Errorf(domain.KindInternal, "")
			}
		}()
		return next(c)
	}
}

// accessLog writes one line per request, as Glance's WSGI server does.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r, resp := c.Request(), c.Response()
		status := any(resp.Status)
		if c.Get(droppedKey) != nil {
			status = "-" // closed without a response
		}
		s.log.InfoContext(r.Context(), r.RemoteAddr+" \""+r.Method+" "+r.RequestURI+" "+r.Proto+"\"",
			"status", status, "len", resp.Size, "time", time.Since(start).Seconds())
		return nil
	}
}

// authenticate builds the request's Caller from the configured auth mode.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		caller, err := s.caller(r)
		if err != nil {
			return err
		}
		caller.RequestID, _ = c.Get("request_id").(string)
		c.SetRequest(r.WithContext(domain.WithCaller(r.Context(), caller)))
		return next(c)
	}
}

func (s *Server) caller(r *http.Request) (*domain.Caller, error) {
	switch s.cfg.Auth {
	case AuthKeystone:
		return s.tokenCaller(r)
	case AuthTrusted:
	default:
		// Glance's unauthenticated context: an admin with no user or project.
		return &domain.Caller{Admin: true}, nil
	}
	h := r.Header
	if h.Get("X-Identity-Status") != "Confirmed" {
		return s.unauthenticated()
	}
	c := CallerFromHeaders(h)
	c.Admin = s.cfg.IsAdmin(c)
	return c, nil
}

// tokenCaller is the caller of a Keystone token. Glance runs
// keystonemiddleware with delay_auth_decision, so a missing or refused
// token is decided as Glance's context decides an unconfirmed identity.
func (s *Server) tokenCaller(r *http.Request) (*domain.Caller, error) {
	h := r.Header
	token := h.Get("X-Auth-Token")
	if token == "" {
		token = h.Get("X-Storage-Token") // keystonemiddleware's older name
	}
	if strings.TrimSpace(token) == "" {
		return s.unauthenticated()
	}
	shared, err := s.cfg.Tokens.Validate(r.Context(), token, h.Get("X-Service-Token"))
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Kind == domain.KindUnauthorized {
			return s.unauthenticated()
		}
		return nil, err
	}
	c := *shared
	c.Admin = s.cfg.IsAdmin(&c)
	return &c, nil
}

// unauthenticated is a read-only anonymous caller where
// allow_anonymous_access allows one, else a 401.
func (s *Server) unauthenticated() (*domain.Caller, error) {
	if !s.cfg.AllowAnonymous {
		return nil, s.unauthorized
	}
	return &domain.Caller{ReadOnly: true}, nil
}

// CallerFromHeaders reads the identity headers keystonemiddleware sets
// for a confirmed token (X-User-Id, X-Project-Id, X-Roles,
// OpenStack-System-Scope, ...), with the older names Glance still reads
// (X-User, X-Tenant-Id). Admin is left for policy to decide.
func CallerFromHeaders(h http.Header) *domain.Caller {
	c := &domain.Caller{
		UserID:          h.Get("X-User-Id"),
		UserName:        h.Get("X-User-Name"),
		UserDomainID:    h.Get("X-User-Domain-Id"),
		ProjectID:       h.Get("X-Project-Id"),
		ProjectName:     h.Get("X-Project-Name"),
		ProjectDomainID: h.Get("X-Project-Domain-Id"),
		DomainID:        h.Get("X-Domain-Id"),
		SystemScope:     h.Get("Openstack-System-Scope"),
		Roles:           splitRoles(h.Get("X-Roles")),
		ServiceRoles:    splitRoles(h.Get("X-Service-Roles")),
	}
	if c.UserID == "" {
		c.UserID = h.Get("X-User")
	}
	if c.ProjectID == "" {
		c.ProjectID = h.Get("X-Tenant-Id")
	}
	return c
}

// splitRoles lower-cases a comma-separated role list, as Glance's context
// middleware does before policy sees it.
func splitRoles(list string) []string {
	var roles []string
	for _, role := range strings.Split(list, ",") {
		if role = strings.ToLower(strings.TrimSpace(role)); role != "" {
			roles = append(roles, role)
		}
	}
	return roles
}

// ctx is the request context carrying the caller.
func ctx(c echo.Context) context.Context { return c.Request().Context() }
