package violations

import "github.com/motcua/motcua/counter"

// Decree is the base text most rules cite.
const Decree = "Nghị định 61/2018/NĐ-CP"

// BasisOf returns the legal citation stored in the basis field of a
// violation with code (SPEC.md §5; reference/legal.md §D), or "" for an
// unknown code. Article numbers are Decree 61/2018/NĐ-CP as amended by
// Decree 107/2021/NĐ-CP.
func BasisOf(code string) string {
	switch code {
	case counter.VOverdue:
		return Decree + " Điều 19 khoản 9"
	case counter.VLateReturn:
		return Decree + " Điều 19 khoản 9; Điều 30 khoản 2 điểm c"
	case counter.VMissingApology:
		return Decree + " Điều 19 khoản 9; Điều 12 khoản 5"
	case counter.VRepeatedReschedule:
		return Decree + " Điều 19 khoản 9"
	case counter.VLateAfterReschedule:
		return Decree + " Điều 19 khoản 9"
	case counter.VMissingSlip:
		return Decree + " Điều 17 khoản 1 điểm c"
	case counter.VSlipBeyondLegalLimit:
		return Decree + " Điều 5 khoản 1 điểm đ"
	case counter.VRepeatedSupplement:
		return Decree + " Điều 15 khoản 3; Điều 17 khoản 1 điểm a; Điều 19 khoản 4"
	case counter.VInconsistentSupplement:
		return Decree + " Điều 11 khoản 2 điểm c"
	case counter.VExtraDocument:
		return Decree + " Điều 5 khoản 1 điểm đ; Điều 6 khoản 1 điểm b"
	case counter.VLateSupplementRequest:
		return Decree + " Điều 19 khoản 4"
	case counter.VMissingReason:
		return Decree + " Điều 17 khoản 1 điểm a, b; Điều 19 khoản 8"
	case counter.VStepOverrun:
		return "Thông tư 01/2018/TT-VPCP Mẫu 05, chỉ số 2"
	case counter.VResponsibilityBounce:
		return Decree + " Điều 5 khoản 1 điểm g"
	case counter.VLateTransfer:
		return Decree + " Điều 18 khoản 2"
	case counter.VDeskUnstaffed:
		return Decree + " Điều 12 khoản 8"
	case counter.VComplaint:
		return Decree + " Điều 5 khoản 1 điểm a, h"
	case counter.VBackdatedEntry:
		return "Quyết định 2090/QĐ-UBND thành phố Đà Nẵng"
	}
	return ""
}
