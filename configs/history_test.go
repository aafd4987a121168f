package configs

import (
	"testing"

	"strings"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// A tree with history: the district ended on 30-6-2025 and handed over to
// a ward; the city's head changed on 1-7-2025.
const historyAgencies = `agencies:
  - id: tp-danang
    name: UBND thành phố Đà Nẵng
    level: city
    heads:
      - {name: Nguyễn Văn An, title: Chủ tịch UBND thành phố, until: 2025-06-30}
      - {name: Lê Thị Bình, title: Chủ tịch UBND thành phố, from: 2025-07-01}
    children:
      - id: q-haichau
        name: UBND quận Hải Châu
        level: district
        until: 2025-06-30
        successors: [phuong-haichau]
        head: {name: Trần Văn Cường, title: Chủ tịch UBND quận}
        children:
          - {id: q-haichau-motcua, name: Bộ phận một cửa quận Hải Châu, level: counter,
             successors: [phuong-haichau-ttpvhcc], head: {name: Lê Văn Dũng, title: Trưởng bộ phận}, desks: [q1]}
      - id: phuong-haichau
        name: UBND phường Hải Châu
        level: commune
        code: "20194"
        from: 2025-07-01
        head: {name: Phạm Thị Hà, title: Chủ tịch UBND phường}
        children:
          - {id: phuong-haichau-ttpvhcc, name: Trung tâm Phục vụ hành chính công phường Hải Châu, level: counter,
             head: {name: Võ Văn Hải, title: Giám đốc Trung tâm}, desks: [q1, q2]}
officials:
  - {id: cb-001, name: Phạm Thị Dung, agency: q-haichau-motcua}
  - {id: cb-002, name: Hồ Văn Em, agency: phuong-haichau-ttpvhcc}
`

func TestLoadHistory(t *testing.T) {
	cfg, err := Load(folder(map[string]string{AgenciesFile: historyAgencies}))
	require.NoError(t, err)
	q := cfg.Agency("q-haichau")
	require.Equal(t, "2025-06-30", q.Until)
	require.Equal(t, []string{"phuong-haichau"}, q.Successors)
	require.Equal(t, "20194", cfg.Agency("phuong-haichau").Code)
	require.Equal(t, "phuong-haichau", cfg.AgencyByCode("20194").ID)
	require.Equal(t, []counter.HeadTerm{
		{Name: "Nguyễn Văn An", Title: "Chủ tịch UBND thành phố", Until: "2025-06-30"},
		{Name: "Lê Thị Bình", Title: "Chủ tịch UBND thành phố", From: "2025-07-01"},
	}, cfg.Root.Heads)
	require.Equal(t, "Lê Thị Bình", cfg.HeadOf("tp-danang").Name)
	require.Equal(t, []string{"q-haichau-motcua"}, cfg.Predecessors("phuong-haichau-ttpvhcc"))
	require.True(t, cfg.ReadableFrom("q-haichau-motcua", "phuong-haichau"))
}

func TestLoadHistoryProblems(t *testing.T) {
	tests := []struct {
		name string
		from string // text in historyAgencies
		to   string
		want string
	}{
		{"successor does not exist",
			"successors: [phuong-haichau]\n", "successors: [phuong-haichau, phuong-nowhere]\n",
			`agencies.yaml:13: agency "q-haichau": successor "phuong-nowhere" does not exist`},
		{"successor not in force the day after",
			"        from: 2025-07-01\n", "        from: 2025-08-01\n",
			`agencies.yaml:13: agency "q-haichau": successor "phuong-haichau" is not in force on 2025-07-01, the day after q-haichau ends (it is in force 2025-08-01 – …)` + "\n" +
				`agencies.yaml:17: agency "q-haichau-motcua": successor "phuong-haichau-ttpvhcc" is not in force on 2025-07-01, the day after q-haichau-motcua ends (it is in force 2025-08-01 – …)`},
		{"successors on an agency that never ends",
			"        until: 2025-06-30\n", "",
			`agencies.yaml:12: agency "q-haichau": successors on an agency that never ends (set until, here or on an ancestor)` + "\n" +
				`agencies.yaml:16: agency "q-haichau-motcua": successors on an agency that never ends (set until, here or on an ancestor)`},
		{"child outside its parent's period",
			"desks: [q1]}", "until: 2025-12-31, desks: [q1]}",
			`agencies.yaml:17: agency "q-haichau-motcua" is in force … – 2025-12-31, outside its parent "q-haichau" (… – 2025-06-30)`},
		{"head terms overlap",
			"title: Chủ tịch UBND thành phố, until: 2025-06-30}", "title: Chủ tịch UBND thành phố, until: 2025-07-31}",
			`agencies.yaml:5: agency "tp-danang": head terms overlap: Nguyễn Văn An (… – 2025-07-31) and Lê Thị Bình (2025-07-01 – …)`},
		{"gap between head terms",
			"from: 2025-07-01}\n    children", "from: 2025-08-01}\n    children",
			`agencies.yaml:5: agency "tp-danang": no head from 2025-07-01 to 2025-07-31`},
		{"no head at the end",
			"      - {name: Lê Thị Bình, title: Chủ tịch UBND thành phố, from: 2025-07-01}\n", "",
			`agencies.yaml:5: agency "tp-danang": no head from 2025-07-01 to …`},
		{"head and heads",
			"    heads:\n", "    head: {name: X, title: Y}\n    heads:\n",
			`agencies.yaml:6: agency "tp-danang": both head and heads (use one)`},
		{"bad dates",
			"until: 2025-06-30\n        successors", "until: 2025-06-31\n        successors",
			`agencies.yaml:12: agency "q-haichau": until "2025-06-31": want YYYY-MM-DD`},
		{"until before from",
			"        from: 2025-07-01\n", "        from: 2025-07-01\n        until: 2025-06-01\n",
			`agencies.yaml:23: agency "phuong-haichau": until 2025-06-01 is before from 2025-07-01`},
		{"shared code in force together",
			"    level: city\n", "    level: city\n    code: \"20194\"\n",
			`agencies.yaml:22: agency "phuong-haichau": code "20194" is also "tp-danang"'s, and both are in force on the same days`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := historyAgencies
			require.Contains(t, src, tt.from)
			src = strings.Replace(src, tt.from, tt.to, 1)
			_, err := Load(folder(map[string]string{AgenciesFile: src}))
			require.Error(t, err)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestLoadRuleVersions(t *testing.T) {
	cfg, err := Load(folder(map[string]string{RulesFile: `
supplement_window: 4wd
slip_grace: {online: 2wd}
versions:
  v2025: {supplement_window: 2wd, slip_grace: {direct: 30m}}
  v2026a: {transfer_cutoff: "16:00"}
`}))
	require.NoError(t, err)
	base := cfg.RulesFor(counter.RegimeV2018)
	require.Equal(t, counter.RuleDuration{Value: 4, Unit: "wd"}, base.SupplementWindow)

	v25 := cfg.RulesFor(counter.RegimeV2025)
	require.Equal(t, counter.RuleDuration{Value: 2, Unit: "wd"}, v25.SupplementWindow, "the version's own value")
	require.Equal(t, counter.RuleDuration{Value: 30, Unit: "m"}, v25.SlipGrace[counter.ChannelDirect])
	require.Equal(t, counter.RuleDuration{Value: 2, Unit: "wd"}, v25.SlipGrace[counter.ChannelOnline], "the file's value for what the version leaves out")
	require.Equal(t, counter.RuleDuration{Value: 15, Unit: "m"}, base.SlipGrace[counter.ChannelDirect], "the base rules are not changed")

	v26 := cfg.RulesFor(counter.RegimeV2026a)
	require.Equal(t, "16:00", v26.TransferCutoff)
	require.Equal(t, counter.RuleDuration{Value: 4, Unit: "wd"}, v26.SupplementWindow)

	_, err = Load(folder(map[string]string{RulesFile: "versions:\n  v2019: {max_supplements: 2}\n  v2025: {max_supplements: 0, versions: {}}\n"}))
	require.EqualError(t, err, `rules.yaml:2: unknown key "v2019" in versions (want v2018, v2025, v2026a)`+"\n"+
		`rules.yaml:3: unknown key "versions" in versions.v2025 (want slip_grace, supplement_window, apology_notice, max_reschedules, max_supplements, bounce_limit, desk_grace, backdate_tolerance, future_tolerance, warning_fraction, transfer_cutoff)`+"\n"+
		`rules.yaml:3: max_supplements: 0 is less than 1`)
}

func TestLoadCodeFormats(t *testing.T) {
	cfg, err := Load(folder(nil))
	require.NoError(t, err)
	require.False(t, cfg.CodeFormatsOn(), "off unless configured")

	cfg, err = Load(folder(map[string]string{RulesFile: `
dossier_code_formats:
  - circular01
  - {name: circular04}
  - {name: local, pattern: '^DN-[0-9]{6}$'}
`}))
	require.NoError(t, err)
	require.Equal(t, []counter.CodeFormat{{Name: "circular01"}, {Name: "circular04"}, {Name: "local", Pattern: `^DN-[0-9]{6}$`}},
		cfg.Rules.DossierCodeFormats)
	for code, want := range map[string]bool{
		"000.00.31.H17-260310-0001": true, "H17.100.05-261205-010001": true, "DN-123456": true, "DN-12345": false,
	} {
		require.Equal(t, want, counter.CodeFormatOK(cfg, code), code)
	}

	_, err = Load(folder(map[string]string{RulesFile: `dossier_code_formats:
  - circular99
  - {name: bad, pattern: '^([0-9]$'}
  - {name: nopattern}
  - circular01
  - circular01
  - [x]
`}))
	require.EqualError(t, err, `rules.yaml:2: dossier_code_formats: unknown format "circular99" (want circular01, circular04, or {name, pattern})`+"\n"+
		"rules.yaml:3: dossier_code_formats: format \"bad\": invalid pattern: error parsing regexp: missing closing ): `^([0-9]$`\n"+
		`rules.yaml:4: dossier_code_formats: format "nopattern" has no pattern and is not built in (circular01, circular04)`+"\n"+
		`rules.yaml:6: dossier_code_formats: duplicate format "circular01"`+"\n"+
		`rules.yaml:7: dossier_code_formats: want a format name or {name, pattern}, got a list`)
}

func TestLoadNationalDBDocuments(t *testing.T) {
	cfg, err := Load(folder(map[string]string{ProceduresFile: `procedures:
  - code: "1.001193"
    name: Đăng ký khai sinh
    instant: true
    documents:
      - {code: to_khai, name: Tờ khai}
      - {code: cccd, name: Căn cước công dân, in_national_db: true}
    basis: Luật Hộ tịch 2014
`}))
	require.NoError(t, err)
	p := cfg.Procedure("1.001193")
	require.True(t, p.InNationalDB("cccd"))
	require.False(t, p.InNationalDB("to_khai"))
	require.False(t, p.InNationalDB("nothing"))

	_, err = Load(folder(map[string]string{ProceduresFile: `procedures:
  - code: "1.001193"
    name: Đăng ký khai sinh
    instant: true
    documents:
      - {code: cccd, name: Căn cước công dân, in_national_db: maybe}
    basis: Luật Hộ tịch 2014
`}))
	require.EqualError(t, err, `procedures.yaml:6: in_national_db: want true or false, got "maybe"`)

	shipped, err := Load(Embedded())
	require.NoError(t, err)
	require.True(t, shipped.Procedure("1.001193").InNationalDB("cccd"), "the shipped catalogue marks the citizen ID")
}
