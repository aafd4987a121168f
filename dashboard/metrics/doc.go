// Package metrics exports motcua's Prometheus metrics (SPEC.md §9) on a
// private registry.
//
// Two sources feed it:
//
//   - the store, read at scrape time by a Collector (STYLE.md §8). Its
//     stats bucket (counter/store/stats.go) is written in the same
//     transaction as what it counts, so every writer counts (the API, the
//     demo, the deadline sweeper, import, a cluster node applying the
//     log), the numbers survive restarts and `replay` rebuilds them:
//     events by type, finishes by holder and outcome, violations raised
//     and standing, the oldest open overdue per agency. Beside it: open
//     dossiers by holder and clock state (Store.OpenCounts, kept current
//     by the sweep), dossiers received per receiving agency (the all-time
//     roll-up, minus the children's share), desks staffed, the sweep's lag
//     and failures, and the agency tree itself (motcua_agency_info);
//   - the process: ObserveHTTP, SetWallboardClients, and the store's
//     OnCommit hook through ObserveCommit.
//
// No label carries a dossier code, a citizen or an official: only agency
// ids, clock states, violation codes, severities, event types and HTTP
// route templates, all bounded by the configuration.
//
// # Series from the first scrape
//
// Once Attach has run, every series of §9 is on the first scrape, at 0
// for these known label sets (a few hundred series on the shipped city):
//
//   - motcua_events_total: every event type;
//   - motcua_dossiers_received_total, motcua_dossiers_finished_total (both
//     outcomes) and motcua_dossiers_open (every unfinished clock state):
//     every counter agency, where dossiers are received and returned;
//   - motcua_violations_total (every code × every severity) and
//     motcua_violations_open (every code): the root agency only. Every
//     agency × code × severity would be thousands of series, almost all
//     forever 0; the root's are true zeros (nobody charges the city as a
//     whole) and make absent() and the label values known;
//   - motcua_desks_staffed: every counter with desks;
//   - motcua_http_request_duration_seconds: GET /metrics 200, the request
//     every scrape is;
//   - the unlabelled series (wallboard clients, commit durations, sweep
//     lag and failures).
//
// Other label sets appear when the store first counts them and stay from
// then on, at 0 if need be: the store keeps a standing count at 0 rather
// than deleting it, and motcua_dossiers_open remembers, per process, every
// pair it reported.
//
// # Semantics
//
// Counters never go down. motcua_violations_total counts each violation
// once, when first raised, under the agency, code and severity it was
// raised with, and keeps counting it whatever becomes of it: resolved,
// dismissed, or withdrawn because a late event showed it unfounded
// (SPEC.md §10.1). motcua_violations_open counts the standing ones (open,
// or a provisional complaint): a withdrawn verdict leaves it at once.
// motcua_dossiers_finished_total counts a received dossier once, when a
// judgement first finds it finished, under the holder and outcome of that
// judgement; a late event that corrects its finish moves the roll-up
// (GET /rollup, scorecards) but not this counter, which would otherwise
// go down. motcua_deadline_sweep_failures_total counts since the store
// opened and restarts from 0 with the process.
package metrics
