package configs

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
)

// mapping reads configs/testdata/danang-units-2025.csv (a copy of
// reference/danang-units-2025.csv): old ward → the unit that took it over
// on 1-7-2025.
func mapping(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open("testdata/danang-units-2025.csv")
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"old_province", "old_district", "old_ward", "new_unit", "new_type"}, rows[0])
	return rows[1:]
}

// unitName turns the dataset's "Phường An Hải" / "Đặc Khu Hoàng Sa" into
// the People's Committee's name in agencies.yaml.
func unitName(unit string) string {
	for _, p := range []struct{ from, to string }{{"Phường ", "UBND phường "}, {"Xã ", "UBND xã "}, {"Đặc Khu ", "UBND đặc khu "}} {
		if strings.HasPrefix(unit, p.from) {
			return p.to + strings.TrimPrefix(unit, p.from)
		}
	}
	return unit
}

// TestShippedMap checks the shipped tree against the mapping file: today's
// tree has the 94 units of the new Da Nang, each with its service centre,
// and no district; the tree of 2024 still has the districts; every ended
// unit hands over to units that exist, and an old ward to the unit the
// mapping names.
func TestShippedMap(t *testing.T) {
	cfg, err := Load(Embedded())
	require.NoError(t, err)
	rows := mapping(t)
	loc := cfg.Calendar.Location
	today := time.Date(2026, 12, 5, 9, 0, 0, 0, loc)
	reform := time.Date(2025, 7, 1, 0, 0, 0, 0, loc)

	byName := map[string]*counter.Agency{}
	tree := cfg.TreeAt(today)
	require.NotNil(t, tree)
	var walk func(a *counter.Agency)
	communes, counters := 0, 0
	walk = func(a *counter.Agency) {
		require.NotEqual(t, counter.LevelDistrict, a.Level, "no district in force today: %s", a.ID)
		if a.Level == counter.LevelCommune {
			communes++
			byName[a.Name] = a
		}
		if a.Level == counter.LevelCounter {
			counters++
		}
		for _, ch := range a.Children {
			walk(ch)
		}
	}
	walk(tree)
	require.Equal(t, 94, communes, "today's tree has the 94 wards, communes and special zone")
	var agencies []string
	for _, ch := range tree.Children {
		if ch.Level == counter.LevelDepartment {
			agencies = append(agencies, ch.ID)
		}
	}
	require.ElementsMatch(t, []string{"vp-ubnd", "so-nv", "so-tc", "so-tp", "so-xd", "so-nnmt", "so-khcn", "so-ct",
		"so-gddt", "so-yt", "so-vhttdl", "so-ngv", "so-dttg", "thanh-tra", "bql-chulai"}, agencies,
		"the 14 city agencies after the 2025 mergers and the Chu Lai board")
	require.Equal(t, counter.LevelCounter, cfg.Agency("tp-ttpvhcc").Level)
	require.Equal(t, "vp-ubnd", cfg.Agency("tp-ttpvhcc").Parent, "the city centre is under the Office")

	staffed := map[string]bool{}
	for _, o := range cfg.Officials {
		staffed[o.Agency] = true
	}
	units := map[string]bool{}
	kinds := map[string]int{}
	for _, r := range rows {
		if units[r[3]] {
			continue
		}
		units[r[3]] = true
		kinds[r[4]]++
		a := byName[unitName(r[3])]
		require.NotNil(t, a, "unit %q (%s) is in today's tree", r[3], unitName(r[3]))
		require.Equal(t, "tp-danang", a.Parent)
		require.True(t, cfg.InForce(a.ID, reform), "%s is in force from 1-7-2025", a.ID)
		require.False(t, cfg.InForce(a.ID, reform.Add(-time.Second)), "%s is not in force before 1-7-2025", a.ID)
		i := slices.IndexFunc(a.Children, func(c *counter.Agency) bool { return c.Level == counter.LevelCounter })
		require.GreaterOrEqual(t, i, 0, "%s has a service centre", a.ID)
		centre := a.Children[i]
		require.True(t, strings.HasPrefix(centre.Name, "Trung tâm Phục vụ hành chính công "), centre.Name)
		require.NotEmpty(t, centre.Desks, "%s has desks", centre.ID)
		require.True(t, staffed[centre.ID], "%s has officials", centre.ID)
		divisions := 0
		for _, ch := range a.Children {
			if ch.Level == counter.LevelDivision {
				divisions++
			}
		}
		require.GreaterOrEqual(t, divisions, 3, "%s has its divisions", a.ID)
	}
	require.Len(t, units, 94)
	require.Equal(t, map[string]int{"phuong": 23, "xa": 70, "dac-khu": 1}, kinds)

	// The tree of 2024 is the old one: the districts, no new unit.
	old := cfg.TreeAt(time.Date(2024, 6, 1, 9, 0, 0, 0, loc))
	var oldIDs []string
	for _, ch := range old.Children {
		oldIDs = append(oldIDs, ch.ID)
		require.NotEqual(t, counter.LevelCommune, ch.Level, "no new unit in 2024: %s", ch.ID)
	}
	for _, id := range []string{"q-haichau", "q-thanhkhe", "q-sontra", "q-nguhanhson", "q-lienchieu", "q-camle", "h-hoavang", "so-xd", "so-gtvt"} {
		require.Contains(t, oldIDs, id)
	}

	// Every ended agency names successors that exist and are in force the
	// day after it ends; every old ward goes to the unit of the mapping.
	want := map[string]string{} // "district|ward" → new unit name
	for _, r := range rows {
		want[r[1]+"|"+r[2]] = unitName(r[3])
	}
	wards := 0
	for _, id := range cfg.Subtree("tp-danang") {
		a := cfg.Agency(id)
		_, until, _ := cfg.Period(id)
		if until == "" {
			continue
		}
		require.Equal(t, "2025-06-30", until, id)
		if a.Level == counter.LevelDivision {
			continue // its files follow its parent's successors
		}
		if a.Parent != "" && len(a.Successors) == 0 && cfg.Agency(a.Parent).Level == counter.LevelDepartment {
			continue
		}
		require.NotEmpty(t, a.Successors, "%s names its successors", id)
		for _, s := range a.Successors {
			require.NotNil(t, cfg.Agency(s), "%s: successor %s exists", id, s)
			require.True(t, cfg.InForce(s, reform), "%s: successor %s is in force on 1-7-2025", id, s)
		}
		if a.Level != counter.LevelCommune {
			continue
		}
		wards++
		district := cfg.Agency(a.Parent)
		dname := strings.Replace(strings.TrimPrefix(district.Name, "UBND "), "quận", "Quận", 1)
		dname = strings.Replace(dname, "huyện", "Huyện", 1)
		wname := strings.Replace(strings.TrimPrefix(a.Name, "UBND "), "phường", "Phường", 1)
		wname = strings.Replace(wname, "xã", "Xã", 1)
		wname = strings.TrimSuffix(wname, " I") // Hải Châu I, merged into Hải Châu before 2025
		unit, ok := want[dname+"|"+wname]
		require.True(t, ok, "%s (%s, %s) is in the mapping", id, wname, dname)
		require.Len(t, a.Successors, 1, id)
		require.Equal(t, unit, cfg.Agency(a.Successors[0]).Name, "%s goes to %s", id, unit)
	}
	require.Equal(t, 21, wards, "the old tree's wards and communes")

	// New units read the files of those they absorbed; the head changed
	// at the reform.
	require.True(t, cfg.ReadableFrom("p-thachthang-motcua", "phuong-haichau"))
	require.True(t, cfg.ReadableFrom("p-thachthang-motcua", "phuong-haichau-ttpvhcc"))
	require.False(t, cfg.ReadableFrom("p-thachthang-motcua", "phuong-hoacuong"))
	require.True(t, cfg.ReadableFrom("so-gtvt-motcua", "so-xd"))
	require.NotEqual(t, cfg.HeadAt("tp-danang", reform.Add(-time.Hour)), cfg.HeadAt("tp-danang", reform))
}
