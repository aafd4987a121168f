package violations_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/violations"
)

// TestBasisFor: every code has a citation under each rule version, from
// the decree of that version (SPEC.md §10.2), and v2018's is BasisOf's.
func TestBasisFor(t *testing.T) {
	for _, code := range counter.ViolationCodes {
		require.Equal(t, violations.BasisOf(code), violations.BasisFor(counter.RegimeV2018, code), code)
		for _, r := range []string{counter.RegimeV2025, counter.RegimeV2026a} {
			b := violations.BasisFor(r, code)
			require.NotEmpty(t, b, "%s under %s", code, r)
			if code != counter.VBackdatedEntry {
				require.True(t, strings.HasPrefix(b, "Nghị định 118/2025/NĐ-CP"), "%s under %s cites Decree 118: %q", code, r, b)
				require.NotContains(t, b, "61/2018", "%s under %s", code, r)
			}
		}
		if code != counter.VDatabaseDocumentRequested {
			require.NotEmpty(t, violations.BasisOf(code), code)
		}
	}
	require.Empty(t, violations.BasisFor(counter.RegimeV2018, counter.VDatabaseDocumentRequested), "no such breach before 1-7-2025")
	require.Empty(t, violations.BasisFor("v1999", counter.VOverdue))
	require.Empty(t, violations.BasisFor(counter.RegimeV2025, "no_such_code"))

	for _, c := range []struct{ regime, code, want string }{
		{counter.RegimeV2018, counter.VLateTransfer, "Nghị định 61/2018/NĐ-CP Điều 18 khoản 2"},
		{counter.RegimeV2025, counter.VLateTransfer, "Nghị định 118/2025/NĐ-CP Điều 18"},
		{counter.RegimeV2026a, counter.VLateTransfer, "Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP) Điều 18 khoản 2"},
		{counter.RegimeV2018, counter.VDeskUnstaffed, "Nghị định 61/2018/NĐ-CP Điều 12 khoản 8"},
		{counter.RegimeV2025, counter.VDeskUnstaffed, "Nghị định 118/2025/NĐ-CP Điều 11 khoản 8"},
		{counter.RegimeV2025, counter.VMissingApology, "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP Mẫu 04"},
		{counter.RegimeV2025, counter.VStepOverrun, "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP Mẫu 06"},
		{counter.RegimeV2026a, counter.VDatabaseDocumentRequested, "Nghị định 118/2025/NĐ-CP (sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP) Điều 4 khoản 2a; Điều 5 khoản 1"},
		{counter.RegimeV2025, counter.VDatabaseDocumentRequested, "Nghị định 118/2025/NĐ-CP Điều 5 khoản 1"},
		{counter.RegimeV2018, counter.VDossierCodeFormat, "Nghị định 61/2018/NĐ-CP Điều 26; Thông tư 01/2018/TT-VPCP Điều 19"},
		{counter.RegimeV2025, counter.VBackdatedEntry, "Quyết định 2090/QĐ-UBND thành phố Đà Nẵng"},
	} {
		require.Equal(t, c.want, violations.BasisFor(c.regime, c.code), "%s %s", c.regime, c.code)
	}
}
