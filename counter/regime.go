package counter

import (
	"time"
)

// Rule versions (SPEC.md §10.2), chosen by the dossier's receipt date, or
// its creation date before receipt. The law is code: what each version
// requires lives here and in the violations package; rules.yaml may only
// override thresholds per version (`versions:`, see RulesFor).
const (
	// RegimeV2018: received up to 30-6-2025. Decree 61/2018/NĐ-CP as
	// amended by Decree 107/2021/NĐ-CP; Circular 01/2018/TT-VPCP.
	RegimeV2018 = "v2018"
	// RegimeV2025: received 1-7-2025 to 4-8-2026. Decree 118/2025/NĐ-CP;
	// Circular 03/2025/TT-VPCP.
	RegimeV2025 = "v2025"
	// RegimeV2026a: received from 5-8-2026. Decree 118/2025/NĐ-CP as
	// amended by Decree 309/2026/NĐ-CP.
	RegimeV2026a = "v2026a"
)

// Regimes lists the versions oldest first.
var Regimes = []string{RegimeV2018, RegimeV2025, RegimeV2026a}

// The first day of each version after the first, as civil dates in the
// calendar's zone.
var (
	regimeV2025Start  = civil{2025, time.July, 1}
	regimeV2026aStart = civil{2026, time.August, 5}
)

type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) number() int { return c.y*10000 + int(c.m)*100 + c.d }

// RegimeFor returns the rule version of a dossier received (or, before
// receipt, created) at t, judged by t's civil date in loc (Asia/Ho_Chi_Minh
// when loc is nil): "v2018", "v2025" or "v2026a".
func RegimeFor(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = defaultLocation(&Config{})
	}
	y, m, d := t.In(loc).Date()
	n := y*10000 + int(m)*100 + d
	switch {
	case n >= regimeV2026aStart.number():
		return RegimeV2026a
	case n >= regimeV2025Start.number():
		return RegimeV2025
	}
	return RegimeV2018
}

// RegimeOf returns d's rule version: its Regime, or for a state stored
// before the field existed, the version of its receipt (or creation) date.
func (c *Config) RegimeOf(d *Dossier) string {
	if d.Regime != "" {
		return d.Regime
	}
	if d.ReceivedAt != nil {
		return c.RegimeAt(*d.ReceivedAt)
	}
	return c.RegimeAt(d.CreatedAt)
}

// RegimeAt is RegimeFor in the configuration's zone.
func (c *Config) RegimeAt(t time.Time) string { return RegimeFor(t, c.history.loc) }

// Form is one of the one-stop forms: its number in the version's circular
// and its name.
type Form struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// Forms are the forms of a version. StopNotice is zero in v2018, which has
// none.
type Forms struct {
	Slip        Form `json:"slip"`         // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	Supplement  Form `json:"supplement"`   // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	Refusal     Form `json:"refusal"`      // Phiếu từ chối tiếp nhận giải quyết hồ sơ
	Apology     Form `json:"apology"`      // xin lỗi (và đề nghị gia hạn)
	StopNotice  Form `json:"stop_notice"`  // Thông báo dừng giải quyết hồ sơ (from v2025)
	ControlSlip Form `json:"control_slip"` // Phiếu kiểm soát quá trình giải quyết hồ sơ
	Register    Form `json:"register"`     // Sổ theo dõi hồ sơ
}

// Regime describes a rule version for citations on pages, slips and the
// public page, and the features the write path switches on by version.
type Regime struct {
	ID string `json:"id"`
	// From and Until bound the receipt dates of the version, inclusive
	// ("" open).
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	// Decree is the decree a page cites for the version ("Nghị định
	// 118/2025/NĐ-CP"); DecreeFull adds its amendments; Circular is the
	// circular that sets the forms.
	Decree     string `json:"decree"`
	DecreeFull string `json:"decree_full"`
	Circular   string `json:"circular"`
	Forms      Forms  `json:"forms"`
	// StopEvents: stop_requested and stop_notice_issued exist (Decree 118
	// Art. 21; Circular 03 Art. 7, Form 05).
	StopEvents bool `json:"stop_events"`
	// DatabaseDocuments: asking for a paper the national databases hold is
	// a breach (database_document_requested; Decree 118 Art. 5(1), and
	// Art. 4(2a) from Decree 309/2026).
	DatabaseDocuments bool `json:"database_documents"`
	// CompetentAgencyClock: for a dossier received outside the competent
	// agency's area, the clock starts when the competent agency receives
	// it (Decree 118 Art. 17(3) as amended by Decree 309/2026 Art. 8(3)).
	// Whether v2025 had the rule is unconfirmed, so it is off there.
	CompetentAgencyClock bool `json:"competent_agency_clock"`
	// SecondingAgencyCharged: an unstaffed desk is also charged to the
	// agency that seconded the staff (Decree 118 Art. 11(8)).
	SecondingAgencyCharged bool `json:"seconding_agency_charged"`
}

var (
	forms2018 = Forms{
		Slip:        Form{"01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"},
		Supplement:  Form{"02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"},
		Refusal:     Form{"03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"},
		Apology:     Form{"04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"},
		ControlSlip: Form{"05", "Phiếu kiểm soát quá trình giải quyết hồ sơ"},
		Register:    Form{"06", "Sổ theo dõi hồ sơ"},
	}
	// Circular 03/2025/TT-VPCP Annex I (reference/legal-2025.md §1(e)).
	forms2025 = Forms{
		Slip:        Form{"01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"},
		Supplement:  Form{"02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"},
		Refusal:     Form{"03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"},
		Apology:     Form{"04", "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết"},
		StopNotice:  Form{"05", "Thông báo dừng giải quyết hồ sơ"},
		ControlSlip: Form{"06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"},
		Register:    Form{"07", "Sổ theo dõi hồ sơ"},
	}
)

var regimes = map[string]Regime{
	RegimeV2018: {ID: RegimeV2018, Until: "2025-06-30",
		Decree:     "Nghị định 61/2018/NĐ-CP",
		DecreeFull: "Nghị định 61/2018/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 107/2021/NĐ-CP",
		Circular:   "Thông tư 01/2018/TT-VPCP", Forms: forms2018},
	RegimeV2025: {ID: RegimeV2025, From: "2025-07-01", Until: "2026-08-04",
		Decree:     "Nghị định 118/2025/NĐ-CP",
		DecreeFull: "Nghị định 118/2025/NĐ-CP",
		Circular:   "Thông tư 03/2025/TT-VPCP", Forms: forms2025,
		StopEvents: true, DatabaseDocuments: true, SecondingAgencyCharged: true},
	RegimeV2026a: {ID: RegimeV2026a, From: "2026-08-05",
		Decree:     "Nghị định 118/2025/NĐ-CP",
		DecreeFull: "Nghị định 118/2025/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP",
		Circular:   "Thông tư 03/2025/TT-VPCP", Forms: forms2025,
		StopEvents: true, DatabaseDocuments: true, CompetentAgencyClock: true, SecondingAgencyCharged: true},
}

// RegimeInfo returns the description of version id; ok is false for an
// unknown id.
func RegimeInfo(id string) (Regime, bool) {
	r, ok := regimes[id]
	return r, ok
}

// ForRegime returns the configuration that judges dossiers of version
// regime: c itself, or when rules.yaml overrides that version's thresholds
// (`versions:`), a copy of c with those rules.
func (c *Config) ForRegime(regime string) *Config {
	r, ok := c.Rules.Versions[regime]
	if !ok {
		return c
	}
	v := *c
	v.Rules = r
	return &v
}

// RulesFor returns the thresholds for dossiers of version regime: the
// rules.yaml keys, overridden by its `versions: {regime: {...}}` block
// when there is one.
func (c *Config) RulesFor(regime string) Rules {
	if r, ok := c.Rules.Versions[regime]; ok {
		return r
	}
	return c.Rules
}
