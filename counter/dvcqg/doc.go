// Package dvcqg maps the records one-stop systems sync to the National
// Public Service Portal (Cổng Dịch vụ công quốc gia, "đồng bộ hồ sơ") to
// motcua events (SPEC.md §10.3; facts in reference/dvcqg-sync.md). It does
// no I/O: callers parse bodies with Parse, keep each dossier's Track (or
// rebuild it with Replay from the groups they stored) and record what Map
// returns through counter.Ledger.Record.
//
// # Input
//
// Dossier records (DongBoHoSoMC items: the latest state of a dossier) and
// progress rows (CapNhatTienDoHoSoMC items: one action and the national
// status after it), in the legacy envelope {"service", "madonvi", "data"},
// as a bare array, or one at a time. Values may be strings or numbers.
// Instants come in three formats, yyyyMMddHHmmss, yyyy-MM-ddTHH:mm:ss and
// dd/MM/yyyy HH:mm:ss, all local time in Asia/Ho_Chi_Minh.
//
// # Mapping
//
// A dossier's records are folded in arrival order, one Group (the records
// of one request, or of one import) at a time; within a group the dated
// observations are applied in time order. National statuses map as the
// reference proposes:
//
//	1 Mới đăng ký            submitted (online/postal channel only; a direct dossier starts at receipt)
//	2 Được tiếp nhận         received, at NgayTiepNhan, slip due = NgayHenTra as first seen;
//	                         after a 5: supplement_received
//	3 Không được tiếp nhận   intake_refused
//	4 Đang xử lý             leaving 5: supplement_received; a unit change between rows
//	                         (PhongBanXuLy, or DonViXuLy per row) to a unit of agencies.yaml
//	                         (by code: or by name): transferred from the holder
//	5 Yêu cầu bổ sung        supplement_requested (intake_supplement_requested before receipt);
//	                         a DanhSachHoSoBoSung item gives request and receipt dates and the
//	                         new due time (NgayHenTraMoi, a new slip)
//	6, 8 chờ nghĩa vụ tài chính, dừng xử lý   a note: motcua has no such pause
//	7 Rút hồ sơ              withdrawn
//	9 Đã xử lý xong          result_ready, at NgayKetThucXuLy
//	10 Đã trả kết quả        returned, at NgayTra
//
// NgayHenTra is overwritten by the one-stop systems, so the first one seen
// is the slip's; when a later record moves it later with no pause open or
// just ended, that is an apology (apology_issued), dated by a row that
// says "xin lỗi"/"hẹn lại", else when it was learnt. Moved later just after
// a supplement came back it is a new slip (slip_issued).
//
// The receiving agency is the one whose national unit code (agencies.yaml
// `code:`) is the envelope's madonvi, the record's MaDonVi, or the prefix
// of MaHoSo ({unit code}-{yyMMdd}-{number}); when that agency is not a
// counter, its first counter child receives. When ended and current units
// share a code, the one in force on the receipt (or submission) date
// receives. The procedure is MaTTHC. Both must be known: otherwise the
// record is refused (422), never guessed. A dossier record with
// nonBoundary true (received regardless of administrative boundary) gives
// a received event with cross_boundary.
//
// # Idempotency
//
// Event ids are derived from the dossier code and the identity of the
// observation (EventID): a progress row is known by (MaHoSo, ThoiDiemXuLy,
// TrangThai, NoiDungXuLy), a dossier record by its content, and the once-only
// facts (receipt, result, return) by their kind. A record seen before maps
// to the events it produced then, so a re-sent request is answered as a
// retry (same ids, same bodies).
//
// # Data-quality notes
//
// What the records cannot tell is never guessed silently: it becomes a
// Note in the output and, once the dossier exists, a data_note event
// {reason} on its timeline, which changes no state. Notes: statuses going
// backwards (a returned dossier re-sent as 1), status 9 while a supplement
// request is open (a known quirk of some systems), status 6/8 pauses,
// units not in agencies.yaml, transfers naming no unit, a missing or
// earlier NgayHenTra, a missing channel (recorded as direct), a status
// given with no date (dated when it was learnt), rows dated before the
// receipt. Rows for a dossier whose record has not arrived are held in the
// track (pending) and applied when it does.
//
// # Caveats
//
// Officials are not mapped (national rows carry a name, NguoiXuLy, not an
// id), nor step deadlines (NgayKetThucTheoQuyDinh: their meaning is not
// standardised), nor the applicant's id number (SoGiayToChuHoSo: the store
// could hash it, but the stored records would keep it in clear). There is
// no national code for a refusal on the merits: a 9/10 with a refusal
// letter maps to result_ready/returned.
package dvcqg
