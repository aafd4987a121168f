// Package dashboard is the HTTP surface of motcua: the JSON API of SPEC.md
// §6 on fiber.
//
// A Server holds a counter.Ledger and the loaded counter.Config. Handlers
// return errors; the one error handler (error.go) turns each error code into
// its HTTP status and the body
//
//	{"error": {"code": "...", "message": "...", "message_vi": "...", "field": "..."}}
//
// including fiber's own errors (unknown route, wrong method, headers too
// large). Every /api/v1 route but healthz and readyz goes through one
// authentication middleware (auth.go): a token from "Authorization: Bearer"
// or ?access_token=, checked against the stored SHA-256 hashes
// (TokenAuthenticator), failures limited per client address (429). Each
// handler then checks role and scope (scope.go): a token sees and writes
// only its agency's subtree; lists take ?agency= through scopedAgency
// (403 outside, the token's agency by default); a dossier outside the scope
// is answered 404 exactly like a missing one. SecurityHeaders sets the CSP
// (no inline script, no framing but on the kiosk view) on every answer.
// An Observer (the metrics package) sees each request by route template;
// what was stored it reads from the store. GET /metrics serves
// MetricsHandler.
//
// # Caveats
//
// fiber reuses the buffers behind c.Params, c.Query and c.Body after a
// handler returns; anything that outlives the handler is copied first
// (strings.Clone, encoding/json copies what it decodes).
//
// A nil Server.Authenticator means OpenAuthenticator, which accepts any
// non-empty token as an integration of the root: for tests only; serve
// always sets a TokenAuthenticator. Tokens are plain SHA-256 hashes, safe
// for the 256-bit random tokens NewToken makes but not for a weak
// operator-chosen MOTCUA_BOOTSTRAP_TOKEN if a backup leaks.
//
// Request bodies are streamed (fiber's StreamRequestBody): fasthttp reads
// at most 8 KiB of one before the handlers run, and the readBody
// middleware of /api/v1 reads the rest only after the token is checked,
// up to BodyLimit (413) and within a budget of body bytes in flight across
// requests (429). A route outside /api/v1 that calls c.Body() would read
// a body without those limits: put it behind readBody. Connections go
// through a limit.Listener (caps, shedding, lingering close, so that a
// client still sending a refused body reads the 413 or 401 rather than a
// reset); fasthttp's ConnState tells it which connections wait on their
// client.
package dashboard
