package violations

import (
	"strings"

	"github.com/motcua/motcua/counter"
)

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
		return decision2090
	case counter.VDossierCodeFormat:
		return Decree + " Điều 26; Thông tư 01/2018/TT-VPCP Điều 19"
	}
	// database_document_requested is not a breach of the 2018 rules.
	return ""
}

const decision2090 = "Quyết định 2090/QĐ-UBND thành phố Đà Nẵng"

// Citations of the 2025 law (reference/legal-2025.md §1). Article numbers
// are Decree 118/2025/NĐ-CP's. Where the notes did not confirm which
// article of Decree 118 carries a rule (the apology's timing and count,
// the post-receipt supplement deadline, the chairmen's responsibility),
// the citation names the decree and the form of Circular 03/2025/TT-VPCP
// that the rule is about, rather than guess an article.
const (
	decree118     = "Nghị định 118/2025/NĐ-CP"
	decree118a    = "Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP)"
	circular03    = "Thông tư 03/2025/TT-VPCP"
	codeArticle03 = circular03 + " Điều 13 (khoản 3 bổ sung bởi Thông tư 04/2025/TT-VPCP)"
)

// basis2025 holds, per code, the articles cited under v2025 (decree
// 118/2025 as issued) and under v2026a (as amended by Decree 309/2026):
// BasisFor prefixes the decree ("Nghị định 118/2025/NĐ-CP Điều 5 khoản 1",
// "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP Mẫu 04"); a leading
// "|" marks a citation of another text, used as is.
var basis2025 = map[string][2]string{
	counter.VOverdue:                   {"Điều 17 khoản 3; " + circular03 + " Mẫu 04", "Điều 17 khoản 3; " + circular03 + " Mẫu 04"},
	counter.VLateReturn:                {"Điều 17 khoản 3; " + circular03 + " Mẫu 04", "Điều 17 khoản 3; " + circular03 + " Mẫu 04"},
	counter.VMissingApology:            {circular03 + " Mẫu 04", circular03 + " Mẫu 04"},
	counter.VRepeatedReschedule:        {circular03 + " Mẫu 04", circular03 + " Mẫu 04"},
	counter.VLateAfterReschedule:       {circular03 + " Mẫu 04", circular03 + " Mẫu 04"},
	counter.VMissingSlip:               {"Điều 6 khoản 1; Điều 17 khoản 3; " + circular03 + " Mẫu 01", "Điều 6 khoản 1; Điều 17 khoản 3; " + circular03 + " Mẫu 01"},
	counter.VSlipBeyondLegalLimit:      {"Điều 5 khoản 1", "Điều 5 khoản 1"},
	counter.VRepeatedSupplement:        {"Điều 11 khoản 2; Điều 17 khoản 2 điểm a", "Điều 11 khoản 2; Điều 17 khoản 2 điểm a"},
	counter.VInconsistentSupplement:    {"Điều 11 khoản 2; Điều 17 khoản 2 điểm a", "Điều 11 khoản 2; Điều 17 khoản 2 điểm a"},
	counter.VExtraDocument:             {"Điều 5 khoản 1", "Điều 5 khoản 1"},
	counter.VLateSupplementRequest:     {circular03 + " Mẫu 02", circular03 + " Mẫu 02"},
	counter.VMissingReason:             {"Điều 17 khoản 2 điểm a; " + circular03 + " Mẫu 02, Mẫu 03", "Điều 17 khoản 2 điểm a; " + circular03 + " Mẫu 02, Mẫu 03"},
	counter.VStepOverrun:               {circular03 + " Mẫu 06", circular03 + " Mẫu 06"},
	counter.VResponsibilityBounce:      {"Điều 5 khoản 1", "Điều 5 khoản 1"},
	counter.VLateTransfer:              {"Điều 18", "Điều 18 khoản 2"},
	counter.VDeskUnstaffed:             {"Điều 11 khoản 8", "Điều 11 khoản 8"},
	counter.VComplaint:                 {"Điều 5 khoản 1", "Điều 5 khoản 1"},
	counter.VBackdatedEntry:            {"|" + decision2090, "|" + decision2090},
	counter.VDatabaseDocumentRequested: {"Điều 5 khoản 1", "Điều 4 khoản 2a; Điều 5 khoản 1"},
	counter.VDossierCodeFormat:         {codeArticle03, codeArticle03},
}

// BasisFor returns the legal citation of a violation with code under rule
// version regime (counter.RegimeV2018, RegimeV2025, RegimeV2026a): the
// article of that version (SPEC.md §10.2). It returns "" for an unknown
// code or regime, and for a code that is no breach under the version
// (database_document_requested under v2018). BasisFor(v2018, code) ==
// BasisOf(code).
func BasisFor(regime, code string) string {
	var i int
	var decree string
	switch regime {
	case counter.RegimeV2018:
		return BasisOf(code)
	case counter.RegimeV2025:
		i, decree = 0, decree118
	case counter.RegimeV2026a:
		i, decree = 1, decree118a
	default:
		return ""
	}
	b, ok := basis2025[code]
	if !ok {
		return ""
	}
	s := b[i]
	if strings.HasPrefix(s, "|") {
		return s[1:]
	}
	if strings.HasPrefix(s, circular03) {
		return decree + "; " + s
	}
	return decree + " " + s
}
