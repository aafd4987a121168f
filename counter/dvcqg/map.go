package dvcqg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter"
)

// Group is the records of one dossier that arrived together, and when. An
// import leaves Arrived zero: a change the records give no date for is
// then dated at the latest instant they do give.
type Group struct {
	Arrived time.Time `json:"arrived,omitzero"`
	Records []Record  `json:"records"`
}

// Note is something the mapping could not tell from the records. When the
// dossier exists it is also recorded as a data_note event (Event names it).
type Note struct {
	Dossier   string `json:"dossier"`
	Record    string `json:"record,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	Event     string `json:"event,omitempty"`
}

// Note codes.
const (
	NoteTimeUnknown       = "time_unknown"
	NoteStatusBackwards   = "status_backwards"
	NoteResultWhilePaused = "result_while_paused"
	NotePauseNotMapped    = "pause_not_mapped"
	NoteUnitUnknown       = "unit_unknown"
	NoteTransferNoUnit    = "transfer_without_unit"
	NoteNoDueDate         = "no_due_date"
	NoteDueEarlier        = "due_earlier"
	NoteDueAfterPause     = "due_after_pause"
	NoteBeforeReceipt     = "before_receipt"
	NoteChannelUnknown    = "channel_unknown"
	NotePending           = "pending"
)

// Output is what mapping one group produced: the events to record, in
// order, with Sources[i] the index in the group of the record that event
// i came from, and the notes.
type Output struct {
	Events  []counter.Event
	Sources []int
	Notes   []Note
	// Fresh lists the indexes of the records seen for the first time: the
	// ones to keep for the next Replay.
	Fresh []int
}

// Mapper maps national-sync records to motcua events on one configuration.
// It is safe for concurrent use.
type Mapper struct {
	cfg   *counter.Config
	names map[string][]*counter.Agency // lower-case name → agencies
}

// NewMapper returns a Mapper for cfg.
func NewMapper(cfg *counter.Config) *Mapper {
	m := &Mapper{cfg: cfg, names: map[string][]*counter.Agency{}}
	var walk func(a *counter.Agency)
	walk = func(a *counter.Agency) {
		k := strings.ToLower(strings.TrimSpace(a.Name))
		m.names[k] = append(m.names[k], a)
		for _, c := range a.Children {
			walk(c)
		}
	}
	if cfg.Root != nil {
		walk(cfg.Root)
	}
	return m
}

// Track is the mapping state of one dossier: the fold of every group of
// its records mapped so far. Rebuild it with Replay from the stored groups.
type Track struct {
	Code string

	hasInfo   bool
	agency    string
	procedure string
	channel   string
	applicant *counter.Applicant
	slipNo    string
	crossB    bool // received regardless of administrative boundary

	exists, received, paused, finished, ended bool
	natPause                                  bool // a status 6/8 pause is open
	status                                    int
	created, last                             time.Time
	holder, unit                              string
	due                                       time.Time // the latest NgayHenTra seen
	snapDue                                   time.Time // the slip's due time by the dossier records
	resumedAt                                 time.Time // a supplement came back since due last moved

	seen    map[string]bool            // observation keys applied
	records map[string][]string        // record identity → ids of the events it produced
	events  map[string]counter.Event   // produced events by id
	notes   map[string]Note            // produced notes by event id
	pending []obs                      // observations waiting for the dossier to exist
	recNote map[string]map[string]bool // record identity → note ids
}

// NewTrack returns the empty track of dossier code.
func NewTrack(code string) *Track {
	return &Track{Code: code, seen: map[string]bool{}, records: map[string][]string{},
		events: map[string]counter.Event{}, notes: map[string]Note{}, recNote: map[string]map[string]bool{}}
}

func (t *Track) clone() *Track {
	n := *t
	n.seen = maps.Clone(t.seen)
	n.records = maps.Clone(t.records)
	n.events = maps.Clone(t.events)
	n.notes = maps.Clone(t.notes)
	n.recNote = maps.Clone(t.recNote)
	n.pending = slices.Clone(t.pending)
	return &n
}

// obs is one dated observation drawn from a record.
type obs struct {
	key     string // identity: event ids derive from it
	rec     int    // index of the record in its group; -1 once pending from an earlier group
	recKey  string
	path    string
	at      time.Time
	status  int
	unit    string
	text    string
	due     time.Time
	undated bool
}

// Replay folds the stored groups of one dossier into a fresh track. The
// groups mapped once already; an error means the configuration changed
// since (a unit code or procedure removed).
func (m *Mapper) Replay(code string, groups []Group) (*Track, error) {
	t := NewTrack(code)
	for _, g := range groups {
		if _, err := m.Map(t, g); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Map folds group g into t and returns the events and notes it produces.
// A record seen before (same identity) produces nothing new: its events
// are returned again, so that a re-sent request records as a retry. On
// error t is unchanged. Errors are *counter.Error naming the record.
func (m *Mapper) Map(t *Track, g Group) (Output, error) {
	loc := m.cfg.Calendar.Location
	nt := t.clone()
	c := &collector{m: m, t: nt, ids: map[string]bool{}}
	var fresh []obs
	var snap *Dossier
	snapIdx, snapKey := -1, ""
	groupSeen := map[string]bool{}
	var newRecs []int
	for i, r := range g.Records {
		if r.Code() != t.Code {
			return Output{}, counter.Errorf(counter.CodeInvalid, field(r.Path, "MaHoSo"), "record of dossier %q in the group of %q",
				"bản ghi của hồ sơ %q nằm trong nhóm của %q", r.Code(), t.Code)
		}
		key := recordKey(r, loc)
		if ids, ok := nt.records[key]; ok || groupSeen[key] {
			for _, id := range ids {
				c.again(nt.events[id], i)
			}
			for id := range nt.recNote[key] {
				c.notes = append(c.notes, nt.notes[id])
			}
			continue
		}
		groupSeen[key] = true
		nt.records[key] = nil
		newRecs = append(newRecs, i)
		os := observations(r, i, key, loc)
		if r.Dossier != nil {
			if err := m.info(nt, r); err != nil {
				return Output{}, err
			}
			snap, snapIdx, snapKey = r.Dossier, i, key
			for _, o := range os {
				if o.status == 2 && nt.snapDue.IsZero() {
					nt.snapDue = o.due
				}
			}
		}
		fresh = append(fresh, os...)
	}
	all := append(nt.pending, fresh...)
	nt.pending = nil
	slices.SortStableFunc(all, func(a, b obs) int { return a.at.Compare(b.at) })
	for progress := true; progress && len(all) > 0; {
		progress = false
		var wait []obs
		for _, o := range all {
			if nt.seen[o.key] {
				continue
			}
			if !c.apply(o) {
				wait = append(wait, o)
				continue
			}
			nt.seen[o.key] = true
			progress = true
		}
		all = wait
	}
	for _, o := range all {
		o.rec = -1
		nt.pending = append(nt.pending, o)
		c.noteOnly(o, NotePending, "no dossier record with a receipt yet: held until one arrives",
			"chưa có bản ghi hồ sơ đã tiếp nhận: giữ lại chờ bản ghi đó")
	}
	if snap != nil {
		c.snapshot(snap, snapIdx, snapKey, g.Records[snapIdx].Path, g.Arrived, fresh)
	}
	*t = *nt
	return Output{Events: c.events, Sources: c.sources, Notes: c.notes, Fresh: newRecs}, nil
}

// recordKey is a record's identity. A progress row is known by (MaHoSo,
// ThoiDiemXuLy, TrangThai, NoiDungXuLy), as the reference advises, since
// some systems re-add the same made-up rows on every push; a dossier
// record by its content.
func recordKey(r Record, loc *time.Location) string {
	if p := r.Progress; p != nil {
		at, _ := ParseTime(string(p.ThoiDiemXuLy), loc)
		return "row|" + at.UTC().Format(time.RFC3339) + "|" + string(p.TrangThai) + "|" + string(p.NoiDungXuLy)
	}
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return "snap|" + hex.EncodeToString(sum[:12])
}

// info takes the dossier's fixed facts from its first dossier record.
func (m *Mapper) info(t *Track, r Record) error {
	if t.hasInfo {
		return nil
	}
	d := r.Dossier
	a := m.unitAgency(r)
	if a == nil {
		return counter.Errorf(counter.CodeUnknownAgency, field(r.Path, "MaHoSo"),
			"no agency in agencies.yaml has the unit code of %q (madonvi %q)",
			"không cơ quan nào trong agencies.yaml có mã đơn vị của hồ sơ %q (madonvi %q)", string(d.MaHoSo), r.unitCode())
	}
	p := m.cfg.Procedure(string(d.MaTTHC))
	if p == nil {
		return counter.Errorf(counter.CodeUnknownProcedure, field(r.Path, "MaTTHC"), "unknown procedure %q",
			"không có thủ tục %q", string(d.MaTTHC))
	}
	t.hasInfo = true
	t.agency, t.procedure = a.ID, p.Code
	switch d.KenhThucHien {
	case "2":
		t.channel = counter.ChannelOnline
	case "3":
		t.channel = counter.ChannelPostal
	case "1":
		t.channel = counter.ChannelDirect
	}
	t.crossB = d.crossBoundary()
	if d.ChuHoSo != "" || d.SoDienThoai != "" {
		t.applicant = &counter.Applicant{Name: string(d.ChuHoSo), Phone: string(d.SoDienThoai)}
	}
	t.slipNo = string(d.SoBienNhan)
	return nil
}

// unitCode is the national code of the record's unit: the envelope's
// madonvi, else MaDonVi, else the part of MaHoSo before its first "-"
// ({unit code}-{yyMMdd}-{number}).
func (r Record) unitCode() string {
	if r.Unit != "" {
		return r.Unit
	}
	if r.Dossier != nil && r.Dossier.MaDonVi != "" {
		return string(r.Dossier.MaDonVi)
	}
	code, _, _ := strings.Cut(r.Code(), "-")
	return code
}

// unitAgency is the agency that receives the record's dossiers: the agency
// with its unit code in force on the dossier's receipt (or submission)
// date, the latest one with it when the record carries neither date or
// none was in force then, or, when that agency is not a counter, its
// first counter child (the unit's one-stop counter).
func (m *Mapper) unitAgency(r Record) *counter.Agency {
	var a *counter.Agency
	if d := r.Dossier; d != nil {
		loc := m.cfg.Calendar.Location
		for _, s := range []Str{d.NgayTiepNhan, d.NgayNopHoSo} {
			if t, err := ParseTime(string(s), loc); err == nil && !t.IsZero() {
				a = m.cfg.AgencyByCodeAt(r.unitCode(), t)
				break
			}
		}
	}
	if a == nil {
		a = m.cfg.AgencyByCode(r.unitCode())
	}
	if a == nil || a.Level == counter.LevelCounter {
		return a
	}
	for _, c := range a.Children {
		if c.Level == counter.LevelCounter {
			return c
		}
	}
	return a
}

// findUnit resolves a unit named on a progress row: by national code,
// else by its name, preferring the one nearest the receiving agency.
func (m *Mapper) findUnit(text, near string) *counter.Agency {
	if a := m.cfg.AgencyByCode(text); a != nil {
		return a
	}
	cands := m.names[strings.ToLower(strings.TrimSpace(text))]
	if len(cands) == 1 {
		return cands[0]
	}
	for _, anc := range m.cfg.Ancestors(near) {
		for _, a := range cands {
			if m.cfg.Within(a.ID, anc) {
				return a
			}
		}
	}
	return nil
}

// observations draws the dated observations of one record.
func observations(r Record, i int, key string, loc *time.Location) []obs {
	tm := func(s Str) time.Time { t, _ := ParseTime(string(s), loc); return t }
	if p := r.Progress; p != nil {
		st, _ := status(p.TrangThai, "")
		unit := string(p.DonViXuLy)
		if p.PhongBanXuLy != "" {
			unit = string(p.PhongBanXuLy)
		}
		return []obs{{key: key, rec: i, recKey: key, path: r.Path, at: tm(p.ThoiDiemXuLy), status: st, unit: unit, text: string(p.NoiDungXuLy)}}
	}
	d := r.Dossier
	st, _ := status(d.TrangThaiHoSo, "")
	mk := func(k string, at time.Time, s int) obs {
		return obs{key: "snap|" + k, rec: i, recKey: key, path: r.Path, at: at, status: s}
	}
	var out []obs
	sub, recv := tm(d.NgayNopHoSo), tm(d.NgayTiepNhan)
	switch {
	case st == 1 || st == 3:
		// Not received: NgayTiepNhan is only when it was registered.
		if sub.IsZero() {
			sub = recv
		}
		if !sub.IsZero() {
			out = append(out, mk("submit", sub, 1))
		}
		if refused := tm(d.NgayTuChoi); st == 3 && !refused.IsZero() {
			out = append(out, mk("refuse", refused, 3))
		}
	default:
		if !sub.IsZero() && d.KenhThucHien != "1" && sub.Before(recv) {
			out = append(out, mk("submit", sub, 1))
		}
		if !recv.IsZero() {
			// NgayHenTra is overwritten on each extension; the due time
			// before the first supplement, when the record keeps it, is
			// the slip's.
			o := mk("recv", recv, 2)
			o.due = tm(d.NgayHenTra)
			first := time.Time{}
			for _, s := range d.DanhSachHoSoBoSung {
				at, before := tm(s.NgayBoSung), tm(s.NgayHenTraTruoc)
				if !at.IsZero() && !before.IsZero() && (first.IsZero() || at.Before(first)) {
					first, o.due = at, before
				}
			}
			out = append(out, o)
		}
	}
	for j, s := range d.DanhSachHoSoBoSung {
		id := string(s.HoSoBoSungID)
		if id == "" {
			id = string(s.NgayBoSung) + "#" + strconv.Itoa(j)
		}
		if at := tm(s.NgayBoSung); !at.IsZero() {
			o := mk("bs|"+id+"|req", at, 5)
			o.text = string(s.NoiDungBoSung)
			out = append(out, o)
		}
		if at := tm(s.NgayTiepNhanBoSung); !at.IsZero() {
			o := mk("bs|"+id+"|recv", at, 4)
			o.text = "Hoàn thành bổ sung hồ sơ"
			o.due = tm(s.NgayHenTraMoi)
			out = append(out, o)
		}
	}
	if at := tm(d.NgayKetThucXuLy); !at.IsZero() && st >= 9 {
		out = append(out, mk("result", at, 9))
	}
	if at := tm(d.NgayTra); !at.IsZero() && st == 10 {
		out = append(out, mk("return", at, 10))
	}
	return out
}

// EventID is the id of the event of type typ that observation key of
// dossier code maps to: the same records always map to the same ids.
func EventID(code string, typ counter.EventType, key string) string {
	sum := sha256.Sum256([]byte(code + "\x00" + string(typ) + "\x00" + key))
	return "dvcqg-" + hex.EncodeToString(sum[:16])
}

// collector gathers one Map call's output and keeps the track current.
type collector struct {
	m       *Mapper
	t       *Track
	events  []counter.Event
	sources []int
	notes   []Note
	ids     map[string]bool
}

func (c *collector) again(e counter.Event, rec int) {
	if c.ids[e.ID] {
		return
	}
	c.ids[e.ID] = true
	c.events = append(c.events, e)
	c.sources = append(c.sources, rec)
}

// emit records a new event from o, folding it into the track.
func (c *collector) emit(o obs, typ counter.EventType, agency string, fill func(e *counter.Event)) {
	t := c.t
	e := counter.Event{ID: EventID(t.Code, typ, o.key), Type: typ, Dossier: t.Code, At: o.at, Agency: agency}
	if fill != nil {
		fill(&e)
	}
	t.events[e.ID] = e
	t.records[o.recKey] = append(t.records[o.recKey], e.ID)
	if o.at.After(t.last) {
		t.last = o.at
	}
	c.again(e, o.rec)
}

// note records what o could not tell: as a data_note event when the
// dossier exists (dated no earlier than its first event), and in the output.
func (c *collector) note(o obs, code, en, vi string, args ...any) {
	t := c.t
	ce := counter.Errorf(code, "", en, vi, args...)
	n := Note{Dossier: t.Code, Record: o.path, Code: code, Message: ce.Message, MessageVI: ce.MessageVI}
	if t.exists {
		at := o.at
		if at.Before(t.created) {
			at = t.created
		}
		id := EventID(t.Code, counter.DataNote, o.key+"|"+code)
		n.Event = id
		e := counter.Event{ID: id, Type: counter.DataNote, Dossier: t.Code, At: at, Agency: t.holder, Reason: n.MessageVI}
		t.events[id] = e
		t.records[o.recKey] = append(t.records[o.recKey], id)
		c.again(e, o.rec)
		t.notes[id] = n
		if t.recNote[o.recKey] == nil {
			t.recNote[o.recKey] = map[string]bool{}
		}
		t.recNote[o.recKey][id] = true
	}
	c.notes = append(c.notes, n)
}

// noteOnly reports a note in the output without recording it.
func (c *collector) noteOnly(o obs, code, en, vi string) {
	c.notes = append(c.notes, Note{Dossier: c.t.Code, Record: o.path, Code: code, Message: en, MessageVI: vi})
}

func (c *collector) backwards(o obs) {
	c.note(o, NoteStatusBackwards, "status %d after status %d: statuses went backwards; not mapped",
		"trạng thái %d sau trạng thái %d: trạng thái đi lùi; không ánh xạ", o.status, c.t.status)
}

// create marks the dossier as existing from an event at at.
func (c *collector) create(at time.Time) {
	t := c.t
	if !t.exists {
		t.exists, t.created, t.holder = true, at, t.agency
	}
}

// apply maps one observation; false means it must wait for the dossier
// to exist.
func (c *collector) apply(o obs) bool {
	t := c.t
	if !t.exists && !(t.hasInfo && (o.status == 1 || o.status == 2 || o.status == 3)) {
		return false
	}
	if t.exists && o.at.Before(t.created) {
		c.note(o, NoteBeforeReceipt, "status %d at %s is dated before the dossier's first event; not mapped",
			"trạng thái %d lúc %s có trước sự kiện đầu tiên của hồ sơ; không ánh xạ", o.status, stamp(o.at))
		return true
	}
	if o.undated {
		before := len(t.records[o.recKey])
		defer func() {
			if len(t.records[o.recKey]) > before {
				c.note(o, NoteTimeUnknown, "status %d has no date in the record; dated at the latest instant known: its arrival, in an import its last date (%s)",
					"trạng thái %d không có ngày trong bản ghi; lấy thời điểm muộn nhất đã biết: lúc nhận được, khi nhập dữ liệu cũ là ngày cuối cùng trong hồ sơ (%s)", o.status, stamp(o.at))
			}
		}()
	}
	if t.ended {
		if o.status != t.status && !(t.status == 10 && o.status == 9) {
			c.backwards(o)
		}
		return true
	}
	switch o.status {
	case 1:
		if t.exists {
			if t.received {
				c.backwards(o)
			}
			return true
		}
		if t.channel == counter.ChannelOnline || t.channel == counter.ChannelPostal {
			c.create(o.at)
			c.emit(o, counter.Submitted, t.agency, func(e *counter.Event) {
				e.Procedure, e.Channel, e.Applicant = t.procedure, t.channel, t.applicant
			})
		}
	case 2:
		switch {
		case !t.received:
			c.receive(o)
		case t.paused:
			c.resume(o)
		case t.finished:
			c.backwards(o)
		}
	case 3:
		if t.received {
			c.backwards(o)
			return true
		}
		c.create(o.at)
		c.emit(o, counter.IntakeRefused, t.agency, func(e *counter.Event) {
			e.Procedure, e.Reason = t.procedure, o.text
		})
		t.ended = true
	case 4:
		if !t.received {
			c.note(o, NoteBeforeReceipt, "status 4 before any receipt; not mapped", "trạng thái 4 khi chưa tiếp nhận; không ánh xạ")
			return true
		}
		if t.finished {
			c.backwards(o)
			return true
		}
		if t.paused {
			c.resume(o)
		}
		t.natPause = false
		c.move(o)
	case 5:
		switch {
		case t.finished:
			c.backwards(o)
			return true
		case !t.received:
			c.emit(o, counter.IntakeSupplementRequested, t.agency, func(e *counter.Event) {
				e.Procedure, e.Reason, e.Items = t.procedure, o.text, items(o.text)
			})
		case t.paused:
			if strings.Contains(strings.ToLower(o.text), "hoàn thành bổ sung") {
				c.resume(o)
			}
		default:
			c.emit(o, counter.SupplementRequested, t.holder, func(e *counter.Event) {
				e.Reason, e.Items = o.text, items(o.text)
			})
			t.paused = true
		}
	case 6, 8:
		c.note(o, NotePauseNotMapped, "status %d (waiting for fees, or stopped) has no motcua event; the clock is not paused",
			"trạng thái %d (chờ nghĩa vụ tài chính hoặc dừng xử lý) không có sự kiện tương ứng; đồng hồ không dừng", o.status)
		t.natPause = true
	case 7:
		c.emit(o, counter.Withdrawn, t.agency, func(e *counter.Event) { e.Reason = o.text })
		t.ended = true
	case 9:
		switch {
		case !t.received:
			c.note(o, NoteBeforeReceipt, "status 9 before any receipt; not mapped", "trạng thái 9 khi chưa tiếp nhận; không ánh xạ")
			return true
		case t.paused || t.natPause:
			c.note(o, NoteResultWhilePaused, "status 9 while the dossier is paused (some systems send 9 for paused dossiers); not mapped",
				"trạng thái 9 khi hồ sơ đang tạm dừng (một số hệ thống gửi 9 cho hồ sơ tạm dừng); không ánh xạ")
			return true
		case !t.finished:
			c.emit(o, counter.ResultReady, t.holder, nil)
			t.finished = true
		}
	case 10:
		if !t.received {
			c.note(o, NoteBeforeReceipt, "status 10 before any receipt; not mapped", "trạng thái 10 khi chưa tiếp nhận; không ánh xạ")
			return true
		}
		c.emit(o, counter.Returned, t.agency, nil)
		t.finished, t.ended = true, true
	}
	t.status = o.status
	return true
}

// receive maps a receipt: the slip's due time is NgayHenTra as first seen.
func (c *collector) receive(o obs) {
	t := c.t
	c.create(o.at)
	ch := t.channel
	if ch == "" {
		ch = counter.ChannelDirect
	}
	if o.due.IsZero() {
		o.due = t.snapDue // a receipt row: the record's NgayHenTra
	}
	var slip *counter.Slip
	if o.due.After(o.at) {
		slip = &counter.Slip{Number: t.slipNo, DueAt: o.due}
		t.due = o.due
	}
	c.emit(o, counter.Received, t.agency, func(e *counter.Event) {
		e.Procedure, e.Channel, e.Applicant, e.Slip = t.procedure, ch, t.applicant, slip
		e.CrossBoundary = t.crossB
	})
	t.received = true
	if t.channel == "" {
		c.note(o, NoteChannelUnknown, "KenhThucHien is missing: recorded as direct", "thiếu kênh thực hiện (KenhThucHien): ghi là trực tiếp")
	}
	switch {
	case o.due.IsZero():
		c.note(o, NoteNoDueDate, "the record has no NgayHenTra: the legal due time applies",
			"bản ghi không có ngày hẹn trả (NgayHenTra): áp dụng thời hạn theo quy định")
	case slip == nil:
		c.note(o, NoteNoDueDate, "NgayHenTra %s is not after the receipt: the legal due time applies",
			"ngày hẹn trả %s không sau thời điểm tiếp nhận: áp dụng thời hạn theo quy định", stamp(o.due))
	}
}

// resume maps a supplement request left: the papers came back. A new due
// time given with it is a new slip.
func (c *collector) resume(o obs) {
	t := c.t
	c.emit(o, counter.SupplementReceived, t.agency, nil)
	t.paused = false
	t.resumedAt = o.at
	if o.due.After(o.at) && !o.due.Equal(t.due) {
		c.emit(o, counter.SlipIssued, t.agency, func(e *counter.Event) { e.Number, e.DueAt = t.slipNo, o.due })
		t.due, t.resumedAt = o.due, time.Time{}
	}
}

// move maps a unit change between rows to a transfer.
func (c *collector) move(o obs) {
	t := c.t
	if o.unit == "" {
		if l := strings.ToLower(o.text); strings.HasPrefix(l, "chuyển") || strings.HasPrefix(l, "liên thông") {
			c.note(o, NoteTransferNoUnit, "row %q looks like a transfer but names no unit; not mapped",
				"dòng %q có vẻ là chuyển hồ sơ nhưng không ghi đơn vị nhận; không ánh xạ", o.text)
		}
		return
	}
	if o.unit == t.unit {
		return
	}
	t.unit = o.unit
	to := c.m.findUnit(o.unit, t.agency)
	if to == nil {
		c.note(o, NoteUnitUnknown, "unit %q is not in agencies.yaml; transfer not mapped",
			"đơn vị %q không có trong agencies.yaml; không ánh xạ việc chuyển", o.unit)
		return
	}
	if to.ID == t.holder {
		return
	}
	from := t.holder
	c.emit(o, counter.Transferred, from, func(e *counter.Event) { e.To = to.ID })
	t.holder = to.ID
}

// snapshot maps what a dossier record says without a date: its status, if
// the dated observations did not reach it, and a moved NgayHenTra.
func (c *collector) snapshot(d *Dossier, idx int, key, path string, arrived time.Time, fresh []obs) {
	t := c.t
	if !t.exists {
		return
	}
	loc := c.m.cfg.Calendar.Location
	when := arrived
	if when.IsZero() {
		when = t.last
	}
	if when.Before(t.last) {
		when = t.last
	}
	st, _ := status(d.TrangThaiHoSo, "")
	same := st == t.status || (st == 2 && t.status == 4) || (st == 4 && t.status == 2) ||
		(st == 9 && t.status == 10) || (st == 5 && t.paused)
	// A record's own dates bound when it was current; in an import (no
	// arrival time) rows dated after them are newer than its status.
	var own time.Time
	for _, f := range fresh {
		if f.rec == idx && f.status == st {
			same = true
		}
		if f.rec == idx && f.at.After(own) {
			own = f.at
		}
	}
	for _, f := range fresh {
		if arrived.IsZero() && f.rec != idx && f.at.After(own) {
			same = true
		}
	}
	if !same {
		o := obs{key: "snapstatus|" + strconv.Itoa(st) + "|" + when.UTC().Format(time.RFC3339), rec: idx, recKey: key,
			path: path, at: when, status: st, undated: true}
		if !t.seen[o.key] {
			if st == 5 {
				o.text = "Yêu cầu bổ sung hồ sơ"
			}
			c.apply(o)
			t.seen[o.key] = true
		}
	}
	due, _ := ParseTime(string(d.NgayHenTra), loc)
	if due.IsZero() || !t.received || t.finished {
		return
	}
	o := obs{key: "due|" + due.UTC().Format(time.RFC3339), rec: idx, recKey: key, path: path, at: when}
	if t.seen[o.key] {
		return
	}
	t.seen[o.key] = true
	switch {
	case t.due.IsZero():
		t.due = due
	case due.Equal(t.due):
		return
	case due.Before(t.due):
		c.note(o, NoteDueEarlier, "NgayHenTra moved earlier, from %s to %s; not mapped",
			"ngày hẹn trả dời sớm hơn, từ %s sang %s; không ánh xạ", stamp(t.due), stamp(due))
	case !t.resumedAt.IsZero():
		o.at = t.resumedAt
		if due.After(o.at) && !t.paused {
			c.emit(o, counter.SlipIssued, t.agency, func(e *counter.Event) { e.Number, e.DueAt = t.slipNo, due })
		}
	case t.natPause || t.paused:
		c.note(o, NoteDueAfterPause, "NgayHenTra moved from %s to %s during a pause: not an apology",
			"ngày hẹn trả dời từ %s sang %s trong thời gian tạm dừng: không phải xin lỗi", stamp(t.due), stamp(due))
	default:
		// An apology: dated by a row that says so, else when it was learnt.
		dated := false
		for _, f := range fresh {
			l := strings.ToLower(f.text)
			if f.rec >= 0 && (strings.Contains(l, "xin lỗi") || strings.Contains(l, "hẹn lại")) && f.at.Before(due) {
				o.at, dated = f.at, true
			}
		}
		if !due.After(o.at) {
			c.note(o, NoteDueEarlier, "NgayHenTra moved to %s, already past when it was learnt; not mapped",
				"ngày hẹn trả dời sang %s, đã qua khi nhận được; không ánh xạ", stamp(due))
			break
		}
		if !dated {
			c.note(o, NoteTimeUnknown, "NgayHenTra moved later with no pause: an apology, dated at the latest instant known (%s)",
				"ngày hẹn trả dời muộn hơn khi không tạm dừng: coi là phiếu xin lỗi, lấy thời điểm muộn nhất đã biết (%s)", stamp(o.at))
		}
		old := t.due
		c.emit(o, counter.ApologyIssued, t.holder, func(e *counter.Event) {
			e.NewDueAt = due
			e.Reason = "Hẹn lại ngày trả kết quả từ " + stamp(old) + " sang " + stamp(due)
		})
	}
	t.due, t.resumedAt = due, time.Time{}
}

// items is the list a supplement request asks for: national records name
// no papers, only the request's text.
func items(text string) []counter.Item {
	if text == "" {
		text = "Bổ sung hồ sơ"
	}
	return []counter.Item{{Name: text}}
}

func stamp(t time.Time) string { return t.Format("02/01/2006 15:04") }
