// Package hub fans the store's committed changes out to live wallboards
// over websockets (SPEC.md §7).
//
// Each client is scoped to an agency subtree and receives only what lies
// in it: a violation by the agency charged, a dossier by its receiving
// agency or its holder, a roll-up node by its agency, an alert by its
// "agency" label. The store calls Publish after each commit returns, so a
// failed commit never reaches a board.
//
// Every connection has one writer goroutine fed by a bounded channel and
// one reader goroutine that handles pongs and notices dead peers. Publish
// never waits: a client whose buffer is full is dropped (it reconnects and
// reloads), so one stalled television cannot slow the others or the API.
//
// # Caveats
//
// fiber's Shutdown does not close hijacked connections: call Close before
// shutting the HTTP server down. A dropped client misses messages until it
// reconnects; the pages reload their initial state over HTTP on every
// (re)connection.
package hub
