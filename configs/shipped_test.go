package configs

import (
	"io/fs"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// TestShipped loads the folder as `serve` does without --config (the
// embedded copy) and as `--config configs` does (the files on disk), and
// checks the facts a Da Nang office relies on.
func TestShipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		fsys fs.FS
	}{
		{"embedded", Embedded()},
		{"dir", os.DirFS(".")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.fsys)
			require.NoError(t, err)

			require.Equal(t, "tp-danang", cfg.Root.ID)
			require.Equal(t, counter.LevelCity, cfg.Root.Level)

			var departments []string
			for _, ch := range cfg.Root.Children {
				if ch.Level == counter.LevelDepartment {
					departments = append(departments, ch.ID)
				}
			}
			require.GreaterOrEqual(t, len(departments), 10, "departments: %v", departments)
			require.Contains(t, departments, "so-xd")

			for _, id := range []string{"q-haichau", "q-thanhkhe", "q-sontra", "q-nguhanhson", "q-lienchieu", "q-camle", "h-hoavang"} {
				d := cfg.Agency(id)
				require.NotNil(t, d, id)
				require.Equal(t, counter.LevelDistrict, d.Level, id)
				require.Equal(t, "tp-danang", d.Parent, id)
				require.NotNil(t, cfg.Agency(id+"-motcua"), "%s has a counter", id)
				communes := 0
				for _, ch := range d.Children {
					if ch.Level == counter.LevelCommune {
						communes++
						require.True(t, slices.ContainsFunc(ch.Children, func(a *counter.Agency) bool {
							return a.Level == counter.LevelCounter
						}), "%s has a counter", ch.ID)
					}
				}
				require.GreaterOrEqual(t, communes, 2, "%s has wards or communes", id)
			}
			require.Equal(t, "q-haichau", cfg.Agency("p-thachthang").Parent)
			require.Equal(t, "h-hoavang", cfg.Agency("x-hoaphong").Parent)

			staffed := map[string]bool{}
			for _, o := range cfg.Officials {
				staffed[o.Agency] = true
			}
			for _, id := range cfg.Subtree("tp-danang") {
				a := cfg.Agency(id)
				if a.Level != counter.LevelCounter {
					continue
				}
				require.NotEmpty(t, a.Desks, "counter %s has desks", id)
				require.True(t, staffed[id], "counter %s has officials", id)
			}

			require.GreaterOrEqual(t, len(cfg.Procedures), 20)
			birth := cfg.Procedure("1.001193")
			require.NotNil(t, birth)
			require.Equal(t, "Đăng ký khai sinh", birth.Name)
			require.True(t, birth.Instant, "birth registration is returned on the spot")
			units := map[calendar.Unit]bool{}
			for _, p := range cfg.Procedures {
				units[p.LeadTime.Unit] = true
			}
			require.True(t, units[calendar.WorkingDays] && units[calendar.WorkingHours] && units[calendar.Days],
				"the catalogue exercises every lead-time unit: %v", units)

			cal := cfg.Calendar
			day := func(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }
			require.Equal(t, "Asia/Ho_Chi_Minh", cal.Location.String())
			require.Contains(t, cal.Holidays, day(2026, time.February, 17), "Tết 2026")
			require.Contains(t, cal.Workdays, day(2026, time.August, 22), "make-up Saturday for 31/8/2026")
			require.Contains(t, cal.Holidays, day(2026, time.August, 31), "swapped Monday off")
			require.Contains(t, cal.Holidays, day(2026, time.November, 24), "Ngày Văn hóa Việt Nam from 2026")
			require.Contains(t, cal.Holidays, day(2027, time.November, 24))
			require.NotContains(t, cal.Holidays, day(2025, time.November, 24), "not a holiday before 1-7-2026")
			for d := 4; d <= 10; d++ {
				require.Contains(t, cal.Holidays, day(2027, time.February, d), "Tết 2027 as announced")
			}
			require.Contains(t, cal.Holidays, day(2027, time.September, 3), "Quốc khánh 2027: Thu 2 – Sun 5/9")
			// A deadline across 24/11/2026 is one working day later than it
			// would have been: Fri 20/11 + 3 working days is Thu 26/11.
			due, err := cal.Due(time.Date(2026, 11, 20, 10, 0, 0, 0, cal.Location), 3, calendar.WorkingDays)
			require.NoError(t, err)
			require.Equal(t, "2026-11-26T23:59:59+07:00", due.Format(time.RFC3339))
			for y := 2023; y <= 2027; y++ {
				require.Contains(t, cal.Holidays, day(y, time.January, 1), "calendar covers %d", y)
				require.Contains(t, cal.Holidays, day(y, time.September, 2), "calendar covers %d", y)
			}

			want := counter.DefaultRules()
			want.DossierCodeFormats = []counter.CodeFormat{{Name: counter.FormatCircular01}, {Name: counter.FormatCircular04}}
			require.Equal(t, want, cfg.Rules, "rules.yaml ships the SPEC defaults, and checks dossier codes")
		})
	}
}
