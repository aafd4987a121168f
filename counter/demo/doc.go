// Package demo plays a plausible stream of one-stop-shop events into an
// empty ledger, so that a newcomer running `motcua serve --demo` sees the
// wallboard move within seconds (SPEC.md §8).
//
// The simulator staffs every counter of the configuration: desks open and
// close their shifts (now and then late), citizens arrive through office
// hours as a Poisson stream, dossiers are received with a slip, sent to a
// unit, sometimes sent back for a missing paper, sometimes rescheduled with
// an apology or simply late, now and then bounced between two units or
// complained about, and finally returned at the counter.
//
// Time: the store refuses events ahead of its clock, and a backdated entry
// is itself a breach, so the simulator does not backdate. It drives a
// Clock that the store and the server read instead of time.Now: first a
// few working days of history are played as fast as the store commits
// them, then the clock runs at Speed times real time and jumps over
// nights, weekends and holidays. Every event has at no later than that
// clock and passes the store's acceptance rules like any client's.
//
// # Caveats
//
// After a jump the simulated clock is ahead of the wall clock: events typed
// at the desk page are stamped with the server's (simulated) clock. The
// demo refuses a ledger that holds dossiers (ErrNotEmpty): it never mixes
// invented data with real data.
package demo
