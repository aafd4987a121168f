// Package store keeps motcua's ledger in one bbolt file: the append-only,
// hash-chained event log and every view derived from it (dossier state,
// violations, roll-up counters, indexes). It implements counter.Ledger.
//
// # Writes
//
// One goroutine commits. Record calls queue; the writer takes every queued
// call into one bbolt transaction, so concurrent writers share the two
// fsyncs of a commit instead of waiting out bbolt Batch's delay. What
// needs no database (each event's shape, the keyed hash of an id number)
// is done on the caller's goroutine before the call is queued (prepare).
// Each call is judged in two phases: first every event is validated against the
// state as it would be after the ones before it (in memory, writing
// nothing), then, only if all are accepted, the events and their derived
// views are written. A refused call therefore leaves nothing behind, and a
// call is answered only after the commit that carries it is on disk.
// Changes are published after the commit returns, under the same lock as
// the commit, so subscribers see them in commit order.
//
// Inside the transaction, in order: append the event (with the hash of the
// one before it), fold it into the dossier, evaluate the dossier's rules,
// merge the violations (new ones stored and counted; status changes
// rewritten, keeping the first detection time), update the roll-up of the
// charged agency and its ancestors (all-time and per day), index the next
// instant at which time alone could change the verdict, commit, publish.
// A dossier's history is read back from the log for each judgement; an
// entry the transaction wrote is kept as decoding it would give it, and a
// few thousand committed entries are kept decoded (logcache.go).
//
// # Deadlines
//
// The idx_due bucket orders (instant, dossier or desk) by instant. Run
// sleeps until its first key, re-judges what is due, and sleeps again; a
// write that indexes an earlier instant wakes it. It never scans dossiers.
// Each sweep's instant is logged so that replay judges the same histories
// at the same instants.
//
// Before each sweep, the shifts whose closing time has come (the end of
// the office day, closing.go) are ended by a shift_ended the store records
// itself, dated at closing time, with no official and an id derived from
// the desk and that instant; each is a call of its own in the log, which
// replay re-records like any other (replay makes no closing of its own).
// NextDue answers the earliest of idx_due and those closing times.
//
// # Buckets
//
//	meta               seq (last event), head (last hash), swept, key_check (key file
//	                   fingerprint), index_order (asc), record_form (compact): layout.go,
//	                   recent_last (the last idx_recent key): recent.go
//	log                seq (8 bytes BE) → event JSON (with prev_hash)
//	event_ids          event id → seq            (idempotency)
//	batch_ends         seq of the last event of each Record call
//	sweeps             seq ‖ instant of each sweep
//	dossiers           code → compact state (dossierRecord, dossier_codec.go;
//	                   JSON in records of earlier builds)
//	dossier_events     code 0 seq → ∅
//	idx_agency         agency 0 created ‖ code → ∅ (receiving and holding chains;
//	                   read newest first, backwards: layout.go)
//	idx_due            instant ‖ ('d' code | 'k' counter 0 desk) → ∅
//	next_check         'd' code | 'k' … → instant (to move idx_due entries)
//	violations         id → fingerprint ‖ compact violation (violation_codec.go;
//	                   JSON in records of earlier builds); a dossier's ids
//	                   begin with its code and a slash
//	idx_violations     agency 0 occurred ‖ id → ∅ (charged agency's chain)
//	idx_recent         slot ‖ seq ‖ n → d|v +|- key: the latest changes to
//	                   idx_agency (d) and idx_violations (v), not yet moved
//	                   into them; readers merge the two (recent.go)
//	dossier_violations code 0 id → ∅ (written by earlier builds only)
//	rollup             agency → all-time tally
//	rollup_day         agency 0 YYYYMMDD → tally of that local day
//	clock_counts       holder 0 clock state → count of unfinished dossiers
//	desks              counter 0 desk → DeskState
//	desk_events        counter 0 desk 0 seq → ∅
//	stats              all-time counters for the metrics: events by type,
//	                   finishes, violations raised and standing, open
//	                   overdue by agency (stats.go)
//	score_tracks       code → the dossier's states over time as scorecards
//	                   read them (counter.ScoreTrack, newest first; scoretrack.go)
//	score_days         agency 0 YYYYMMDD → received, finished, on time (as
//	                   rollup_day) and the violations charged to the agency
//	                   itself by severity, as varints (scoretrack.go)
//
// Instants in keys are 8-byte big-endian Unix nanoseconds, so they sort as
// time does (RFC 3339 strings do not).
//
// # Damaged files
//
// Open, VerifyFile and BackupFile first run CheckFile, which reads every
// page in use through bounds-checked slices and checks bbolt's invariants
// and the layout above (known buckets, fixed-size keys and values), so
// bbolt, which trusts the offsets it reads, never maps a damaged file. A new
// bucket, or a key or value that reads slice, needs its rule in checkRecord.
//
// # Caveats
//
// The file never shrinks (bbolt); compact it offline. Views are derived:
// Replay rebuilds them from meta, log, event_ids, batch_ends and sweeps
// alone and reports any difference. The keyed-hash secret for id numbers
// and tracking keys lives in a separate file beside the database (KeyPath)
// and must be backed up with it.
package store
