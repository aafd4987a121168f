// Package counter holds the nouns that every stage of motcua shares: the
// events recorded at a one-stop-shop counter, the dossier state folded from
// them, the agency tree with its heads, the procedure catalogue, the
// violations and the roll-up, and the interfaces between the stages
// (Ledger, Evaluator, Publisher). It does no I/O and reads no clock: every
// function that depends on time takes it.
//
// The pipeline is record → evaluate → attribute → roll up → push/export:
// counter/store records (bbolt), violations evaluates and attributes,
// the store rolls up inside the same transaction, and dashboard pushes
// and exports after the commit.
//
// # Glossary
//
//	hồ sơ                         dossier (Dossier), keyed by its code
//	thủ tục hành chính            procedure (Procedure)
//	Bộ phận tiếp nhận và trả kết quả (một cửa)
//	                              counter: an agency of level "counter"
//	người đứng đầu                head (Head): answers for an agency's breaches
//	cán bộ, công chức             official (Official)
//	Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)
//	                              slip (Slip): the promised return time
//	Phiếu yêu cầu bổ sung (Mẫu 02) supplement request
//	Phiếu từ chối (Mẫu 03)         intake refusal
//	Phiếu xin lỗi và hẹn lại (Mẫu 04)
//	                              apology (ApologyIssued): reschedules the due time
//	Phiếu kiểm soát (Mẫu 05)       transfers between units (Transferred, Step)
//	ngày làm việc                 working day (counter/calendar)
//	làm bù                        make-up working day on a weekend
//	đùn đẩy                       passing the buck (VResponsibilityBounce)
//	trả ngay                      instant procedure (Procedure.Instant)
//
// # Caveats
//
// The rules are those of Decree 61/2018/NĐ-CP as amended by Decree
// 107/2021/NĐ-CP, applied to every dossier whatever its receipt date;
// Decree 118/2025/NĐ-CP (in force 1-7-2025) is not modelled separately.
// Config is read-only once built by NewConfig.
package counter
