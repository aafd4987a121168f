package dashboard

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/limit"
)

// applyLimits puts the Server's timeouts on fasthttp and hooks the
// connection states onto limit.Conn; Serve runs it once.
//
// fasthttp's ReadTimeout runs from a connection's opening (first request)
// or a request's first byte (later ones) until its headers are read: it is
// the header timeout. HeaderReceived then gives the body BodyTimeout.
func (s *Server) applyLimits() {
	srv := s.app.Server()
	srv.ReadTimeout = s.HeaderTimeout
	srv.IdleTimeout = s.IdleTimeout
	body := s.BodyTimeout
	srv.HeaderReceived = func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
		return fasthttp.RequestConfig{ReadTimeout: body}
	}
	srv.ConnState = func(nc net.Conn, st fasthttp.ConnState) {
		c, ok := nc.(*limit.Conn)
		if !ok {
			return
		}
		switch st {
		case fasthttp.StateNew, fasthttp.StateIdle:
			c.SetState(limit.StateWaiting)
		case fasthttp.StateActive:
			c.SetState(limit.StateReading)
		case fasthttp.StateHijacked:
			c.SetState(limit.StateHijacked)
		}
	}
}

// connOf returns the limit.Conn a request came on; nil under app.Test.
func connOf(c *fiber.Ctx) *limit.Conn {
	lc, _ := c.Context().Conn().(*limit.Conn)
	return lc
}

// trackConn is the first middleware: while a handler runs, its connection
// is not shed for waiting on its client; once it returns, it may be. A request whose body no one read
// (refused before it was read: 401, 403, 404) makes the connection linger
// on close, so that a client still sending it reads the answer rather than
// a reset; fasthttp closes the connection when more than 256 KiB are left.
func (s *Server) trackConn(c *fiber.Ctx) error {
	lc := connOf(c)
	if lc == nil {
		return c.Next()
	}
	lc.SetState(limit.StateHandling)
	err := c.Next()
	if req := c.Request(); req.IsBodyStream() && req.Header.ContentLength() != 0 {
		lc.LingerOnClose()
	}
	// What is left (sending the answer, draining an unread body) waits on
	// the client.
	lc.SetState(limit.StateWriting)
	return err
}

// readBody is the middleware, after authentication, that reads a request's
// body into memory: at most BodyLimit bytes, taking them from the budget
// of body bytes in flight first, so that no body is held before its
// token is checked and all bodies together stay bounded. Handlers then
// read c.Body() as usual. The server streams request bodies
// (fiber's StreamRequestBody); a route that needs a body must sit behind
// this middleware, as every /api/v1 route does.
func (s *Server) readBody(c *fiber.Ctx) error {
	req := c.Request()
	if !req.IsBodyStream() {
		return c.Next()
	}
	n := req.Header.ContentLength() // -1: chunked
	if n == 0 || n == -2 {
		req.SetBodyRaw(nil)
		return c.Next()
	}
	if enc := strings.TrimSpace(string(req.Header.Peek(fiber.HeaderContentEncoding))); enc != "" &&
		!strings.EqualFold(enc, "identity") {
		// fiber would inflate it without bound.
		return s.refuseBody(c, counter.Errorf(CodeUnsupportedEncoding, "",
			"Content-Encoding %q is not accepted: send the body uncompressed",
			"không nhận Content-Encoding %q: hãy gửi nội dung không nén", enc))
	}
	max := s.BodyLimit
	if max <= 0 {
		max = DefaultBodyLimit
	}
	if n > max {
		return s.refuseBody(c, errBodyTooLarge(max))
	}
	take := int64(max)
	if n > 0 {
		take = int64(n)
	}
	budget := s.bodyBudget()
	if !budget.TryAcquire(take) {
		c.Set(fiber.HeaderRetryAfter, "1")
		s.warnBudget(budget)
		return s.refuseBody(c, counter.Errorf(counter.CodeTooManyRequests, "",
			"the server is reading too many request bodies at once; retry in a second",
			"máy chủ đang nhận quá nhiều yêu cầu cùng lúc; vui lòng thử lại sau một giây"))
	}
	defer budget.Release(take)
	lc := connOf(c)
	if lc != nil {
		lc.SetState(limit.StateReading)
	}
	var body []byte
	var err error
	if n > 0 {
		// Exactly what the budget granted; a chunked body grows as it comes.
		body = make([]byte, n)
		_, err = io.ReadFull(req.BodyStream(), body)
	} else {
		body, err = io.ReadAll(io.LimitReader(req.BodyStream(), int64(max)+1))
	}
	if lc != nil {
		lc.SetState(limit.StateHandling)
	}
	switch {
	case len(body) > max:
		return s.refuseBody(c, errBodyTooLarge(max))
	case isTimeout(err):
		return s.refuseBody(c, counter.Errorf(CodeRequestTimeout, "",
			"the request body did not arrive in time", "nội dung yêu cầu không đến kịp thời hạn"))
	case err != nil:
		return s.refuseBody(c, counter.Errorf(CodeBadRequest, "",
			"the request body ended early", "nội dung yêu cầu bị cắt ngang"))
	}
	req.SetBodyRaw(body)
	return c.Next()
}

func errBodyTooLarge(max int) *counter.Error {
	return counter.Errorf(counter.CodeBodyTooLarge, "", "request body larger than %s",
		"nội dung yêu cầu vượt quá %s", byteSize(max))
}

// byteSize writes n as "1 MiB", "512 KiB" or "100 bytes".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// refuseBody answers err for a request whose body is left unread: the
// connection closes after the answer, lingering so that the client reads
// it.
func (s *Server) refuseBody(c *fiber.Ctx, err error) error {
	c.Context().SetConnectionClose()
	if lc := connOf(c); lc != nil {
		lc.LingerOnClose()
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func (s *Server) bodyBudget() *limit.Budget {
	s.budgetOnce.Do(func() {
		n := s.BodyBytesInFlight
		if n == 0 {
			n = DefaultBodyBytesInFlight
		}
		s.budget = limit.NewBudget(n)
	})
	return s.budget
}

// budgetWarnEvery spaces the warnings about the body budget.
const budgetWarnEvery = 10 * time.Second

func (s *Server) warnBudget(b *limit.Budget) {
	now := s.now()
	s.mu.Lock()
	due := now.Sub(s.budgetWarned) >= budgetWarnEvery
	if due {
		s.budgetWarned = now
	}
	s.mu.Unlock()
	if due {
		s.logger().Warn("request body budget exhausted: answering 429", "in_flight_bytes", b.Used(),
			"max_bytes", b.Max())
	}
}
