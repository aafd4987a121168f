// Package violations holds the pure rules of SPEC.md §5: from a dossier's
// events (or a desk's shift events) and an instant `now`, it derives every
// breach of Decree 61/2018/NĐ-CP and Da Nang Decision 2090/QĐ-UBND that the
// history holds, charges each to a unit and that unit's head, and says
// when the answer will next change by the passage of time alone. Engine
// implements counter.Evaluator; the store calls it inside each write
// transaction and from its deadline sweep. Nothing here does I/O or reads
// the clock.
//
// # Rules and their basis
//
//	code                     file           basis (Decree 61/2018 unless named)
//	overdue                  deadline.go    Art. 19(9)
//	late_return              deadline.go    Art. 19(9), 30(2)(c)
//	missing_apology          deadline.go    Art. 19(9), 12(5)
//	repeated_reschedule      deadline.go    Art. 19(9)
//	late_after_reschedule    deadline.go    Art. 19(9)
//	missing_slip             slip.go        Art. 17(1)(c)
//	slip_beyond_legal_limit  slip.go        Art. 5(1)(đ)
//	repeated_supplement      supplement.go  Art. 15(3), 17(1)(a), 19(4)
//	inconsistent_supplement  supplement.go  Art. 11(2)(c)
//	extra_document           supplement.go  Art. 5(1)(đ), 6(1)(b)
//	late_supplement_request  supplement.go  Art. 19(4)
//	missing_reason           supplement.go  Art. 17(1)(a)–(b), 19(8)
//	step_overrun             transfer.go    Circular 01/2018/TT-VPCP Form 05, index 2
//	responsibility_bounce    transfer.go    Art. 5(1)(g)
//	late_transfer            transfer.go    Art. 18(2)
//	desk_unstaffed           desk.go        Art. 12(8)
//	complaint                conduct.go     Art. 5(1)(a), (h)
//	backdated_entry          conduct.go     Decision 2090/QĐ-UBND
//
// # Identity
//
// A violation's ID is "<dossier>/<code>/<discriminator>", where the
// discriminator is the ID of the event that caused or anchors it: the
// offending event for event-caused codes; the received or
// supplement_received event that started the clock cycle for overdue and
// missing_apology; the apology for late_after_reschedule; the transfer for
// step_overrun; the received event for missing_slip and late_transfer; the
// complaint_filed event for complaint. Desk violations use the prefix
// "desk:<agency>:<desk>" and, for desk_unstaffed, the discriminator
// "<local date>/<n>", n counting the unstaffed stretches that touch that
// date (1 for the first). Event IDs are unique and immutable, so the same
// history yields the same IDs, and later events or a later `now` never
// rename a violation already raised.
//
// # Statuses
//
// Event-caused breaches are facts and stay open. Breaches that a deadline
// makes and that can go on (overdue, late_after_reschedule, step_overrun,
// missing_slip, late_transfer, desk_unstaffed) are open while they go on
// and resolved once they end; resolved ones still count in roll-ups.
// missing_apology stays open: the notice can no longer come in time.
// complaint is provisional, then confirmed (upheld) or dismissed
// (unfounded); late_transfer is dismissed when the dossier finishes at the
// counter without any transfer. Dismissed violations count nowhere.
//
// # Caveats
//
// Events are judged in the order of their `at` (a stable sort of the log
// order). A backdated event can therefore remove the premise of a
// violation raised earlier (a transfer entered late but dated before the
// deadline): the violation is then no longer returned, and the store
// decides what to do with its stored copy; the backdating itself is the
// backdated_entry.
//
// Decree 118/2025/NĐ-CP replaced Decree 61 from 1-7-2025; the rules and
// citations here are the 2018–2025 ones for every receipt date.
package violations
