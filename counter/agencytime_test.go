package counter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// hcm and at are scorecard_test.go's.

// historyConfig: a city whose district ended on 30-6-2025, its ward's
// counter handing over to a new ward's centre, and a head change at the
// city on 1-7-2025.
func historyConfig() *counter.Config {
	root := &counter.Agency{ID: "tp", Name: "UBND thành phố", Level: counter.LevelCity,
		Heads: []counter.HeadTerm{
			{Name: "Cũ", Title: "Chủ tịch", Until: "2025-06-30"},
			{Name: "Mới", Title: "Chủ tịch", From: "2025-07-01"},
		},
		Children: []*counter.Agency{
			{ID: "q", Name: "UBND quận", Level: counter.LevelDistrict, Until: "2025-06-30",
				Successors: []string{"p-a", "p-b"}, Head: counter.Head{Name: "Q", Title: "Chủ tịch"},
				Children: []*counter.Agency{
					{ID: "q-tnmt", Name: "Phòng TNMT", Level: counter.LevelDivision, Head: counter.Head{Name: "T", Title: "Trưởng phòng"}},
					{ID: "w", Name: "UBND phường cũ", Level: counter.LevelCommune, Successors: []string{"p-a"},
						Head: counter.Head{Name: "W", Title: "Chủ tịch"},
						Children: []*counter.Agency{{ID: "w-mc", Name: "Một cửa", Level: counter.LevelCounter,
							Successors: []string{"p-a-tt"}, Head: counter.Head{Name: "M", Title: "Trưởng"}}}},
				}},
			{ID: "p-a", Name: "UBND phường A", Level: counter.LevelCommune, From: "2025-07-01", Code: "20194",
				Head: counter.Head{Name: "A", Title: "Chủ tịch"},
				Children: []*counter.Agency{{ID: "p-a-tt", Name: "Trung tâm", Level: counter.LevelCounter,
					Head: counter.Head{Name: "AT", Title: "Giám đốc"}}}},
			{ID: "p-b", Name: "UBND phường B", Level: counter.LevelCommune, From: "2025-07-01",
				Head: counter.Head{Name: "B", Title: "Chủ tịch"}},
		}}
	cal := &calendar.Calendar{Location: hcm}
	return counter.NewConfig(root, nil, nil, cal, counter.DefaultRules())
}

func TestInForce(t *testing.T) {
	cfg := historyConfig()
	for _, c := range []struct {
		id, at string
		want   bool
	}{
		{"q", "2025-06-30 23:59", true},
		{"q", "2025-07-01 00:00", false},
		{"w-mc", "2025-06-30 10:00", true}, // inherits the district's until
		{"w-mc", "2025-07-01 10:00", false},
		{"p-a", "2025-06-30 10:00", false},
		{"p-a-tt", "2025-07-01 00:00", true}, // inherits the ward's from
		{"tp", "2000-01-01 00:00", true},
		{"nowhere", "2025-07-01 00:00", false},
	} {
		require.Equal(t, c.want, cfg.InForce(c.id, at(c.at)), "%s at %s", c.id, c.at)
	}
	// The date is taken in the calendar's zone: 17:30 UTC on 30 June is
	// already 1 July in Da Nang.
	require.False(t, cfg.InForce("q", time.Date(2025, 6, 30, 17, 30, 0, 0, time.UTC)))

	require.True(t, cfg.InForceBetween("q", at("2025-06-01 00:00"), at("2025-07-31 00:00")))
	require.True(t, cfg.InForceBetween("p-a", at("2025-06-01 00:00"), at("2025-07-31 00:00")))
	require.False(t, cfg.InForceBetween("p-a", at("2025-01-01 00:00"), at("2025-06-30 23:00")))
	require.True(t, cfg.InForceBetween("q", time.Time{}, time.Time{}))

	from, until, ok := cfg.Period("w-mc")
	require.True(t, ok)
	require.Equal(t, []string{"", "2025-06-30"}, []string{from, until})
}

func TestHeadAt(t *testing.T) {
	cfg := historyConfig()
	require.Equal(t, counter.Head{Name: "Cũ", Title: "Chủ tịch"}, cfg.HeadAt("tp", at("2025-06-30 16:00")))
	require.Equal(t, counter.Head{Name: "Mới", Title: "Chủ tịch"}, cfg.HeadAt("tp", at("2025-07-01 08:00")))
	require.Equal(t, counter.ViolationHead{Agency: "tp", Name: "Cũ", Title: "Chủ tịch"}, cfg.HeadOfAt("tp", at("2024-01-01 08:00")))
	// HeadOf, which has no date, keeps answering: the latest term.
	require.Equal(t, "Mới", cfg.HeadOf("tp").Name)
	// A plain head is the head at every date.
	require.Equal(t, "Q", cfg.HeadAt("q", at("2030-01-01 08:00")).Name)
	require.Equal(t, counter.Head{}, cfg.HeadAt("nowhere", at("2025-01-01 08:00")))
}

func TestTreeAt(t *testing.T) {
	cfg := historyConfig()
	ids := func(a *counter.Agency) []string {
		var out []string
		var walk func(a *counter.Agency)
		walk = func(a *counter.Agency) {
			out = append(out, a.ID)
			for _, ch := range a.Children {
				require.Equal(t, a.ID, ch.Parent, "%s keeps its parent", ch.ID)
				walk(ch)
			}
		}
		walk(a)
		return out
	}
	before := cfg.TreeAt(at("2024-06-01 12:00"))
	require.Equal(t, []string{"tp", "q", "q-tnmt", "w", "w-mc"}, ids(before))
	require.Equal(t, "Cũ", before.Head.Name, "the head of that day")
	after := cfg.TreeAt(at("2026-12-05 12:00"))
	require.Equal(t, []string{"tp", "p-a", "p-a-tt", "p-b"}, ids(after))
	require.Equal(t, "Mới", after.Head.Name)
	// The loaded tree is untouched.
	require.Len(t, cfg.Root.Children, 3)
}

func TestSuccession(t *testing.T) {
	cfg := historyConfig()
	require.Equal(t, []string{"q", "w"}, cfg.Predecessors("p-a"))
	require.Equal(t, []string{"q"}, cfg.Predecessors("p-b"))
	require.Equal(t, []string{"w-mc"}, cfg.Predecessors("p-a-tt"))
	require.Nil(t, cfg.Predecessors("tp"))

	for _, c := range []struct {
		id, scope string
		want      bool
	}{
		{"w-mc", "p-a-tt", true},    // the old ward's counter → the new centre
		{"w-mc", "p-a", true},       // … and the ward above it
		{"w-mc", "p-b", false},      // the ward's own mapping wins over its district's
		{"q-tnmt", "p-b", true},     // a district division: every heir of the district
		{"q-tnmt", "p-a", true},     //
		{"q-tnmt", "p-a-tt", false}, // the district named the wards, not their centres
		{"p-a-tt", "w", false},      // predecessors do not read their successors
		{"p-a-tt", "tp", true},      // plain scope
		{"nowhere", "tp", false},    //
		{"w-mc", "nowhere", false},  //
		{"w", "p-a", true},          //
		{"q", "p-b", true},          //
	} {
		require.Equal(t, c.want, cfg.ReadableFrom(c.id, c.scope), "%s from %s", c.id, c.scope)
	}
}

func TestAgencyByCode(t *testing.T) {
	cfg := historyConfig()
	require.Equal(t, "p-a", cfg.AgencyByCode("20194").ID)
	require.Nil(t, cfg.AgencyByCode("99999"))
	require.Nil(t, cfg.AgencyByCodeAt("20194", at("2025-06-01 08:00")))
	require.Equal(t, "p-a", cfg.AgencyByCodeAt("20194", at("2025-07-01 08:00")).ID)
}

func TestRegimeFor(t *testing.T) {
	for _, c := range []struct{ at, want string }{
		{"2025-03-03 09:00", counter.RegimeV2018},
		{"2025-06-30 23:59", counter.RegimeV2018},
		{"2025-07-01 00:00", counter.RegimeV2025},
		{"2026-03-02 09:00", counter.RegimeV2025},
		{"2026-08-04 23:59", counter.RegimeV2025},
		{"2026-08-05 00:00", counter.RegimeV2026a},
		{"2026-12-05 09:00", counter.RegimeV2026a},
	} {
		require.Equal(t, c.want, counter.RegimeFor(at(c.at), hcm), c.at)
	}
	// 20:00 UTC on 4 August is 5 August in Da Nang.
	require.Equal(t, counter.RegimeV2026a, counter.RegimeFor(time.Date(2026, 8, 4, 20, 0, 0, 0, time.UTC), nil))
	require.Equal(t, counter.RegimeV2025, counter.RegimeFor(time.Date(2026, 8, 4, 20, 0, 0, 0, time.UTC), time.UTC))

	r, ok := counter.RegimeInfo(counter.RegimeV2025)
	require.True(t, ok)
	require.Equal(t, "Nghị định 118/2025/NĐ-CP", r.Decree)
	require.Equal(t, counter.Form{Number: "05", Name: "Thông báo dừng giải quyết hồ sơ"}, r.Forms.StopNotice)
	require.Equal(t, "06", r.Forms.ControlSlip.Number)
	require.False(t, r.CompetentAgencyClock)
	old, _ := counter.RegimeInfo(counter.RegimeV2018)
	require.Equal(t, "05", old.Forms.ControlSlip.Number)
	require.Empty(t, old.Forms.StopNotice.Number)
	require.False(t, old.StopEvents)
	amended, _ := counter.RegimeInfo(counter.RegimeV2026a)
	require.True(t, amended.CompetentAgencyClock)
	require.Contains(t, amended.DecreeFull, "309/2026")
	_, ok = counter.RegimeInfo("v1999")
	require.False(t, ok)
}

func TestRulesFor(t *testing.T) {
	rules := counter.DefaultRules()
	v25 := counter.DefaultRules()
	v25.SupplementWindow = counter.RuleDuration{Value: 2, Unit: "wd"}
	rules.Versions = map[string]counter.Rules{counter.RegimeV2025: v25}
	cfg := counter.NewConfig(&counter.Agency{ID: "tp"}, nil, nil, &calendar.Calendar{Location: hcm}, rules)
	require.Equal(t, counter.RuleDuration{Value: 2, Unit: "wd"}, cfg.RulesFor(counter.RegimeV2025).SupplementWindow)
	require.Equal(t, counter.RuleDuration{Value: 3, Unit: "wd"}, cfg.RulesFor(counter.RegimeV2018).SupplementWindow)
	require.Equal(t, counter.RuleDuration{Value: 3, Unit: "wd"}, cfg.RulesFor(counter.RegimeV2026a).SupplementWindow)
}

func TestCodeFormatOK(t *testing.T) {
	off := counter.NewConfig(&counter.Agency{ID: "tp"}, nil, nil, &calendar.Calendar{Location: hcm}, counter.DefaultRules())
	require.True(t, counter.CodeFormatOK(off, "anything"), "no format configured: the check is off")
	require.False(t, off.CodeFormatsOn())

	rules := counter.DefaultRules()
	rules.DossierCodeFormats = []counter.CodeFormat{{Name: counter.FormatCircular01}, {Name: counter.FormatCircular04}}
	cfg := counter.NewConfig(&counter.Agency{ID: "tp"}, nil, nil, &calendar.Calendar{Location: hcm}, rules)
	require.True(t, cfg.CodeFormatsOn())
	for code, want := range map[string]bool{
		"000.00.31.H17-260310-0001":   true,  // Circular 01
		"000.00.31.H17-260310-00001":  false, // Circular 01 has exactly 4 digits
		"000.00.31.H17-261310-0001":   false, // month 13
		"000.00.31.H17-260230-0001":   false, // 30 February
		"H17.100.05-261205-010001":    true,  // Circular 03 Art. 13(3): AA + 4 digits
		"H17.100.05-261205-01000123":  true,  // … or more
		"H17.100.05-261205-01001":     false, // AA + 3 digits
		"H17.100.05-261205-AB0001":    false, // AA are digits
		"h17.100.05-261205-010001":    false, // upper case
		"D1":                          false,
		" 000.00.31.H17-260310-0001":  false,
		"000.00.31.H17-260310-0001\n": false,
	} {
		require.Equal(t, want, counter.CodeFormatOK(cfg, code), code)
	}

	rules.DossierCodeFormats = []counter.CodeFormat{{Name: "demo", Pattern: `^D[0-9]+$`}}
	custom := counter.NewConfig(&counter.Agency{ID: "tp"}, nil, nil, &calendar.Calendar{Location: hcm}, rules)
	require.True(t, counter.CodeFormatOK(custom, "D1"))
	require.False(t, counter.CodeFormatOK(custom, "000.00.31.H17-260310-0001"))
}
