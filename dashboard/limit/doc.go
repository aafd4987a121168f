// Package limit keeps the HTTP server standing under hostile networks: a
// listener that caps connections in total and per client address, sheds
// the connections that are only waiting on their client when a cap is
// reached, survives accept errors ("too many open files") with back-off,
// and closes connections gracefully; a budget of request-body bytes in
// flight; and the descriptor limit it is all derived from.
//
// A connection is in one of four states, set by the HTTP server
// (dashboard maps fasthttp's ConnState onto them):
//
//	Waiting   no request in progress: just accepted, or keep-alive idle
//	Reading   a request is arriving (headers, or its body) and no handler runs
//	Handling  a handler runs: the server, not the client, holds it up
//	Hijacked  a websocket
//
// Waiting and Reading connections wait on their client: an idle flood, a
// slowloris header or a trickled body. They sit in a queue, oldest first;
// when a new connection would break a cap, the oldest of them (of the same
// address, for the per-address cap) is closed to make room. A connection
// that only a Handling or Hijacked one could make room for is refused.
// So a flood costs its sender its own oldest connections, and a client
// that sends its request promptly gets through.
//
// Conn.LingerOnClose asks Close to half-close, then read and discard what
// the client is still sending for a moment, before closing: a client
// that is still writing a body the server refused reads the answer (413,
// 401) instead of a TCP reset.
//
// # Caveats
//
// Under a flood at the cap, the oldest waiting connection goes first, and
// that may be an honest client's slow upload or an idle keep-alive
// connection; clients retry on a fresh connection. IPv6 clients are
// counted per /64, since anyone holding one can use a whole /64.
package limit
