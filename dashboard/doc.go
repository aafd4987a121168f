// Package dashboard is the HTTP surface of motcua: the JSON API of SPEC.md
// §6 on fiber.
//
// A Server holds a counter.Ledger and the loaded counter.Config. Handlers
// return errors; the one error handler (error.go) turns each error code into
// its HTTP status and the body
//
//	{"error": {"code": "...", "message": "...", "message_vi": "...", "field": "..."}}
//
// including fiber's own errors (unknown route, wrong method, body over
// 1 MiB). Every /api/v1 route but healthz and readyz goes through one
// authentication middleware, the seam where token scopes will be checked.
// An Observer (the metrics package) sees each request by route template and
// each stored batch; GET /metrics serves MetricsHandler.
//
// # Caveats
//
// fiber reuses the buffers behind c.Params, c.Query and c.Body after a
// handler returns; anything that outlives the handler is copied first
// (strings.Clone, encoding/json copies what it decodes).
//
// Until tokens are stored, OpenAuthenticator accepts any non-empty token.
//
// fasthttp refuses a body over the limit as soon as it reads the
// Content-Length, answering 413 and closing the connection; a client still
// writing the body may see a reset instead of the answer.
package dashboard
