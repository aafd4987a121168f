package counter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/counter/calendar"
)

// Codes for acceptance rules beyond SPEC.md's named ones.
const (
	CodeNotReceived       = "not_received"
	CodeAlreadyExists     = "already_exists"
	CodeAlreadyFinished   = "already_finished"
	CodeNoOpenSupplement  = "no_open_supplement"
	CodeComplaintNotFound = "complaint_not_found"
	CodeComplaintResolved = "complaint_resolved"
	CodeTooManyEvents     = "too_many_events"
	// CodeNotInRegime: the event type does not exist under the dossier's
	// rule version (a stop under Decree 61/2018).
	CodeNotInRegime = "not_in_regime"
	// CodeNoStopRequest: a stop notice without the applicant's request.
	CodeNoStopRequest = "no_stop_request"
)

// MaxEventsPerBatch bounds one POST /events batch (SPEC.md §6.2).
const MaxEventsPerBatch = 1000

func required(field string) *Error {
	return Errorf(CodeInvalid, field, "%s is required", "thiếu trường bắt buộc %s", field)
}

func oneOf(field, got string, allowed []string) *Error {
	if got == "" {
		return required(field)
	}
	if slices.Contains(allowed, got) {
		return nil
	}
	return Errorf(CodeInvalid, field, "%s %q is not one of %v", "giá trị %s %q không thuộc %v", field, got, allowed)
}

// CheckShape checks the fields an event of its type must carry, against
// the configuration only: no dossier state and no clock. It is the part of
// acceptance that a decoder can apply alone.
func CheckShape(cfg *Config, e *Event) error {
	if err := CheckLimits(cfg, e); err != nil {
		return err
	}
	if err := CheckLoggedShape(cfg, e); err != nil {
		return err
	}
	return checkInForce(cfg, e)
}

// checkInForce refuses an event at an agency, or a transfer to one, that
// was not in force on the event's date: a district counter abolished on
// 1-7-2025 takes no new dossiers afterwards, its successor does. Only new
// events are checked: the log keeps what was accepted under the tree of
// its day, and replays it whatever the tree says now.
func checkInForce(cfg *Config, e *Event) error {
	day := calendarDate(cfg, e.At)
	if !cfg.InForce(e.Agency, e.At) {
		return notInForce(cfg, "agency", e.Agency, day)
	}
	if e.Type == Transferred && !cfg.InForce(e.To, e.At) {
		return notInForce(cfg, "to", e.To, day)
	}
	return nil
}

// CheckLoggedShape is CheckShape without the input limits: what replaying
// the log applies to an event it already holds, so that a database written
// before a limit existed (or under a wider configured range) still
// replays. The limits guard what comes in; the log is what came in.
func CheckLoggedShape(cfg *Config, e *Event) error {
	if e.ID == "" {
		return required("id")
	}
	if len(e.ID) > 128 {
		return Errorf(CodeInvalid, "id", "id is longer than 128 bytes", "id dài quá 128 byte")
	}
	if e.Type == "" {
		return required("type")
	}
	if !e.Type.Valid() {
		return Errorf(CodeInvalid, "type", "unknown event type %q", "loại sự kiện %q không hợp lệ", string(e.Type))
	}
	if e.At.IsZero() {
		return required("at")
	}
	if e.Agency == "" {
		return required("agency")
	}
	ag := cfg.Agency(e.Agency)
	if ag == nil {
		return Errorf(CodeUnknownAgency, "agency", "unknown agency %q", "không có cơ quan %q", e.Agency)
	}
	if e.Official != "" {
		o := cfg.Official(e.Official)
		if o == nil {
			return Errorf(CodeUnknownOfficial, "official", "unknown official %q", "không có cán bộ %q", e.Official)
		}
		if !cfg.Within(o.Agency, e.Agency) {
			return Errorf(CodeUnknownOfficial, "official", "official %q does not belong to agency %q",
				"cán bộ %q không thuộc cơ quan %q", e.Official, e.Agency)
		}
	}
	if e.Type.IsShift() {
		if e.Dossier != "" {
			return Errorf(CodeInvalid, "dossier", "shift events carry no dossier", "sự kiện ca trực không gắn với hồ sơ")
		}
		if ag.Level != LevelCounter {
			return Errorf(CodeUnknownDesk, "agency", "agency %q is not a counter", "cơ quan %q không phải bộ phận một cửa", e.Agency)
		}
		if e.Desk == "" {
			return required("desk")
		}
		if !slices.Contains(ag.Desks, e.Desk) {
			return Errorf(CodeUnknownDesk, "desk", "counter %q has no desk %q", "bộ phận %q không có quầy %q", e.Agency, e.Desk)
		}
		return nil
	}
	if e.Dossier == "" {
		return required("dossier")
	}
	if len(e.Dossier) > 128 {
		return Errorf(CodeInvalid, "dossier", "dossier code is longer than 128 bytes", "mã hồ sơ dài quá 128 byte")
	}
	if e.Procedure != "" && cfg.Procedure(e.Procedure) == nil {
		return Errorf(CodeUnknownProcedure, "procedure", "unknown procedure %q", "không có thủ tục %q", e.Procedure)
	}
	switch e.Type {
	case Submitted, IntakeSupplementRequested, IntakeRefused, Received:
		if e.Procedure == "" {
			return required("procedure")
		}
	}
	switch e.Type {
	case Submitted:
		if err := oneOf("channel", e.Channel, []string{ChannelOnline, ChannelPostal}); err != nil {
			return err
		}
	case Received:
		if err := oneOf("channel", e.Channel, []string{ChannelDirect, ChannelOnline, ChannelPostal}); err != nil {
			return err
		}
		if e.Slip != nil && e.Slip.DueAt.IsZero() {
			return required("slip.due_at")
		}
		if e.Slip != nil && !e.Slip.DueAt.After(e.At) {
			return Errorf(CodeInvalid, "slip.due_at", "slip.due_at must be after at", "slip.due_at phải sau thời điểm at")
		}
	case SlipIssued:
		if e.DueAt.IsZero() {
			return required("due_at")
		}
		if !e.DueAt.After(e.At) {
			return Errorf(CodeInvalid, "due_at", "due_at must be after at", "due_at phải sau thời điểm at")
		}
	case Transferred:
		if e.To == "" {
			return required("to")
		}
		if cfg.Agency(e.To) == nil {
			return Errorf(CodeUnknownAgency, "to", "unknown agency %q", "không có cơ quan %q", e.To)
		}

	case SupplementRequested:
		if len(e.Items) == 0 {
			return required("items")
		}
	case ApologyIssued:
		if e.NewDueAt.IsZero() {
			return required("new_due_at")
		}
		if !e.NewDueAt.After(e.At) {
			return Errorf(CodeInvalid, "new_due_at", "new_due_at must be after at", "new_due_at phải sau thời điểm at")
		}
	case ComplaintFiled:
		if e.Complaint == "" {
			return required("complaint")
		}
		if err := oneOf("category", e.Category, ComplaintCategories); err != nil {
			return err
		}
		if e.SubjectOfficial != "" && cfg.Official(e.SubjectOfficial) == nil {
			return Errorf(CodeUnknownOfficial, "subject_official", "unknown official %q", "không có cán bộ %q", e.SubjectOfficial)
		}
	case ComplaintResolved:
		if e.Complaint == "" {
			return required("complaint")
		}
		if err := oneOf("outcome", e.Outcome, ComplaintOutcomes); err != nil {
			return err
		}
	case DataNote:
		if e.Reason == "" {
			return required("reason")
		}
	}
	if e.Type == IntakeSupplementRequested && len(e.Items) == 0 {
		return required("items")
	}
	for i, it := range e.Items {
		if it.Code == "" && it.Name == "" {
			return Errorf(CodeInvalid, "items["+strconv.Itoa(i)+"]", "an item needs a code or a name", "mỗi giấy tờ cần có mã hoặc tên")
		}
		if it.Code != "" && !cfg.KnowsDocument(it.Code) {
			return Errorf(CodeUnknownDocument, "items["+strconv.Itoa(i)+"].code", "no procedure lists document %q",
				"không thủ tục nào có giấy tờ %q", it.Code)
		}
	}
	for i, it := range e.Documents {
		if it.Code != "" && !cfg.KnowsDocument(it.Code) {
			return Errorf(CodeUnknownDocument, "documents["+strconv.Itoa(i)+"].code", "no procedure lists document %q",
				"không thủ tục nào có giấy tờ %q", it.Code)
		}
	}
	return nil
}

// Accept applies the acceptance rules of SPEC.md §3 to e, given d, the
// state of its dossier before it (nil if unknown), and now, the server
// clock. It returns nil or an *Error; CheckShape must have passed.
func Accept(cfg *Config, d *Dossier, e *Event, now time.Time) error {
	if tol, ok := cfg.Rules.FutureTolerance.Plain(); ok && e.At.After(now.Add(tol)) {
		return Errorf(CodeEventInFuture, "at", "at is more than %s ahead of the server clock",
			"thời điểm at vượt quá %s so với đồng hồ máy chủ", cfg.Rules.FutureTolerance.String())
	}
	return accept(cfg, d, e)
}

// accept is Accept without the server-clock rule: the judgement of e
// against d alone, also used to judge again an event already recorded.
func accept(cfg *Config, d *Dossier, e *Event) error {
	if e.Type.IsShift() {
		return nil
	}
	if d == nil {
		if !e.Type.Creates() {
			return Errorf(CodeDossierNotFound, "dossier", "dossier %q not found", "không tìm thấy hồ sơ %q", e.Dossier)
		}
		return nil
	}
	if d.Ended() && e.Type != ComplaintFiled && e.Type != ComplaintResolved && e.Type != DataNote {
		return Errorf(CodeDossierClosed, "dossier", "dossier %q is closed", "hồ sơ %q đã kết thúc", d.Code)
	}
	if e.At.Before(d.CreatedAt) {
		return Errorf(CodeBeforeCreation, "at", "at is earlier than the dossier's first event",
			"thời điểm at sớm hơn sự kiện đầu tiên của hồ sơ")
	}
	if e.Procedure != "" && e.Procedure != d.Procedure && e.Type != Received {
		return Errorf(CodeInvalid, "procedure", "dossier %q is for procedure %q", "hồ sơ %q thuộc thủ tục %q", d.Code, d.Procedure)
	}
	received := d.IsReceived()
	switch e.Type {
	case Received:
		if received {
			return Errorf(CodeAlreadyReceived, "type", "dossier %q was already received", "hồ sơ %q đã được tiếp nhận", d.Code)
		}
	case Submitted:
		return Errorf(CodeAlreadyExists, "dossier", "dossier %q already exists", "hồ sơ %q đã tồn tại", d.Code)
	case IntakeSupplementRequested, IntakeRefused:
		if received {
			return Errorf(CodeAlreadyReceived, "type", "dossier %q was already received", "hồ sơ %q đã được tiếp nhận", d.Code)
		}
	case SlipIssued, Transferred, SupplementRequested, SupplementReceived, ApologyIssued, ResultReady, Rejected, Returned,
		StopRequested, StopNoticeIssued:
		if !received {
			return Errorf(CodeNotReceived, "type", "dossier %q has not been received", "hồ sơ %q chưa được tiếp nhận", d.Code)
		}
	}
	if e.Type == StopRequested || e.Type == StopNoticeIssued {
		regime := cfg.RegimeOf(d)
		if r, _ := RegimeInfo(regime); !r.StopEvents {
			return Errorf(CodeNotInRegime, "type", "%s does not exist for dossier %q, received under %s (%s)",
				"hồ sơ %[2]q tiếp nhận theo %[4]s (%[3]s) không có sự kiện %[1]s", string(e.Type), d.Code, regime, r.Decree)
		}
	}
	if err := followsDossier(cfg, d, e); err != nil {
		return err
	}
	switch e.Type {
	case Transferred:
		if e.To == d.Holder {
			return Errorf(CodeInvalid, "to", "a dossier cannot be transferred to its holder", "không thể chuyển hồ sơ cho chính đơn vị đang giữ")
		}
	case SupplementReceived:
		if !d.Paused() {
			return Errorf(CodeNoOpenSupplement, "type", "dossier %q has no open supplement request",
				"hồ sơ %q không có yêu cầu bổ sung đang mở", d.Code)
		}
	case SupplementRequested, ApologyIssued, SlipIssued:
		if d.Finished() {
			return Errorf(CodeAlreadyFinished, "type", "dossier %q is already finished", "hồ sơ %q đã giải quyết xong", d.Code)
		}
	case StopNoticeIssued:
		if d.StopRequestedAt == nil {
			return Errorf(CodeNoStopRequest, "type", "dossier %q has no stop request", "hồ sơ %q chưa có yêu cầu dừng giải quyết", d.Code)
		}
		fallthrough
	case ResultReady, Rejected, StopRequested:
		if d.Finished() {
			return Errorf(CodeAlreadyFinished, "type", "dossier %q is already finished", "hồ sơ %q đã giải quyết xong", d.Code)
		}
	case ComplaintFiled:
		if d.Complaint(e.Complaint) != nil {
			return Errorf(CodeAlreadyExists, "complaint", "complaint %q already exists", "khiếu nại %q đã tồn tại", e.Complaint)
		}
	case ComplaintResolved:
		c := d.Complaint(e.Complaint)
		if c == nil {
			return Errorf(CodeComplaintNotFound, "complaint", "complaint %q not found", "không tìm thấy khiếu nại %q", e.Complaint)
		}
		if c.Outcome != "" {
			return Errorf(CodeComplaintResolved, "complaint", "complaint %q is already resolved", "khiếu nại %q đã được giải quyết", e.Complaint)
		}
	}
	return nil
}

// followsDossier applies the write rules of SPEC.md §10.4 to e against d,
// the state at e's `at`: processing events come from the agency holding
// the dossier then, or an ancestor of it; the receiving counter (or an
// ancestor) may also record the return, a withdrawal, a stop request,
// slips, the supplement's arrival and complaints. A unit that handed the
// dossier on has no say in it any more.
func followsDossier(cfg *Config, d *Dossier, e *Event) error {
	// A successor of the holder (or receiver) carries on its files
	// (SPEC.md §10.2): ReadableFrom follows the successors.
	holder := cfg.ReadableFrom(d.Holder, e.Agency)
	receiver := cfg.ReadableFrom(d.Agency, e.Agency)
	switch e.Type {
	case SupplementRequested, ApologyIssued, ResultReady, Rejected, Transferred, StopNoticeIssued:
		if holder {
			return nil
		}
	case Returned, Withdrawn, SlipIssued, SupplementReceived, ComplaintFiled, ComplaintResolved, StopRequested:
		if holder || receiver {
			return nil
		}
	default:
		return nil
	}
	return Errorf(CodeNotHolder, "agency", "agency %q does not hold dossier %q at this time (holder: %q)",
		"cơ quan %q không giữ hồ sơ %q vào thời điểm này (đang giữ: %q)", e.Agency, d.Code, d.Holder)
}

// Roles that may record events or resolve complaints.
const (
	RoleDesk        = "desk"
	RoleIntegration = "integration"
	RoleHead        = "head"
	RoleSupervisor  = "supervisor"
)

// Authorize checks that w may record e on the dossier whose state at e's
// `at` is d (nil for a new one), as SPEC.md §6.2 and §10.4 say: the
// event's agency lies in w's subtree; a dossier w cannot see is answered
// as missing (an event that would create it, as already existing), so
// that existence outside the scope is never revealed; only desk and
// integration tokens record, except that a complaint is resolved by a
// head or supervisor over the subject official's agency, or an
// integration scoped over it.
func Authorize(cfg *Config, w Writer, d *Dossier, e *Event) error {
	if e.Type == ComplaintResolved {
		if w.Role != RoleHead && w.Role != RoleSupervisor && w.Role != RoleIntegration {
			return Errorf(CodeForbidden, "", "a complaint is resolved by a head, a supervisor or an integration",
				"khiếu nại do người đứng đầu, cấp giám sát hoặc hệ thống tích hợp giải quyết")
		}
	} else if w.Role != RoleDesk && w.Role != RoleIntegration {
		return Errorf(CodeForbidden, "", "only desk and integration tokens record events",
			"chỉ mã truy cập của bộ phận tiếp nhận hoặc tích hợp mới được ghi sự kiện")
	}
	if cfg.Agency(e.Agency) != nil && !cfg.Within(e.Agency, w.Agency) {
		return Errorf(CodeForbidden, "agency", "agency %q is outside the token's scope",
			"cơ quan %q nằm ngoài phạm vi của mã truy cập", e.Agency)
	}
	if d == nil || e.Type.IsShift() {
		return nil
	}
	if !d.VisibleTo(cfg, w.Agency) {
		if e.Type.Creates() {
			return Errorf(CodeForbidden, "dossier", "dossier %q belongs outside the token's scope",
				"hồ sơ %q thuộc phạm vi khác", e.Dossier)
		}
		return Errorf(CodeDossierNotFound, "dossier", "dossier %q not found", "không tìm thấy hồ sơ %q", e.Dossier)
	}
	if e.Type == ComplaintResolved {
		subject := ""
		if c := d.Complaint(e.Complaint); c != nil && c.SubjectOfficial != "" {
			if o := cfg.Official(c.SubjectOfficial); o != nil {
				subject = o.Agency
			}
		}
		if subject == "" {
			subject = d.Holder
		}
		if !cfg.ReadableFrom(subject, w.Agency) {
			return Errorf(CodeForbidden, "complaint", "the complaint's subject is outside the token's scope",
				"người bị khiếu nại nằm ngoài phạm vi của mã truy cập")
		}
	}
	return nil
}

// calendarDate is t's civil date in the calendar's zone.
func calendarDate(cfg *Config, t time.Time) calendar.Date {
	return calendar.DateOf(t.In(cfg.Calendar.Location))
}

// notInForce is the refusal of an event at (field "to": a transfer to)
// agency id on day, naming the heirs an ended agency's work went to.
func notInForce(cfg *Config, field, id string, day calendar.Date) error {
	en, vi := "", ""
	if heirs := cfg.Heirs(id); len(heirs) > 0 {
		if len(heirs) > 3 {
			heirs = append(heirs[:3:3], "…")
		}
		list := strings.Join(heirs, ", ")
		en, vi = "; its work went to "+list, "; đơn vị kế thừa: "+list
	}
	return &Error{Code: CodeAgencyNotInForce, Field: field,
		Message:   fmt.Sprintf("agency %q is not in force on %s (ended, or not yet set up)%s", id, day, en),
		MessageVI: fmt.Sprintf("cơ quan %q không hoạt động vào ngày %s (đã giải thể, sáp nhập hoặc chưa thành lập)%s", id, day, vi)}
}
