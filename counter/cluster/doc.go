// Package cluster runs motcua on several machines (SPEC.md §10.5) on NATS
// JetStream: a replicated stream is the system of record and every node
// folds it into its own bbolt view with the code a single node records
// with (store.ApplyLog). There is no consensus protocol here: ordering,
// replication and leadership are JetStream's.
//
// # The log
//
// One stream (3 replicas) carries two kinds of entry:
//
//   - a Record call: the events of one POST (id numbers already hashed),
//     the writer's scope, and the clock of the node that took the call;
//   - a sweep: "judge what is due by T", proposed by the node that leads
//     the stream when its view's due index says so.
//
// Calls are deduplicated by Nats-Msg-Id (a hash of the call), sweeps by
// the due instant that asked for them, so a retry or two proposers add
// nothing. Every node applies the stream in order, so a call is judged the
// same everywhere: two nodes racing cannot both accept conflicting events,
// and a refused call is refused on every node with the same 4xx. Nodes at
// the same log position hold equal views (store.CompareViews).
//
// # A write
//
// The node that received the HTTP write publishes the call, waits for
// JetStream's acknowledgement (stored on a quorum), then for its own view
// to apply that entry, and answers the apply's outcome.
//
// # State outside the log
//
// Tokens (by hash), their revocations, the daily dossier-code sequences,
// the national-sync feed's record groups and the keyed-hash secret live in
// JetStream key-value buckets, so a token works on any node and a code is
// never issued twice in the cluster.
package cluster
