// Package countertest holds the test fixture the packages of motcua
// share: a small city with a district (counter, division, a ward with its
// counter) and a second district, three procedures and the 2026 Tết
// holidays, in Asia/Ho_Chi_Minh. Tests take it instead of hand-building a
// city of their own.
package countertest

import (
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// Zone is Asia/Ho_Chi_Minh.
var Zone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

// At parses "2006-01-02 15:04" in Zone.
func At(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

// City is a small city: one district with a counter and a division,
// one ward with a counter, and the 2026 Tết holidays.
func City() *counter.Config {
	root := &counter.Agency{ID: "tp", Name: "UBND thành phố", Level: counter.LevelCity,
		Head: counter.Head{Name: "Nguyễn Văn A", Title: "Chủ tịch"},
		Children: []*counter.Agency{
			{ID: "q1", Name: "UBND quận 1", Level: counter.LevelDistrict, Head: counter.Head{Name: "Trần B", Title: "Chủ tịch UBND quận"},
				Children: []*counter.Agency{
					{ID: "q1-motcua", Name: "Một cửa quận 1", Level: counter.LevelCounter, Head: counter.Head{Name: "Lê C", Title: "Trưởng bộ phận"}, Desks: []string{"d1", "d2"}},
					{ID: "q1-tnmt", Name: "Phòng TN&MT", Level: counter.LevelDivision, Head: counter.Head{Name: "Phạm D", Title: "Trưởng phòng"}},
					{ID: "p1", Name: "UBND phường 1", Level: counter.LevelCommune, Head: counter.Head{Name: "Hoàng E", Title: "Chủ tịch UBND phường"},
						Children: []*counter.Agency{
							{ID: "p1-motcua", Name: "Một cửa phường 1", Level: counter.LevelCounter, Head: counter.Head{Name: "Vũ F", Title: "Trưởng bộ phận"}, Desks: []string{"a"}},
						}},
				}},
			{ID: "q2", Name: "UBND quận 2", Level: counter.LevelDistrict, Head: counter.Head{Name: "Đỗ G", Title: "Chủ tịch UBND quận"},
				Children: []*counter.Agency{
					{ID: "q2-motcua", Name: "Một cửa quận 2", Level: counter.LevelCounter, Head: counter.Head{Name: "Bùi H", Title: "Trưởng bộ phận"}, Desks: []string{"d1"}},
				}},
		}}
	officials := []counter.Official{
		{ID: "cb-1", Name: "Cán bộ 1", Agency: "q1-motcua"},
		{ID: "cb-2", Name: "Cán bộ 2", Agency: "q1-tnmt"},
		{ID: "cb-3", Name: "Cán bộ 3", Agency: "p1-motcua"},
		{ID: "cb-4", Name: "Cán bộ 4", Agency: "q2-motcua"},
	}
	procs := []counter.Procedure{
		{Code: "1.001", Name: "Cấp giấy phép xây dựng", LeadTime: counter.Duration{Value: 15, Unit: calendar.Days},
			Documents: []counter.Document{{Code: "don", Name: "Đơn"}, {Code: "qsdd", Name: "Giấy tờ đất"}}, Basis: "NĐ 15/2021"},
		{Code: "1.002", Name: "Đăng ký hộ kinh doanh", LeadTime: counter.Duration{Value: 3, Unit: calendar.WorkingDays},
			Documents: []counter.Document{{Code: "giay_de_nghi", Name: "Giấy đề nghị"}}, Basis: "NĐ 01/2021"},
		{Code: "1.003", Name: "Đăng ký khai sinh", Instant: true, Documents: []counter.Document{{Code: "giay_chung_sinh", Name: "Giấy chứng sinh"}}, Basis: "Luật Hộ tịch"},
	}
	holidays := map[calendar.Date]string{}
	for d := 16; d <= 20; d++ {
		holidays[calendar.Date{Year: 2026, Month: 2, Day: d}] = "Tết Nguyên đán"
	}
	holidays[calendar.Date{Year: 2026, Month: 8, Day: 31}] = "Nghỉ hoán đổi"
	holidays[calendar.Date{Year: 2026, Month: 9, Day: 1}] = "Quốc khánh"
	holidays[calendar.Date{Year: 2026, Month: 9, Day: 2}] = "Quốc khánh"
	cal := &calendar.Calendar{Location: Zone,
		Weekend:     map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		OfficeHours: []calendar.Interval{{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute}, {Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour}},
		Holidays:    holidays,
		Workdays:    map[calendar.Date]string{{Year: 2026, Month: 8, Day: 22}: "Làm bù"},
	}
	return counter.NewConfig(root, officials, procs, cal, counter.DefaultRules())
}
