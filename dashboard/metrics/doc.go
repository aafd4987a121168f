// Package metrics exports motcua's Prometheus metrics (SPEC.md §9) on a
// private registry.
//
// Three sources feed it:
//
//   - the store, read at scrape time by a Collector (STYLE.md §8): open
//     dossiers by holder and clock state (Store.OpenCounts, kept current by
//     the deadline sweep), dossiers received per receiving agency (the
//     all-time roll-up, minus the children's share), desks staffed, the
//     sweep lag, and the agency tree itself (motcua_agency_info);
//   - the store's commits, through Publish (a counter.Publisher): every
//     violation is counted once, the first time it is seen, and its status
//     moves the open gauge. Attach seeds that state from the stored
//     violations, so motcua_violations_total and motcua_violations_open
//     survive restarts;
//   - the HTTP layer, through ObserveRecorded (events by type, dossiers
//     finished by outcome), ObserveHTTP and SetWallboardClients, and the
//     store's OnCommit hook through ObserveCommit.
//
// No label carries a dossier code, a citizen or an official: only agency
// ids, clock states, violation codes, severities, event types and HTTP
// route templates, all bounded by the configuration.
//
// # Caveats
//
// motcua_events_total and motcua_dossiers_finished_total are counted in
// process and start from zero after a restart, as Prometheus counters may
// (rate and increase handle the reset). A dossier counts as finished when
// a recorded batch holds a finishing event dated at its finished_at; a
// `returned` recorded in a later request at exactly the instant of an
// earlier `result_ready` would count it twice.
//
// Violations are tracked by id in memory (a few tens of bytes each) so
// that a status change is never mistaken for a new breach.
//
// The store publishes after each commit from two goroutines (the writer
// and the sweeper), so two publishes may arrive in the opposite order of
// their commits; a violation's status could then briefly lag until its
// next change.
package metrics
