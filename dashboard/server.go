package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/hub"
	"github.com/motcua/motcua/dashboard/limit"
)

// Defaults of the Server's tunables.
const (
	// DefaultBodyLimit is the largest request body accepted (SPEC.md §6.1).
	DefaultBodyLimit = 1 << 20
	// DefaultBodyBytesInFlight caps the request-body bytes held in memory
	// at once, across all requests: 64 bodies of 1 MiB, thousands of the
	// usual few-kilobyte ones.
	DefaultBodyBytesInFlight = 64 << 20
	// DefaultHeaderTimeout bounds the wait for a request's headers, from
	// the connection's opening or the request's first byte.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultBodyTimeout bounds reading a request's body, from the end of
	// its headers: 1 MiB at 35 kB/s.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultIdleTimeout closes keep-alive connections left idle this long.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxConnsPerAddr caps the connections of one client address
	// (an office behind one NAT address holds many browsers).
	DefaultMaxConnsPerAddr = 512
)

// Server is the HTTP surface of motcua: the JSON API of SPEC.md §6. Set its
// exported fields before the first request; they are read on every request.
type Server struct {
	// Ledger stores events and answers queries.
	Ledger counter.Ledger
	// Config is the loaded configuration (agency tree, catalogue, calendar).
	Config *counter.Config
	// Now is the server clock; it defaults to time.Now.
	Now func() time.Time
	// Logger receives request and error logs; it defaults to slog.Default().
	Logger *slog.Logger
	// Ready reports whether the server can serve (GET /readyz); nil means
	// ready when Ledger and Config are set.
	Ready func() error
	// BootstrapToken, when not empty, is accepted as a supervisor of the
	// root agency (MOTCUA_BOOTSTRAP_TOKEN).
	BootstrapToken string
	// Authenticator checks bearer tokens; nil means OpenAuthenticator.
	// serve sets a TokenAuthenticator over the store.
	Authenticator Authenticator
	// Tokens stores the tokens POST /tokens mints and DELETE /tokens
	// revokes; nil answers 503.
	Tokens TokenStore
	// Auditor verifies the hash chain and takes backups; nil answers 503.
	Auditor Auditor
	// AuthLimiter limits failed authentications per client address; nil
	// means no limit.
	AuthLimiter *RateLimiter
	// Observer sees every request, for metrics; nil means none.
	// *metrics.Metrics implements it.
	Observer Observer
	// MetricsHandler serves GET /metrics (SPEC.md §9) without a token;
	// nil answers 404.
	MetricsHandler http.Handler
	// Hub pushes committed changes to wallboards over GET /ws; nil
	// answers 404 there. serve closes it before Shutdown.
	Hub *hub.Hub
	// TrackingKey returns a dossier's tracking key (the store's
	// TrackingKey), checked by the public /tra-cuu page; nil falls back to
	// the key in the stored dossier state.
	TrackingKey func(code string) string
	// Sync keeps the national-sync records POST /sync/dvcqg folds; nil
	// answers 503 there. serve sets the store.
	Sync SyncStore
	// PublicURL is the address citizens reach the status pages at
	// (--public-url, MOTCUA_PUBLIC_URL): slips' QR codes and the dossier
	// state's tracking_url use it. "" uses each request's own address.
	PublicURL string
	// Codes issues dossier codes (POST /dossier-codes); nil uses Ledger
	// when it implements CodeIssuer.
	Codes CodeIssuer
	// Reports reads scorecards and the register; nil uses the Ledger when
	// it can (a *store.Store does), else those routes answer 503.
	Reports Reporter
	// HeadAt names the head of an agency on a day for scorecards; nil
	// uses Config.HeadOf. A lookup by head terms plugs in here.
	HeadAt counter.HeadFunc

	// MaxConns caps the open connections (limit.Listener); 0 means no
	// cap. serve derives it from the descriptor limit (limit.MaxConnsFor).
	MaxConns int
	// MaxConnsPerAddr caps the open connections of one client address;
	// 0 means no cap. NewServer sets DefaultMaxConnsPerAddr.
	MaxConnsPerAddr int
	// BodyLimit is the largest request body (413 above it);
	// BodyBytesInFlight caps all bodies being read or handled at once (429
	// above it; negative means no cap). Zero means the Default constants.
	BodyLimit         int
	BodyBytesInFlight int64
	// HeaderTimeout, BodyTimeout and IdleTimeout bound the waits on a
	// client (see the Default constants); NewServer sets the defaults and
	// Serve reads them once.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	IdleTimeout   time.Duration

	board boardCache

	app    *fiber.App
	syncMu syncLocks

	applyOnce  sync.Once
	budgetOnce sync.Once
	budget     *limit.Budget

	mu           sync.Mutex
	lns          []net.Listener
	down         bool // Shutdown was called
	budgetWarned time.Time
}

// NewServer returns a Server over ledger and cfg, with its routes registered.
func NewServer(ledger counter.Ledger, cfg *counter.Config) *Server {
	s := &Server{Ledger: ledger, Config: cfg, Now: time.Now, Logger: slog.Default(),
		AuthLimiter:     NewRateLimiter(DefaultAuthFailures, DefaultAuthWindow),
		MaxConnsPerAddr: DefaultMaxConnsPerAddr,
		HeaderTimeout:   DefaultHeaderTimeout, BodyTimeout: DefaultBodyTimeout, IdleTimeout: DefaultIdleTimeout}
	s.app = fiber.New(fiber.Config{
		AppName: "motcua",
		// Bodies are streamed and read only after authentication (readBody);
		// fasthttp reads at most 8 KiB of one before a handler runs.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    DefaultBodyLimit,
		ReadTimeout:                  DefaultHeaderTimeout,
		IdleTimeout:                  DefaultIdleTimeout,
		DisableStartupMessage:        true,
		ErrorHandler:                 s.handleError,
	})
	s.app.Use(s.trackConn)
	s.app.Use(s.logRequests)
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	s.app.Use(SecurityHeaders(false))

	s.app.Get("/metrics", s.handleMetrics)
	s.app.Get("/api/v1/healthz", s.handleHealthz)
	s.app.Get("/api/v1/readyz", s.handleReadyz)

	api := s.app.Group("/api/v1", s.authenticate, s.readBody)
	s.registerEventRoutes(api)
	s.registerSyncRoutes(api)
	s.registerDossierRoutes(api)
	s.registerViolationRoutes(api)
	s.registerRollupRoutes(api)
	s.registerScorecardRoutes(api)
	s.registerConfigRoutes(api)
	s.registerTokenRoutes(api)
	s.registerAuditRoutes(api)
	s.registerAlertRoutes(api)
	s.registerDeskRoutes(api)
	s.registerWSRoutes()
	s.registerPageRoutes()
	return s
}

// Observer receives what the HTTP layer sees. Implementations must be safe
// for concurrent use and must not block.
type Observer interface {
	// ObserveHTTP records one request: route is the route template
	// ("/api/v1/dossiers/:code"), or "other" when only a middleware
	// answered (an unknown route, a missing token); never the raw path.
	ObserveHTTP(route, method string, code int, d time.Duration)
}

// App returns the fiber application, for tests (app.Test) and for adding
// routes before serving.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve serves on ln until Shutdown; it returns nil after a Shutdown, even
// one that came first. It wraps ln in a limit.Listener with MaxConns and
// MaxConnsPerAddr.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.applyOnce.Do(s.applyLimits)
	lim := limit.NewListener(ln, s.MaxConns, s.MaxConnsPerAddr)
	lim.Logger = s.logger()
	s.lns = append(s.lns, lim)
	s.mu.Unlock()
	if err := s.app.Listener(lim); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests to
// finish, or for ctx to be done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.down = true
	lns := s.lns
	s.mu.Unlock()
	err := s.app.ShutdownWithContext(ctx)
	// fasthttp only stops listeners its Serve has already registered; a
	// Serve goroutine not yet that far would otherwise serve on forever.
	for _, ln := range lns {
		ln.Close()
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// logRequests logs one line per request, after the error handler has set
// the final status. It logs neither bodies nor query strings: they may hold
// personal data.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	if route == "/" || route == "/api/v1" {
		// Only a middleware answered (an unknown route, a missing token);
		// the raw path must not become a label.
		route = "other"
	}
	// c.Method() is a view of fiber's reused buffer; observers keep label
	// values.
	method := strings.Clone(c.Method())
	if s.Observer != nil {
		s.Observer.ObserveHTTP(route, method, status, time.Since(start))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.logger().LogAttrs(c.UserContext(), level, "request",
		slog.String("method", method),
		slog.String("route", route),
		slog.String("path", c.Path()),
		slog.Int("status", status),
		slog.Int("bytes", responseSize(c)),
		slog.Duration("duration", time.Since(start)),
	)
	return nil
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.logger().Error("panic in handler", "method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(e))
}

// handleMetrics answers GET /metrics with MetricsHandler.
func (s *Server) handleMetrics(c *fiber.Ctx) error {
	if s.MetricsHandler == nil {
		return newError(counter.CodeNotFound)
	}
	return adaptor.HTTPHandler(s.MetricsHandler)(c)
}

// handleHealthz answers GET /api/v1/healthz: the process is alive.
func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// handleReadyz answers GET /api/v1/readyz: the store is open and the
// configuration loaded.
func (s *Server) handleReadyz(c *fiber.Ctx) error {
	var err error
	switch {
	case s.Ready != nil:
		err = s.Ready()
	case s.Ledger == nil || s.Config == nil:
		err = errors.New("ledger or config not set")
	}
	if err != nil {
		s.logger().Warn("not ready", "err", err)
		return newError(counter.CodeUnavailable)
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// responseSize is the length of the answer's body without reading a
// streamed one (a backup) into memory.
func responseSize(c *fiber.Ctx) int {
	if c.Response().IsBodyStream() {
		return c.Response().Header.ContentLength()
	}
	return len(c.Response().Body())
}
