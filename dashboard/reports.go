package dashboard

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard/report"
)

// Report kinds: the spreadsheets of GET /api/v1/reports/{kind}.xlsx and
// `motcua report KIND`.
const (
	ReportScorecards = "scorecards"
	ReportRegister   = "register"
	ReportViolations = "violations"
)

// ReportKinds lists the report kinds.
var ReportKinds = []string{ReportScorecards, ReportRegister, ReportViolations}

// XLSXType is the media type of the spreadsheets.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ReportRequest is one spreadsheet to write.
type ReportRequest struct {
	Kind   string
	Agency string
	Period counter.Period
	Now    time.Time
	// HeadAt names heads (nil: Config.HeadOf).
	HeadAt counter.HeadFunc
	// Personal is false for readers who may not see personal data (viewer
	// tokens, SPEC.md §10.3): the register then leaves out the applicant's
	// name and phone and every free-text reason.
	Personal bool
	// Progress, when set, is called with the rows written so far.
	Progress func(rows int)
}

// ReportSource is what the spreadsheets are read from: the ledger for the
// breaches, the reporter for the rest. *store.Store is both.
type ReportSource interface {
	counter.Ledger
	Reporter
}

// WriteReport writes the spreadsheet req asks for to w. Returns
// CodeNotFound for an unknown kind or agency.
func WriteReport(ctx context.Context, w io.Writer, src ReportSource, cfg *counter.Config, req ReportRequest) error {
	a := cfg.Agency(req.Agency)
	if a == nil {
		return counter.Errorf(counter.CodeNotFound, "agency", "unknown agency %q", "không có cơ quan %q", req.Agency)
	}
	loc := cfg.Calendar.Location
	meta := report.Meta{Agency: a, Period: req.Period, Generated: req.Now.In(loc)}
	progress := func(n int) {
		if req.Progress != nil {
			req.Progress(n)
		}
	}
	switch req.Kind {
	case ReportScorecards:
		cards, err := Scorecards(ctx, src, cfg, req.HeadAt, req.Agency, []counter.Period{req.Period}, req.Now)
		if err != nil {
			return err
		}
		progress(len(cards[0]))
		return report.Scorecards(w, meta, cards[0])
	case ReportRegister:
		rw, err := report.NewRegisterWriter(meta)
		if err != nil {
			return err
		}
		err = src.EachRegisterRow(ctx, req.Agency, req.Period.Start(loc), req.Period.End(loc), func(r store.RegisterRow) error {
			if err := rw.Add(RegisterLine(cfg, r, req.Now, req.Personal)); err != nil {
				return err
			}
			if rw.Rows()%1000 == 0 {
				progress(rw.Rows())
			}
			return nil
		})
		if err != nil {
			return err
		}
		progress(rw.Rows())
		return rw.Finish(w)
	case ReportViolations:
		vw, err := report.NewViolationsWriter(meta, cfg)
		if err != nil {
			return err
		}
		f := counter.ViolationFilter{Agency: req.Agency, From: req.Period.Start(loc), To: req.Period.End(loc), Limit: store.MaxLimit}
		for {
			vs, next, err := src.FindViolations(ctx, f)
			if err != nil {
				return err
			}
			for i := range vs {
				if !vs[i].Counts() {
					continue
				}
				if err := vw.Add(vs[i]); err != nil {
					return err
				}
			}
			progress(vw.Rows())
			if next == "" {
				break
			}
			f.Cursor = next
		}
		return vw.Finish(w)
	}
	return counter.Errorf(counter.CodeNotFound, "", "no report %q", "không có báo cáo %q", req.Kind)
}

// RegisterLine turns a register row into the register's cells: instants
// as "15:04 02/01/2006" in the calendar's zone, agencies and procedures by
// name, and a note saying where the dossier stands (on time, late,
// rescheduled, waiting on the applicant, rejected or withdrawn, with the
// reason when personal is true).
func RegisterLine(cfg *counter.Config, r store.RegisterRow, now time.Time, personal bool) report.RegisterLine {
	loc := cfg.Calendar.Location
	d := r.Dossier
	name := func(id string) string {
		if a := cfg.Agency(id); a != nil {
			return a.Name
		}
		return id
	}
	l := report.RegisterLine{Code: d.Code, Procedure: d.Procedure,
		Received: report.TimeVI(d.ReceivedAt, loc), Promised: report.TimeVI(d.PromisedDueAt, loc),
		Transferred: report.TimeVI(r.TransferredAt, loc), Result: report.TimeVI(r.ResultAt, loc),
		Returned: report.TimeVI(d.ReturnedAt, loc), Competent: name(d.Agency)}
	if p := cfg.Procedure(d.Procedure); p != nil {
		l.Procedure = p.Name
	}
	if r.TransferredTo != "" {
		l.Competent = name(r.TransferredTo)
	}
	if personal && d.Applicant != nil {
		l.Applicant, l.Contact = d.Applicant.Name, d.Applicant.Phone
	}
	var notes []string
	reason := func(prefix, text string) string {
		if personal && text != "" {
			return prefix + ": " + text
		}
		return prefix
	}
	switch {
	case d.Status == counter.DossierRejected:
		notes = append(notes, reason("Từ chối giải quyết", r.EndReason))
	case d.Status == counter.DossierWithdrawn:
		notes = append(notes, reason("Công dân rút hồ sơ", r.EndReason))
	case d.FinishedAt != nil && d.OnTime():
		notes = append(notes, "Đúng hạn")
	case d.FinishedAt != nil:
		notes = append(notes, "Trễ hạn")
	case d.PausedAt != nil:
		notes = append(notes, reason("Chờ bổ sung hồ sơ", d.PausedReason))
	case d.DueAt != nil && now.After(*d.DueAt):
		notes = append(notes, "Đang giải quyết, đã quá hạn")
	default:
		notes = append(notes, "Đang giải quyết")
	}
	if d.Reschedules > 0 && d.DueAt != nil {
		notes = append(notes, "Hẹn lại đến "+report.TimeVI(d.DueAt, loc))
	}
	if d.Supplements.Appraisal > 0 {
		notes = append(notes, fmt.Sprintf("Yêu cầu bổ sung %d lần", d.Supplements.Appraisal))
	}
	l.Note = strings.Join(notes, "; ")
	return l
}

// reportFiles maps the file names of GET /reports/{file} to kinds.
var reportFiles = map[string]string{
	"scorecards.xlsx": ReportScorecards,
	"register.xlsx":   ReportRegister,
	"violations.xlsx": ReportViolations,
}

// reportNames are the download names, by kind.
var reportNames = map[string]string{
	ReportScorecards: "xep-hang", ReportRegister: "so-theo-doi-ho-so", ReportViolations: "vi-pham",
}

// handleReportView answers GET /api/v1/reports/{scorecards,register,
// violations}.xlsx: the spreadsheet for the agency's subtree and period.
// The workbook is built in a temporary file, unlinked at once, and streamed
// from it, so a long register does not sit in memory.
func (s *Server) handleReportView(c *fiber.Ctx) error {
	kind, ok := reportFiles[c.Params("file")]
	if !ok {
		return newError(counter.CodeNotFound)
	}
	p, err := s.principal(c)
	if err != nil {
		return err
	}
	agency, err := s.scopedAgency(c)
	if err != nil {
		return err
	}
	per, err := s.periodQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reporter()
	if err != nil {
		return err
	}
	src, ok := s.Ledger.(ReportSource)
	if !ok {
		src = reportSource{Ledger: s.Ledger, Reporter: r}
	}
	f, err := os.CreateTemp("", "motcua-report-*.xlsx")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	err = WriteReport(c.UserContext(), f, src, s.Config, ReportRequest{Kind: kind, Agency: agency, Period: per, Now: s.now(),
		HeadAt: s.HeadAt, Personal: !p.Is(RoleViewer)})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			size = st.Size()
		}
	}
	if err != nil {
		f.Close()
		return err
	}
	name := fmt.Sprintf("%s-%s-%s-%s.xlsx", reportNames[kind], agency, per.From, per.To)
	c.Set(fiber.HeaderContentType, XLSXType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(f, int(size)) // fasthttp closes f once sent
}

type reportSource struct {
	counter.Ledger
	Reporter
}
