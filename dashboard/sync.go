package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/dvcqg"
)

// SyncStore keeps the national-sync record groups of each dossier, which
// the feed folds again on every request (*store.Store implements it).
type SyncStore interface {
	// SyncGroups returns the stored groups of each code, oldest first.
	SyncGroups(codes []string) (map[string][][]byte, error)
	// AppendSyncGroups durably appends one group per dossier code.
	AppendSyncGroups(groups map[string][]byte) error
}

// syncLocks serialise the feed per dossier: a request folds the groups
// stored before it, so two requests for one dossier must not interleave.
type syncLocks [64]sync.Mutex

func (l *syncLocks) lock(codes []string) func() {
	var idx []int
	for _, c := range codes {
		h := fnv.New32a()
		h.Write([]byte(c))
		idx = append(idx, int(h.Sum32()%uint32(len(l))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		l[i].Lock()
	}
	return func() {
		for _, i := range idx {
			l[i].Unlock()
		}
	}
}

func (s *Server) registerSyncRoutes(r fiber.Router) {
	r.Post("/sync/dvcqg", s.handleSyncDVCQG)
}

type syncJSON struct {
	recordJSON
	Notes []dvcqg.Note `json:"notes"`
}

// handleSyncDVCQG answers POST /api/v1/sync/dvcqg (SPEC.md §10.3): dossier
// records and progress rows in the national-sync shape, mapped to events
// by counter/dvcqg and recorded atomically like POST /events. The answer
// is POST /events's plus the mapping notes; 200 when nothing new was
// stored (a re-sent request answers with the events it stored before).
// Errors name the record ("data[2].NgayTiepNhan").
func (s *Server) handleSyncDVCQG(c *fiber.Ctx) error {
	p, err := s.requireRole(c, RoleIntegration)
	if err != nil {
		return err
	}
	if s.Sync == nil || s.Config == nil {
		return newError(counter.CodeUnavailable)
	}
	recs, err := dvcqg.Parse(c.Body())
	if err != nil {
		return err
	}
	arrived := s.now().In(s.Config.Calendar.Location).Truncate(time.Second)
	groups := dvcqg.GroupByDossier(recs, arrived)
	codes := make([]string, len(groups))
	for i, g := range groups {
		codes[i] = g.Records[0].Code()
	}
	defer s.syncMu.lock(codes)()

	stored, err := s.Sync.SyncGroups(codes)
	if err != nil {
		return err
	}
	m := dvcqg.NewMapper(s.Config)
	var events []counter.Event
	var paths []string
	notes := []dvcqg.Note{}
	keep := map[string][]byte{}
	for i, g := range groups {
		past := make([]dvcqg.Group, 0, len(stored[codes[i]]))
		for _, b := range stored[codes[i]] {
			var pg dvcqg.Group
			if err := json.Unmarshal(b, &pg); err != nil {
				return fmt.Errorf("decode sync group of %s: %w", codes[i], err)
			}
			past = append(past, pg)
		}
		tr, err := m.Replay(codes[i], past)
		if err != nil {
			return err
		}
		out, err := m.Map(tr, g)
		if err != nil {
			return err
		}
		for j, e := range out.Events {
			if !p.Covers(s.Config, e.Agency) {
				return errOutOfScope(recordPath(g.Records[out.Sources[j]].Path, "MaHoSo"), e.Agency)
			}
			events = append(events, e)
			if src := out.Sources[j]; src >= 0 {
				paths = append(paths, g.Records[src].Path)
			} else {
				paths = append(paths, "")
			}
		}
		notes = append(notes, out.Notes...)
		if len(out.Fresh) > 0 {
			ng := dvcqg.Group{Arrived: g.Arrived}
			for _, k := range out.Fresh {
				ng.Records = append(ng.Records, g.Records[k])
			}
			b, err := json.Marshal(ng)
			if err != nil {
				return fmt.Errorf("encode sync group of %s: %w", codes[i], err)
			}
			keep[codes[i]] = b
		}
	}
	if len(events) > MaxBatch {
		return counter.Errorf(counter.CodeTooManyEvents, "data", "the records map to %d events, at most %d per request",
			"các bản ghi tạo ra %d sự kiện, tối đa %d mỗi yêu cầu", len(events), MaxBatch)
	}
	res := &counter.RecordResult{Replayed: true}
	if len(events) > 0 {
		ctx, err := s.writerContext(c.UserContext(), p, events)
		if err != nil {
			return recordError(err, paths)
		}
		if res, err = s.Ledger.Record(ctx, events); err != nil {
			return recordError(err, paths)
		}
	}
	// Kept only once its events are stored: a crash in between loses the
	// records, and the client, unanswered, sends them again.
	if err := s.Sync.AppendSyncGroups(keep); err != nil {
		return err
	}
	out := syncJSON{recordJSON: recordJSON{
		Events:     nonNil(res.Events),
		Dossiers:   s.withClocks(res.Dossiers),
		Violations: nonNil(res.Violations),
	}, Notes: notes}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	return c.Status(status).JSON(out)
}

func recordPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// recordError names the record an event came from in a refusal that names
// the event ("events[3].at" → "data[1]", the event's field in the message).
func recordError(err error, paths []string) error {
	var ce *counter.Error
	if !errors.As(err, &ce) {
		return err
	}
	i, rest := 0, ce.Field
	if strings.HasPrefix(ce.Field, "events[") {
		end := strings.IndexByte(ce.Field, ']')
		n, perr := strconv.Atoi(ce.Field[len("events["):end])
		if perr != nil || n >= len(paths) {
			return err
		}
		i, rest = n, strings.TrimPrefix(ce.Field[end+1:], ".")
	} else if len(paths) == 0 {
		return err
	}
	n := *ce
	n.Field = paths[i]
	if rest != "" {
		n.Message += " (mapped event field " + rest + ")"
		n.MessageVI += " (trường " + rest + " của sự kiện được ánh xạ)"
	}
	return &n
}
