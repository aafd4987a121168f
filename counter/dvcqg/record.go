package dvcqg

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
)

// Str is a value of a national-sync record. The legacy format sends every
// value as a JSON string, but integrations also send numbers ("TrangThai":
// 4) and null; Str keeps the text of any of them, trimmed. An object or an
// array where a value belongs is refused.
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(strings.TrimSpace(v))
	case b[0] == '{' || b[0] == '[':
		return errNotScalar
	case string(b) == "null":
		*s = ""
	default:
		*s = Str(b)
	}
	return nil
}

var errNotScalar = counter.Errorf(counter.CodeInvalid, "", "expected a string", "cần một chuỗi")

// Supplement is one DanhSachHoSoBoSung item of a dossier record: a request
// for more papers and, once they came, their receipt with the new due time.
type Supplement struct {
	HoSoBoSungID       Str `json:"HoSoBoSungId,omitempty"`
	NoiDungBoSung      Str `json:"NoiDungBoSung,omitempty"`
	NgayBoSung         Str `json:"NgayBoSung,omitempty"`
	NgayTiepNhanBoSung Str `json:"NgayTiepNhanBoSung,omitempty"`
	TrangThaiBoSung    Str `json:"TrangThaiBoSung,omitempty"`
	NgayHenTraTruoc    Str `json:"NgayHenTraTruoc,omitempty"`
	NgayHenTraMoi      Str `json:"NgayHenTraMoi,omitempty"`
}

// Dossier is a DongBoHoSoMC item: the latest state of one dossier as the
// one-stop system syncs it. Only the fields the mapping reads are kept;
// others (attachments, fees, the applicant's id number) are dropped.
// MaDonVi is not a national field: it carries the unit code when the
// envelope's madonvi is not sent.
type Dossier struct {
	MaHoSo             Str          `json:"MaHoSo"`
	MaDonVi            Str          `json:"MaDonVi,omitempty"`
	MaTTHC             Str          `json:"MaTTHC,omitempty"`
	SoBienNhan         Str          `json:"SoBienNhan,omitempty"`
	KenhThucHien       Str          `json:"KenhThucHien,omitempty"`
	ChuHoSo            Str          `json:"ChuHoSo,omitempty"`
	SoDienThoai        Str          `json:"SoDienThoai,omitempty"`
	NgayNopHoSo        Str          `json:"NgayNopHoSo,omitempty"`
	NgayTiepNhan       Str          `json:"NgayTiepNhan,omitempty"`
	NgayHenTra         Str          `json:"NgayHenTra,omitempty"`
	TrangThaiHoSo      Str          `json:"TrangThaiHoSo,omitempty"`
	NgayTuChoi         Str          `json:"NgayTuChoi,omitempty"`
	NgayKetThucXuLy    Str          `json:"NgayKetThucXuLy,omitempty"`
	NgayTra            Str          `json:"NgayTra,omitempty"`
	DonViXuLy          Str          `json:"DonViXuLy,omitempty"`
	DanhSachHoSoBoSung []Supplement `json:"DanhSachHoSoBoSung,omitempty"`
	// NonBoundary marks a dossier received regardless of administrative
	// boundary (true, "true" or 1): the received event carries
	// cross_boundary, and from v2026a its clock starts at the competent
	// agency (Decree 118 Art. 17(3) as amended).
	NonBoundary Str `json:"nonBoundary,omitempty"`
}

// crossBoundary reads NonBoundary.
func (d *Dossier) crossBoundary() bool {
	switch strings.ToLower(string(d.NonBoundary)) {
	case "true", "1":
		return true
	}
	return false
}

// Progress is a CapNhatTienDoHoSoMC row: one action on a dossier and the
// national status after it. DonViXuLy is the per-row unit of the BTXH
// variant.
type Progress struct {
	MaHoSo                 Str `json:"MaHoSo"`
	NguoiXuLy              Str `json:"NguoiXuLy,omitempty"`
	ThoiDiemXuLy           Str `json:"ThoiDiemXuLy"`
	PhongBanXuLy           Str `json:"PhongBanXuLy,omitempty"`
	DonViXuLy              Str `json:"DonViXuLy,omitempty"`
	NoiDungXuLy            Str `json:"NoiDungXuLy,omitempty"`
	TrangThai              Str `json:"TrangThai"`
	NgayKetThucTheoQuyDinh Str `json:"NgayKetThucTheoQuyDinh,omitempty"`
}

// Record is one national-sync record: a dossier or a progress row, with
// the unit code of its envelope. Path names it in the input ("data[3]")
// for error messages; it is not stored.
type Record struct {
	Unit     string    `json:"unit,omitempty"`
	Dossier  *Dossier  `json:"dossier,omitempty"`
	Progress *Progress `json:"progress,omitempty"`
	Path     string    `json:"-"`
}

// Code returns the dossier code of r.
func (r Record) Code() string {
	if r.Dossier != nil {
		return string(r.Dossier.MaHoSo)
	}
	if r.Progress != nil {
		return string(r.Progress.MaHoSo)
	}
	return ""
}

// The services of the legacy adapter whose data this package reads.
const (
	ServiceDossier  = "DongBoHoSoMC"
	ServiceProgress = "CapNhatTienDoHoSoMC"
)

// Parse reads a body of national-sync records: an envelope {"service",
// "madonvi", "data": [...]} (the legacy adapter's request), a bare array
// of records (the provincial proxies), or one record. Each record is a
// dossier or a progress row, told apart by the service or by its fields.
// Errors are *counter.Error naming the record ("data[2].NgayTiepNhan").
func Parse(body []byte) ([]Record, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, counter.Errorf(counter.CodeBadJSON, "", "empty body", "nội dung rỗng")
	}
	if !json.Valid(body) {
		return nil, counter.Errorf(counter.CodeBadJSON, "", "malformed JSON", "JSON không hợp lệ")
	}
	switch body[0] {
	case '[':
		return parseList(body, "", "", "")
	case '{':
	default:
		return nil, counter.Errorf(counter.CodeInvalid, "", "expected a record, an array of records or an envelope with data",
			"cần một bản ghi, một mảng bản ghi hoặc gói có trường data")
	}
	var env struct {
		Service Str             `json:"service"`
		MaDonVi Str             `json:"madonvi"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, counter.Errorf(counter.CodeInvalid, "", "envelope fields service, madonvi must be strings",
			"các trường service, madonvi của gói phải là chuỗi")
	}
	if env.Data == nil {
		r, err := parseRecord(body, "", "", "")
		if err != nil {
			return nil, err
		}
		return []Record{r}, nil
	}
	service := string(env.Service)
	if service != "" && service != ServiceDossier && service != ServiceProgress {
		return nil, counter.Errorf(counter.CodeInvalid, "service", "service %q is not %s or %s",
			"dịch vụ %q không phải %s hay %s", service, ServiceDossier, ServiceProgress)
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || data[0] != '[' {
		return nil, counter.Errorf(counter.CodeInvalid, "data", "data must be an array of records", "data phải là một mảng bản ghi")
	}
	return parseList(data, "data", service, string(env.MaDonVi))
}

func parseList(body []byte, path, service, unit string) ([]Record, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, counter.Errorf(counter.CodeInvalid, path, "expected an array of records", "cần một mảng bản ghi")
	}
	if len(list) == 0 {
		return nil, counter.Errorf(counter.CodeInvalid, path, "no records", "không có bản ghi nào")
	}
	out := make([]Record, 0, len(list))
	for i, raw := range list {
		r, err := parseRecord(raw, path+"["+strconv.Itoa(i)+"]", service, unit)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// parseRecord decodes one record at path. The kind comes from service, or
// else from the fields present: ThoiDiemXuLy makes a progress row.
func parseRecord(raw []byte, path, service, unit string) (Record, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Record{}, counter.Errorf(counter.CodeInvalid, path, "a record must be a JSON object", "mỗi bản ghi phải là một đối tượng JSON")
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return Record{}, counter.Errorf(counter.CodeInvalid, path, "a record must be a JSON object", "mỗi bản ghi phải là một đối tượng JSON")
	}
	progress := service == ServiceProgress
	if service == "" {
		_, progress = keys["ThoiDiemXuLy"]
	}
	r := Record{Unit: unit, Path: path}
	var target any
	if progress {
		r.Progress = &Progress{}
		target = r.Progress
	} else {
		r.Dossier = &Dossier{}
		target = r.Dossier
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return Record{}, badField(raw, target, path)
	}
	if r.Code() == "" {
		return Record{}, counter.Errorf(counter.CodeInvalid, field(path, "MaHoSo"), "MaHoSo is required", "thiếu mã hồ sơ (MaHoSo)")
	}
	if len(r.Code()) > 128 {
		return Record{}, counter.Errorf(counter.CodeInvalid, field(path, "MaHoSo"), "MaHoSo is longer than 128 bytes", "mã hồ sơ dài quá 128 byte")
	}
	if err := r.check(); err != nil {
		if path == "" {
			return Record{}, err
		}
		return Record{}, counter.WithFieldPrefix(err, path)
	}
	return r, nil
}

// badField names the first member of raw that target cannot take.
func badField(raw []byte, target any, path string) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return counter.Errorf(counter.CodeInvalid, path, "a record must be a JSON object", "mỗi bản ghi phải là một đối tượng JSON")
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	// Deterministic: the first bad key in byte order.
	slices.Sort(names)
	for _, k := range names {
		probe := map[string]json.RawMessage{k: keys[k]}
		b, _ := json.Marshal(probe)
		if json.Unmarshal(b, target) != nil {
			return counter.Errorf(counter.CodeInvalid, field(path, k), "%s: expected a string or a list of objects",
				"%s: cần một chuỗi hoặc danh sách đối tượng", k)
		}
	}
	return counter.Errorf(counter.CodeInvalid, path, "invalid record", "bản ghi không hợp lệ")
}

func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// check validates the values the mapping reads: dates, statuses, channel.
func (r Record) check() error {
	dates := map[string]Str{}
	if d := r.Dossier; d != nil {
		dates = map[string]Str{"NgayNopHoSo": d.NgayNopHoSo, "NgayTiepNhan": d.NgayTiepNhan, "NgayHenTra": d.NgayHenTra,
			"NgayTuChoi": d.NgayTuChoi, "NgayKetThucXuLy": d.NgayKetThucXuLy, "NgayTra": d.NgayTra}
		if d.TrangThaiHoSo == "" {
			return counter.Errorf(counter.CodeInvalid, "TrangThaiHoSo", "TrangThaiHoSo is required", "thiếu trạng thái hồ sơ (TrangThaiHoSo)")
		}
		if _, err := status(d.TrangThaiHoSo, "TrangThaiHoSo"); err != nil {
			return err
		}
		switch d.KenhThucHien {
		case "", "1", "2", "3":
		default:
			return counter.Errorf(counter.CodeInvalid, "KenhThucHien", "KenhThucHien %q is not 1, 2 or 3",
				"kênh thực hiện %q không phải 1, 2 hay 3", string(d.KenhThucHien))
		}
		for i, s := range d.DanhSachHoSoBoSung {
			p := "DanhSachHoSoBoSung[" + strconv.Itoa(i) + "]."
			for k, v := range map[string]Str{"NgayBoSung": s.NgayBoSung, "NgayTiepNhanBoSung": s.NgayTiepNhanBoSung,
				"NgayHenTraTruoc": s.NgayHenTraTruoc, "NgayHenTraMoi": s.NgayHenTraMoi} {
				dates[p+k] = v
			}
		}
	}
	if p := r.Progress; p != nil {
		dates = map[string]Str{"ThoiDiemXuLy": p.ThoiDiemXuLy, "NgayKetThucTheoQuyDinh": p.NgayKetThucTheoQuyDinh}
		if p.ThoiDiemXuLy == "" {
			return counter.Errorf(counter.CodeInvalid, "ThoiDiemXuLy", "ThoiDiemXuLy is required", "thiếu thời điểm xử lý (ThoiDiemXuLy)")
		}
		if p.TrangThai == "" {
			return counter.Errorf(counter.CodeInvalid, "TrangThai", "TrangThai is required", "thiếu trạng thái (TrangThai)")
		}
		if _, err := status(p.TrangThai, "TrangThai"); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(dates))
	for k := range dates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := ParseTime(string(dates[k]), time.UTC); err != nil {
			var ce *counter.Error
			errors.As(err, &ce)
			return &counter.Error{Code: counter.CodeInvalid, Field: k, Message: k + ": " + ce.Message, MessageVI: k + ": " + ce.MessageVI}
		}
	}
	return nil
}

// status reads a national status code 1–10.
func status(s Str, name string) (int, error) {
	n, err := strconv.Atoi(string(s))
	if err != nil || n < 1 || n > 10 {
		return 0, counter.Errorf(counter.CodeInvalid, name, "%s %q is not a national status 1–10",
			"%s %q không phải mã trạng thái 1–10", name, string(s))
	}
	return n, nil
}

// Date layouts of the national sync and its neighbours (reference
// dvcqg-sync.md §2): the legacy yyyyMMddHHmmss, ISO without an offset (the
// newer API), and dd/MM/yyyy HH:mm:ss (the social-protection sync).
var layouts = []string{
	"20060102150405",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"02/01/2006 15:04:05",
	"02/01/2006 15:04",
}

// ParseTime reads a national-sync instant in loc (they carry no offset;
// an ISO value with one keeps it). The empty string is the zero time: "no
// value". Years outside 2000–2100 are refused as implausible.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	var t time.Time
	var err error
	if strings.Contains(s, "T") && (strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > 10) {
		t, err = time.Parse(time.RFC3339Nano, s)
	} else {
		for _, l := range layouts {
			if t, err = time.ParseInLocation(l, s, loc); err == nil {
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, counter.Errorf(counter.CodeInvalid, "", "unreadable time %q (want yyyyMMddHHmmss, yyyy-MM-ddTHH:mm:ss or dd/MM/yyyy HH:mm:ss)",
			"không đọc được thời điểm %q (cần yyyyMMddHHmmss, yyyy-MM-ddTHH:mm:ss hoặc dd/MM/yyyy HH:mm:ss)", s)
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, counter.Errorf(counter.CodeInvalid, "", "time %q is outside 2000–2100", "thời điểm %q nằm ngoài 2000–2100", s)
	}
	return t.In(loc), nil
}

// GroupByDossier splits records into one group per dossier, in the order
// each dossier first appears, keeping the records' order within each.
func GroupByDossier(recs []Record, arrived time.Time) []Group {
	var out []Group
	idx := map[string]int{}
	for _, r := range recs {
		i, ok := idx[r.Code()]
		if !ok {
			i = len(out)
			idx[r.Code()] = i
			out = append(out, Group{Arrived: arrived})
		}
		out[i].Records = append(out[i].Records, r)
	}
	return out
}
