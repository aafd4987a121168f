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
//	Writing   the handler is done and its answer is being sent
//	Hijacked  a websocket
//
// Waiting, Reading and Writing connections wait on their client: an idle
// flood, a slowloris header, a trickled body, a client that does not read
// its answer. When a new connection would break
// a cap, one of them is closed to make room: for the per-address cap, the
// oldest of that address; for the total cap, the oldest of the address
// with the most connections waiting. A connection that only a Handling or
// Hijacked one could make room for is refused (a 429 written without
// waiting, then closed). So a flood from a few addresses costs its sender
// its own connections, however fast it reconnects, and a client that
// sends its request at once gets through.
//
// Conn.LingerOnClose asks Close to half-close, then read and discard what
// the client is still sending for a moment, before closing: a client
// that is still writing a body the server refused reads the answer (413,
// 401) instead of a TCP reset.
//
// # Caveats
//
// Under a flood at the cap, an honest client's slow upload or idle
// keep-alive connection may be closed; clients retry on a fresh
// connection. A flood from as many addresses as the cap allows
// connections shares the room evenly with honest clients, and those may
// have to retry. IPv6 clients are counted per /64, since anyone holding
// one can use a whole /64.
package limit
