package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// ContentSecurityPolicy is the CSP of every answer: no inline script, no
// framing. KioskContentSecurityPolicy lets the kiosk wallboard be framed
// by a signage page.
const (
	ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	KioskContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors *"
)

// SecurityHeaders returns middleware that sets the security headers of
// pages and API answers: the CSP, nosniff, no referrer (a kiosk URL
// carries its token in the query, which must not leak to other sites),
// and no framing. With kiosk true the answer may be framed: use it on the
// kiosk wallboard route only. The server applies SecurityHeaders(false) to
// everything; a route that adds SecurityHeaders(true) overrides it.
func SecurityHeaders(kiosk bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		if kiosk {
			c.Set(fiber.HeaderContentSecurityPolicy, KioskContentSecurityPolicy)
			c.Response().Header.Del(fiber.HeaderXFrameOptions)
		} else {
			c.Set(fiber.HeaderContentSecurityPolicy, ContentSecurityPolicy)
			c.Set(fiber.HeaderXFrameOptions, "DENY")
		}
		return c.Next()
	}
}

// SameOrigin reports whether a browser request (a websocket upgrade) comes
// from a page of this server: its Origin header, if any, names the same
// host as the request. Requests without Origin come from non-browser
// clients, which a token authenticates anyway.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// Defaults of the failed-authentication limiter.
const (
	// DefaultAuthFailures is how many failed authentications a client
	// address may make in DefaultAuthWindow before it gets 429.
	DefaultAuthFailures = 10
	DefaultAuthWindow   = time.Minute
	// maxLimited bounds the addresses tracked; the oldest entries are
	// dropped first, once refilled.
	maxLimited = 10000
)

// RateLimiter is a token bucket per client address over failed
// authentications: each failure takes a token, Burst tokens refill over
// Window. It is safe for concurrent use.
type RateLimiter struct {
	Burst  int
	Window time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a limiter allowing burst failures per window.
func NewRateLimiter(burst int, window time.Duration) *RateLimiter {
	return &RateLimiter{Burst: burst, Window: window, buckets: map[string]*bucket{}}
}

// refill brings b up to now and returns it; callers hold l.mu.
func (l *RateLimiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens += float64(l.Burst) * d.Seconds() / l.Window.Seconds()
		if b.tokens > float64(l.Burst) {
			b.tokens = float64(l.Burst)
		}
		b.last = now
	}
}

// Blocked returns how long addr must wait before it may try again; 0 when
// it may try now.
func (l *RateLimiter) Blocked(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		return 0
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(l.Window) / float64(l.Burst))
}

// Fail records one failed authentication from addr.
func (l *RateLimiter) Fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxLimited {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.Burst), last: now}
		l.buckets[addr] = b
	}
	l.refill(b, now)
	b.tokens--
	if b.tokens < 0 {
		b.tokens = 0
	}
}

// prune drops the buckets that have refilled; if none has, it drops them
// all rather than grow without bound. Callers hold l.mu.
func (l *RateLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.Burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxLimited {
		clear(l.buckets)
	}
}
