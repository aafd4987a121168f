// Package report writes the spreadsheets heads file (issue 13): the
// scorecards, the dossier register (Sổ theo dõi hồ sơ) and the list of
// breaches, as .xlsx through excelize. Every sheet is streamed
// (excelize.StreamWriter), so a register of any length is written in
// constant memory; each has a title row with the agency and the period,
// Vietnamese headers, and an A4 landscape print setup that fits the width
// of one page and repeats the header row on every page.
//
// The package neither reads the store nor speaks HTTP: callers hand it
// rows. dashboard serves the files; cmd/motcua writes them offline.
//
// # Caveats
//
// The register's columns follow Form 06 of Circular 01/2018/TT-VPCP as
// one-stop software templates reproduce it (legal.md B, "columns
// UNCONFIRMED"); Circular 03/2025 renumbered it Form 07 without, as far as
// was read, changing it. The applicant's address is not recorded by
// motcua, so that column carries the phone only.
package report

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/counter"
)

// Meta is what the title rows say.
type Meta struct {
	Agency *counter.Agency
	Period counter.Period
	// Generated is when the file was made, in the calendar's zone.
	Generated time.Time
}

// column is one column of a sheet: its header and width (in characters).
type column struct {
	Header string
	Width  float64
}

// sheet is one streamed worksheet with the house layout: row 1 the title,
// row 2 the agency and period, row 3 the headers, data from row 4.
type sheet struct {
	f       *excelize.File
	sw      *excelize.StreamWriter
	name    string
	cols    []column
	row     int
	cell    int // style of data cells
	percent int // style of percentage cells
}

// Rows of the layout.
const (
	TitleRow  = 1
	PeriodRow = 2
	HeaderRow = 3
	FirstRow  = 4
)

func newSheet(name, title string, meta Meta, cols []column) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, fmt.Errorf("name sheet: %w", err)
	}
	f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "motcua", Language: "vi-VN"})
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, fmt.Errorf("sheet props: %w", err)
	}
	a4, landscape, one, tall := 9, "landscape", 1, 0
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return nil, fmt.Errorf("page layout: %w", err)
	}
	m, top := 0.4, 0.6
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &top, Bottom: &top}); err != nil {
		return nil, fmt.Errorf("page margins: %w", err)
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&CTrang &P/&N"}); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, HeaderRow, HeaderRow), Scope: name}); err != nil {
		return nil, fmt.Errorf("print titles: %w", err)
	}
	font := "Times New Roman"
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: font, Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	periodStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: font, Italic: true, Size: 12},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	headerStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: font, Bold: true, Size: 11}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: font, Size: 11}, Border: border,
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	percentFmt := "0.0%"
	percentStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: font, Size: 11}, Border: border,
		CustomNumFmt: &percentFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	s := &sheet{f: f, sw: sw, name: name, cols: cols, row: FirstRow, cell: cellStyle, percent: percentStyle}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return nil, fmt.Errorf("column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: HeaderRow, TopLeftCell: fmt.Sprintf("A%d", FirstRow), ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("panes: %w", err)
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: title}}, excelize.RowOpts{Height: 36}); err != nil {
		return nil, fmt.Errorf("title row: %w", err)
	}
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: periodStyle, Value: Subtitle(meta)}}, excelize.RowOpts{Height: 22}); err != nil {
		return nil, fmt.Errorf("period row: %w", err)
	}
	hdr := make([]any, len(cols))
	for i, c := range cols {
		hdr[i] = excelize.Cell{StyleID: headerStyle, Value: c.Header}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", HeaderRow), hdr, excelize.RowOpts{Height: 48}); err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	for _, r := range []int{TitleRow, PeriodRow} {
		if err := sw.MergeCell(fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", last, r)); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
	}
	return s, nil
}

// Subtitle is the second row: the agency and the period.
func Subtitle(meta Meta) string {
	name := ""
	if meta.Agency != nil {
		name = meta.Agency.Name
	}
	return fmt.Sprintf("Cơ quan: %s — Kỳ báo cáo: từ ngày %s đến ngày %s", name, DateVI(meta.Period.From.In(time.UTC)), DateVI(meta.Period.To.In(time.UTC)))
}

// percentCell marks a value as a percentage for add.
type percentCell struct{ v *float64 }

// add writes one data row; nil values leave the cell empty but bordered.
func (s *sheet) add(values ...any) error {
	row := make([]any, len(s.cols))
	for i := range row {
		var v any
		if i < len(values) {
			v = values[i]
		}
		switch x := v.(type) {
		case percentCell:
			if x.v == nil {
				row[i] = excelize.Cell{StyleID: s.cell}
			} else {
				row[i] = excelize.Cell{StyleID: s.percent, Value: *x.v}
			}
		default:
			row[i] = excelize.Cell{StyleID: s.cell, Value: v}
		}
	}
	if err := s.sw.SetRow(fmt.Sprintf("A%d", s.row), row); err != nil {
		return fmt.Errorf("row %d: %w", s.row, err)
	}
	s.row++
	return nil
}

// finish writes the sheet and the workbook to w.
func (s *sheet) finish(w io.Writer) error {
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", s.name, err)
	}
	if _, err := s.f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return s.f.Close()
}

// DateVI formats a day as clerks write it: 02/01/2006.
func DateVI(t time.Time) string { return t.Format("02/01/2006") }

// TimeVI formats an instant in loc as "15:04 02/01/2006"; "" for nil.
func TimeVI(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(loc).Format("15:04 02/01/2006")
}

// LevelNames are the agency levels as a Vietnamese reader knows them.
var LevelNames = map[string]string{
	counter.LevelCity:       "Thành phố",
	counter.LevelDepartment: "Sở, ban, ngành",
	counter.LevelDistrict:   "Quận, huyện",
	counter.LevelDivision:   "Phòng, ban chuyên môn",
	counter.LevelCommune:    "Xã, phường",
	counter.LevelCounter:    "Bộ phận một cửa",
}

// ScorecardsTitle is the title row of the scorecards file.
const ScorecardsTitle = "BẢNG ĐÁNH GIÁ, XẾP HẠNG NGƯỜI ĐỨNG ĐẦU VỀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"

// ScorecardColumns are the headers of the scorecards file.
var ScorecardColumns = []column{
	{"STT", 5}, {"Cơ quan, đơn vị", 32}, {"Cấp", 14}, {"Người đứng đầu", 20}, {"Chức vụ", 20},
	{"Kỳ đánh giá", 13}, {"Hồ sơ tiếp nhận", 10}, {"Hồ sơ đã giải quyết", 10}, {"Giải quyết đúng hạn", 10},
	{"Tỷ lệ đúng hạn (QĐ 766, chỉ tiêu 2.1)", 12}, {"Hồ sơ đang quá hạn", 10},
	{"Vi phạm mức cao", 9}, {"Vi phạm mức trung bình", 9}, {"Vi phạm mức thấp", 9},
	{"Điểm", 8}, {"Xếp loại", 22}, {"Thứ hạng trong cấp", 9}, {"Số đơn vị cùng cấp", 9},
}

// Scorecards writes the cards, one row each, in the order given.
func Scorecards(w io.Writer, meta Meta, cards []counter.Scorecard) error {
	s, err := newSheet("Xếp hạng", ScorecardsTitle, meta, ScorecardColumns)
	if err != nil {
		return err
	}
	for i, c := range cards {
		period := c.Period.From + " – " + c.Period.To
		if from, err := time.Parse(time.DateOnly, c.Period.From); err == nil {
			if to, err := time.Parse(time.DateOnly, c.Period.To); err == nil {
				period = DateVI(from) + " – " + DateVI(to)
			}
		}
		if err := s.add(i+1, c.Name, LevelNames[c.Level], c.Head.Name, c.Head.Title, period,
			c.Received, c.Finished, c.OnTime, percentCell{c.OnTimeRate}, c.OverdueOpen,
			c.Violations.High, c.Violations.Medium, c.Violations.Low,
			c.Score, c.BandName, c.Rank, c.RankOf); err != nil {
			return err
		}
	}
	return s.finish(w)
}

// RegisterTitle is the title row of the register.
const RegisterTitle = "SỔ THEO DÕI HỒ SƠ"

// RegisterColumns are the register's columns (Form 06, Circular
// 01/2018/TT-VPCP; Form 07, Circular 03/2025/TT-VPCP).
var RegisterColumns = []column{
	{"STT", 5}, {"Mã hồ sơ", 24}, {"Tên thủ tục hành chính", 30}, {"Số lượng hồ sơ (bộ)", 7},
	{"Tên cá nhân, tổ chức", 20}, {"Địa chỉ, số điện thoại", 14}, {"Cơ quan chủ trì giải quyết", 24},
	{"Nhận hồ sơ (giờ, ngày)", 14}, {"Hẹn trả kết quả (giờ, ngày)", 14},
	{"Chuyển hồ sơ đến cơ quan giải quyết (giờ, ngày)", 14}, {"Nhận kết quả từ cơ quan giải quyết (giờ, ngày)", 14},
	{"Trả kết quả cho cá nhân, tổ chức (giờ, ngày)", 14}, {"Ký nhận", 10}, {"Ghi chú", 28},
}

// RegisterLine is one row of the register, ready to write.
type RegisterLine struct {
	Code, Procedure, Applicant, Contact, Competent    string
	Received, Promised, Transferred, Result, Returned string
	Note                                              string
}

// RegisterWriter writes the register one line at a time: Add each line,
// then Finish.
type RegisterWriter struct {
	s *sheet
	n int
}

// NewRegisterWriter starts a register for meta.
func NewRegisterWriter(meta Meta) (*RegisterWriter, error) {
	s, err := newSheet("Sổ theo dõi", RegisterTitle, meta, RegisterColumns)
	if err != nil {
		return nil, err
	}
	return &RegisterWriter{s: s}, nil
}

// Add writes the next line.
func (r *RegisterWriter) Add(l RegisterLine) error {
	r.n++
	return r.s.add(r.n, l.Code, l.Procedure, 1, l.Applicant, l.Contact, l.Competent,
		l.Received, l.Promised, l.Transferred, l.Result, l.Returned, nil, l.Note)
}

// Rows returns how many lines were added.
func (r *RegisterWriter) Rows() int { return r.n }

// Finish writes the workbook to w.
func (r *RegisterWriter) Finish(w io.Writer) error { return r.s.finish(w) }

// ViolationsTitle is the title row of the breaches file.
const ViolationsTitle = "DANH SÁCH VI PHẠM TRONG GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"

// ViolationColumns are the headers of the breaches file.
var ViolationColumns = []column{
	{"STT", 5}, {"Thời điểm vi phạm", 14}, {"Hành vi vi phạm", 26}, {"Mức độ", 10}, {"Mã hồ sơ", 24},
	{"Đơn vị bị quy trách nhiệm", 26}, {"Cán bộ, công chức", 18}, {"Người đứng đầu", 26},
	{"Căn cứ", 26}, {"Tình trạng", 14},
}

// ViolationsWriter writes the breaches one at a time: Add each, then
// Finish.
type ViolationsWriter struct {
	s   *sheet
	cfg *counter.Config
	n   int
}

// NewViolationsWriter starts the breaches file for meta; names of units
// and officials come from cfg.
func NewViolationsWriter(meta Meta, cfg *counter.Config) (*ViolationsWriter, error) {
	s, err := newSheet("Vi phạm", ViolationsTitle, meta, ViolationColumns)
	if err != nil {
		return nil, err
	}
	return &ViolationsWriter{s: s, cfg: cfg}, nil
}

// Add writes the next breach.
func (vw *ViolationsWriter) Add(v counter.Violation) error {
	cfg := vw.cfg
	vw.n++
	unit := v.Agency
	if a := cfg.Agency(v.Agency); a != nil {
		unit = a.Name
	}
	official := v.Official
	if o := cfg.Official(v.Official); o != nil {
		official = o.Name
	}
	head := v.Head.Name
	if v.Head.Title != "" {
		head += ", " + v.Head.Title
	}
	at := v.OccurredAt
	return vw.s.add(vw.n, TimeVI(&at, cfg.Calendar.Location), CodeName(v.Code), SeverityNames[v.Severity], v.Dossier,
		unit, official, head, v.Basis, StatusName(v.Status))
}

// Rows returns how many breaches were added.
func (vw *ViolationsWriter) Rows() int { return vw.n }

// Finish writes the workbook to w.
func (vw *ViolationsWriter) Finish(w io.Writer) error { return vw.s.finish(w) }

// CodeNames are the breaches as the pages name them in Vietnamese.
var CodeNames = map[string]string{
	counter.VOverdue:                "Quá hạn giải quyết",
	counter.VLateReturn:             "Trả kết quả trễ hạn",
	counter.VMissingApology:         "Không có phiếu xin lỗi",
	counter.VRepeatedReschedule:     "Hẹn lại nhiều lần",
	counter.VLateAfterReschedule:    "Trễ sau khi hẹn lại",
	counter.VMissingSlip:            "Không cấp giấy tiếp nhận",
	counter.VSlipBeyondLegalLimit:   "Hẹn trả vượt thời hạn luật",
	counter.VRepeatedSupplement:     "Yêu cầu bổ sung nhiều lần",
	counter.VInconsistentSupplement: "Hướng dẫn bổ sung không thống nhất",
	counter.VExtraDocument:          "Yêu cầu giấy tờ ngoài quy định",
	counter.VLateSupplementRequest:  "Yêu cầu bổ sung muộn",
	counter.VMissingReason:          "Không nêu lý do",
	counter.VStepOverrun:            "Vượt thời gian bước xử lý",
	counter.VResponsibilityBounce:   "Đùn đẩy trách nhiệm",
	counter.VLateTransfer:           "Chuyển hồ sơ muộn",
	counter.VDeskUnstaffed:          "Quầy không có người trực",
	counter.VComplaint:              "Khiếu nại, phản ánh",
	counter.VBackdatedEntry:         "Nhập liệu lùi ngày",
}

// CodeName returns the Vietnamese name of a breach code, or the code.
func CodeName(code string) string {
	if n, ok := CodeNames[code]; ok {
		return n
	}
	return code
}

// SeverityNames are the severities in Vietnamese.
var SeverityNames = map[string]string{counter.SeverityHigh: "Cao", counter.SeverityMedium: "Trung bình", counter.SeverityLow: "Thấp"}

var statusNames = map[string]string{
	counter.StatusOpen:        "Đang mở",
	counter.StatusConfirmed:   "Đã xác nhận",
	counter.StatusProvisional: "Chờ xác minh",
	counter.StatusDismissed:   "Đã bác bỏ",
	counter.StatusResolved:    "Đã kết thúc",
	"withdrawn":               "Đã rút bỏ",
}

// StatusName returns the Vietnamese name of a violation status.
func StatusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return s
}
