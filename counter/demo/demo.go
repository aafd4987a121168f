package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// Defaults of the Simulator's tunables.
const (
	// DefaultSpeed is how many simulated seconds pass per real second.
	DefaultSpeed = 10
	// DefaultWarmupDays is how many working days of history are played
	// before the live stream starts, so the board opens with content.
	DefaultWarmupDays = 6
	// DefaultTick is the real interval between two live steps.
	DefaultTick = 250 * time.Millisecond
	// warmupStep is the simulated time one warm-up batch covers.
	warmupStep = 20 * time.Minute
)

// ErrNotEmpty is returned by Run on a ledger that already holds dossiers:
// the demo never mixes invented data with real data.
var ErrNotEmpty = errors.New("demo: the database is not empty")

// Simulator plays a plausible day at the one-stop counters of a
// configuration: arrivals through office hours, transfers to the units,
// supplement requests, apologies, late results, a bounce, complaints, and
// desk shifts. Everything goes through Ledger.Record with at no later than
// the clock, so the store's acceptance rules apply as to any client.
type Simulator struct {
	Ledger counter.Ledger
	Config *counter.Config
	Clock  *Clock
	// Speed is simulated seconds per real second in the live phase.
	Speed float64
	// Seed makes a run reproducible: the same seed and start give the
	// same events.
	Seed uint64
	// WarmupDays of history are played first, as fast as the store takes them.
	WarmupDays int
	// Tick is the real interval between live steps.
	Tick time.Duration
	// Sweep, when set, re-judges deadlines up to the simulated now after
	// each step (the store's SweepUntil): the store's own sweeper sleeps in
	// real time.
	Sweep func(now time.Time) (int, error)
	// Logger gets progress lines; slog.Default() when nil.
	Logger *slog.Logger

	rng      *rand.Rand
	queue    eventQueue
	counters []*site
	day      calendar.Date
	serial   map[string]int
	recorded int
	refused  int
}

// site is one counter the simulator staffs, with its procedures and the
// units it sends dossiers to.
type site struct {
	agency    *counter.Agency
	index     int
	rate      float64 // arrivals per working hour
	procs     []*counter.Procedure
	units     []*counter.Agency // where its dossiers go for appraisal
	officials []string
}

// New returns a Simulator with the default tunables.
func New(ledger counter.Ledger, cfg *counter.Config, clock *Clock, speed float64, seed uint64) *Simulator {
	if speed <= 0 {
		speed = DefaultSpeed
	}
	return &Simulator{Ledger: ledger, Config: cfg, Clock: clock, Speed: speed, Seed: seed,
		WarmupDays: DefaultWarmupDays, Tick: DefaultTick}
}

func (s *Simulator) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Recorded returns how many events the store accepted, and how many it
// refused (which a correct simulator keeps at zero).
func (s *Simulator) Recorded() (accepted, refused int) { return s.recorded, s.refused }

// Empty reports whether the ledger holds no dossier yet.
func (s *Simulator) Empty(ctx context.Context) (bool, error) {
	ds, _, err := s.Ledger.FindDossiers(ctx, counter.DossierFilter{Agency: s.Config.Root.ID, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("demo: look for dossiers: %w", err)
	}
	return len(ds) == 0, nil
}

// Run checks that the ledger is empty, plays WarmupDays of history up to
// the wall clock, then streams live until ctx ends. It returns ErrNotEmpty
// at once on a ledger with data, and nil when ctx ends.
func (s *Simulator) Run(ctx context.Context) error {
	empty, err := s.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return ErrNotEmpty
	}
	end := s.Clock.wallNow()
	if err := s.Warmup(ctx, end); err != nil {
		return err
	}
	return s.Live(ctx)
}

// Start prepares the simulation at start (usually some working days before
// the wall clock): it picks the counters and sets the clock there.
func (s *Simulator) Start(start time.Time) {
	s.rng = rand.New(rand.NewPCG(s.Seed, 0x6d6f74637561))
	s.serial = map[string]int{}
	s.queue = nil
	s.day = calendar.Date{}
	s.counters = s.sites(start)
	s.Clock.Set(start, 0)
}

// Warmup starts WarmupDays working days before end and plays until end, in
// batches of simulated minutes, as fast as the ledger commits them.
func (s *Simulator) Warmup(ctx context.Context, end time.Time) error {
	cal := s.Config.Calendar
	loc := cal.Location
	day := calendar.DateOf(end.In(loc)).In(loc)
	for n := 0; n < s.WarmupDays; {
		day = day.AddDate(0, 0, -1)
		if cal.IsWorkingDay(calendar.DateOf(day)) {
			n++
		}
	}
	s.Start(day)
	began := time.Now()
	t := day
	for t.Before(end) {
		if err := ctx.Err(); err != nil {
			return nil
		}
		next := t.Add(warmupStep)
		if !cal.InOfficeHours(t) && !cal.InOfficeHours(next) && (s.queue.Len() == 0 || s.queue[0].At.After(next)) {
			// Nothing happens while the office is shut: jump to the next
			// boundary, or the next planned event, if sooner.
			b := cal.NextOfficeBoundary(t)
			if s.queue.Len() > 0 && s.queue[0].At.Before(b) {
				b = s.queue[0].At
			}
			if b.After(next) {
				next = b
			}
		}
		if next.After(end) {
			next = end
		}
		if err := s.step(ctx, next); err != nil {
			return err
		}
		t = next
	}
	s.log().Info("demo: history played", "from", day.Format(time.DateOnly), "events", s.recorded,
		"refused", s.refused, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// Live advances the clock at Speed and records what falls due each Tick,
// jumping over nights, weekends and holidays so that the board keeps
// moving. It returns nil when ctx ends.
func (s *Simulator) Live(ctx context.Context) error {
	cal := s.Config.Calendar
	tick := s.Tick
	if tick <= 0 {
		tick = DefaultTick
	}
	s.Clock.Set(s.Clock.Now(), s.Speed)
	s.log().Info("demo: live", "speed", s.Speed, "now", s.Clock.Now().In(cal.Location).Format(time.RFC3339))
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := s.Clock.Now()
		if !cal.InOfficeHours(now) && (s.queue.Len() == 0 || s.queue[0].At.After(now)) {
			open := cal.NextOfficeBoundary(now)
			if s.queue.Len() > 0 && s.queue[0].At.Before(open) {
				open = s.queue[0].At
			}
			// Skip the closed hours, keeping a minute of quiet.
			if open.Sub(now) > time.Minute {
				s.Clock.Set(open.Add(-time.Minute), s.Speed)
				now = s.Clock.Now()
			}
		}
		if err := s.step(ctx, now); err != nil {
			return err
		}
	}
}

// step plans new days up to now and records every planned event with at
// no later than now, then sweeps.
func (s *Simulator) step(ctx context.Context, now time.Time) error {
	cal := s.Config.Calendar
	loc := cal.Location
	d := calendar.DateOf(s.Clock.Now().In(loc))
	if s.day != (calendar.Date{}) {
		d = calendar.DateOf(s.day.In(loc).AddDate(0, 0, 1))
	}
	for !d.In(loc).After(now) {
		if cal.IsWorkingDay(d) {
			s.planDay(d.In(loc))
		}
		s.day = d
		d = calendar.DateOf(d.In(loc).AddDate(0, 0, 1))
	}
	if s.Clock.Now().Before(now) {
		s.Clock.Set(now, s.clockSpeed())
	}
	var batch []counter.Event
	for s.queue.Len() > 0 && !s.queue[0].At.After(now) {
		batch = append(batch, heap.Pop(&s.queue).(*planned).Event)
	}
	for len(batch) > 0 {
		n := min(len(batch), counter.MaxEventsPerBatch)
		s.record(ctx, batch[:n])
		batch = batch[n:]
	}
	if s.Sweep != nil {
		if _, err := s.Sweep(now); err != nil {
			return fmt.Errorf("demo: sweep: %w", err)
		}
	}
	return nil
}

func (s *Simulator) clockSpeed() float64 {
	s.Clock.mu.Lock()
	defer s.Clock.mu.Unlock()
	return s.Clock.speed
}

// record stores a batch; if the store refuses it, each event is tried
// alone so that one refusal loses only itself.
func (s *Simulator) record(ctx context.Context, batch []counter.Event) {
	if _, err := s.Ledger.Record(ctx, batch); err == nil {
		s.recorded += len(batch)
		return
	}
	for _, e := range batch {
		if _, err := s.Ledger.Record(ctx, []counter.Event{e}); err != nil {
			s.refused++
			s.log().Debug("demo: event refused", "id", e.ID, "type", e.Type, "err", err)
			continue
		}
		s.recorded++
	}
}

// planned is one event waiting for its time.
type planned struct {
	counter.Event
	order int
}

type eventQueue []*planned

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].At.Equal(q[j].At) {
		return q[i].At.Before(q[j].At)
	}
	return q[i].order < q[j].order
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*planned)) }
func (q *eventQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (s *Simulator) plan(e counter.Event) {
	s.serial["ev"]++
	e.ID = fmt.Sprintf("demo-%d-%06d", s.Seed, s.serial["ev"])
	heap.Push(&s.queue, &planned{Event: e, order: s.serial["ev"]})
}

// Procedure families by the level of government that handles them in the
// shipped catalogue; other catalogues fall back to every procedure.
var (
	communeProcs  = []string{"1.001193", "1.000894", "1.000656", "1.004746", "1.004859", "1.004873", "2.000635", "2.000815", "2.000884", "1.004194"}
	districtProcs = []string{"2.000720", "1.009994", "1.003003", "1.003010", "1.001612"}
)

// sites picks every counter of the tree in force at start (SPEC.md §10.2:
// from 1-7-2025 the 94 wards' and communes' service centres, not the
// districts), with its procedures, its appraisal units and its officials.
// From 1-7-2025 a commune-level centre also takes the procedures the
// districts used to, and arrivals are spread over many more, smaller
// counters: a centre gets a rate by its desks.
func (s *Simulator) sites(start time.Time) []*site {
	cfg := s.Config
	twoTier := cfg.RegimeAt(start) != counter.RegimeV2018
	var out []*site
	for _, id := range cfg.Subtree(cfg.Root.ID) {
		a := cfg.Agency(id)
		if a.Level != counter.LevelCounter || !cfg.InForce(id, start) {
			continue
		}
		parent := cfg.Agency(a.Parent)
		st := &site{agency: a, index: len(out) + 1, rate: 0.9}
		var want func(code string) bool
		switch {
		case parent != nil && parent.Level == counter.LevelCommune && twoTier:
			want = func(c string) bool { return slices.Contains(communeProcs, c) || slices.Contains(districtProcs, c) }
			st.rate = 0.12 * float64(max(len(a.Desks), 1))
		case parent != nil && parent.Level == counter.LevelCommune:
			want = func(c string) bool { return slices.Contains(communeProcs, c) }
			st.rate = 0.7
		case parent != nil && parent.Level == counter.LevelDistrict:
			want = func(c string) bool { return slices.Contains(districtProcs, c) }
			st.rate = 1.4
		default:
			want = func(c string) bool { return !slices.Contains(communeProcs, c) && !slices.Contains(districtProcs, c) }
		}
		for i := range cfg.Procedures {
			if want(cfg.Procedures[i].Code) {
				st.procs = append(st.procs, &cfg.Procedures[i])
			}
		}
		if len(st.procs) == 0 {
			for i := range cfg.Procedures {
				st.procs = append(st.procs, &cfg.Procedures[i])
			}
		}
		if parent != nil {
			for _, ch := range parent.Children {
				if ch.Level == counter.LevelDivision && cfg.InForce(ch.ID, start) {
					st.units = append(st.units, ch)
				}
			}
			if len(st.units) == 0 {
				st.units = append(st.units, parent) // a commune's leaders sign
			}
		}
		for _, o := range cfg.Officials {
			if o.Agency == a.ID {
				st.officials = append(st.officials, o.ID)
			}
		}
		if len(st.procs) > 0 {
			out = append(out, st)
		}
	}
	return out
}

func (s *Simulator) officialOf(agency string) string {
	var ids []string
	for _, o := range s.Config.Officials {
		if o.Agency == agency {
			ids = append(ids, o.ID)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[s.rng.IntN(len(ids))]
}

// planDay plans a working day: the desks' shifts and the arrivals.
func (s *Simulator) planDay(day time.Time) {
	cal := s.Config.Calendar
	for _, st := range s.counters {
		for _, desk := range st.agency.Desks {
			who := ""
			if len(st.officials) > 0 {
				who = st.officials[s.rng.IntN(len(st.officials))]
			}
			for _, iv := range cal.OfficeHours {
				open := day.Add(iv.Start).Add(time.Duration(s.rng.IntN(8)) * time.Minute)
				if s.rng.Float64() < 0.03 {
					open = open.Add(time.Duration(25+s.rng.IntN(20)) * time.Minute) // a late desk
				}
				shut := day.Add(iv.End).Add(-time.Duration(s.rng.IntN(5)) * time.Minute)
				s.plan(counter.Event{Type: counter.ShiftStarted, At: open, Agency: st.agency.ID, Official: who, Desk: desk})
				s.plan(counter.Event{Type: counter.ShiftEnded, At: shut, Agency: st.agency.ID, Official: who, Desk: desk})
			}
		}
		// Arrivals: a Poisson stream in office time.
		t := cal.AddWorkingHours(day, 0)
		end := cal.EndOfDay(day)
		for {
			gap := time.Duration(s.rng.ExpFloat64() / st.rate * float64(time.Hour))
			t = cal.AddWorkingHours(t.Add(time.Minute), gap)
			if t.After(end) {
				break
			}
			s.planDossier(st, t)
		}
	}
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Quốc", "Kim"}
	givenNames  = []string{"An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Vy", "Yến"}
	apologyWhy  = []string{"Cần thêm thời gian thẩm định hiện trạng", "Chờ ý kiến của cơ quan phối hợp", "Hệ thống một cửa điện tử gián đoạn"}
	supplyWhy   = []string{"Bản sao chưa được chứng thực", "Thông tin trong tờ khai chưa đầy đủ", "Giấy tờ đã hết hiệu lực"}
)

func (s *Simulator) applicant() *counter.Applicant {
	r := s.rng
	return &counter.Applicant{
		Name:  familyNames[r.IntN(len(familyNames))] + " " + middleNames[r.IntN(len(middleNames))] + " " + givenNames[r.IntN(len(givenNames))],
		Phone: fmt.Sprintf("09%08d", r.IntN(100000000)),
	}
}

// planDossier plans one dossier's whole life from its arrival at t.
func (s *Simulator) planDossier(st *site, t time.Time) {
	cfg := s.Config
	cal := cfg.Calendar
	r := s.rng
	p := st.procs[r.IntN(len(st.procs))]
	loc := cal.Location
	s.serial[st.agency.ID]++
	// Circular 01's V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX, with invented
	// agency identifiers (the real e-ID codes are not configured).
	code := fmt.Sprintf("000.%02d.%02d.H17-%s-%04d", st.index/100, st.index%100, t.In(loc).Format("060102"), s.serial[st.agency.ID])
	counterID := st.agency.ID
	clerk := s.officialOf(counterID)
	base := counter.Event{Dossier: code, Agency: counterID, Official: clerk}
	at := func(e counter.Event, when time.Time) counter.Event { e.At = when; return e }
	wh := func(from time.Time, hours float64) time.Time {
		return cal.AddWorkingHours(from, time.Duration(hours*float64(time.Hour)))
	}

	roll := r.Float64()
	if roll < 0.01 { // refused at intake (Form 03)
		e := at(base, t)
		e.Type, e.Procedure, e.Reason = counter.IntakeRefused, p.Code, "Hồ sơ không thuộc thẩm quyền giải quyết"
		s.plan(e)
		return
	}
	received := t
	channel := counter.ChannelDirect
	switch {
	case roll < 0.05 && len(p.Documents) > 0: // Form 02 at the counter, back two days later
		e := at(base, t)
		e.Type, e.Procedure = counter.IntakeSupplementRequested, p.Code
		d := p.Documents[r.IntN(len(p.Documents))]
		e.Items = []counter.Item{{Code: d.Code, Name: d.Name}}
		e.Reason = supplyWhy[r.IntN(len(supplyWhy))]
		s.plan(e)
		received = wh(t, 8+r.Float64()*8)
	case roll < 0.20: // online, received by the counter within hours
		e := at(base, t)
		e.Type, e.Procedure, e.Channel, e.Applicant = counter.Submitted, p.Code, counter.ChannelOnline, s.applicant()
		s.plan(e)
		channel = counter.ChannelOnline
		received = wh(t, 0.5+r.Float64()*3)
	}
	legal, err := counter.LegalDue(cfg, p, received)
	if err != nil {
		s.log().Warn("demo: skipping a procedure whose lead time cannot be counted", "procedure", p.Code, "err", err)
		return
	}
	rec := at(base, received)
	rec.Type, rec.Procedure, rec.Channel = counter.Received, p.Code, channel
	if channel == counter.ChannelDirect {
		rec.Applicant = s.applicant()
	}
	for _, d := range p.Documents {
		rec.Documents = append(rec.Documents, counter.Item{Code: d.Code})
	}
	due := legal
	if !p.Instant {
		switch x := r.Float64(); {
		case x < 0.03: // no slip: a breach of Art. 17(1)(c)
		case x < 0.05:
			due = cal.AddWorkingDays(legal, 2) // a slip beyond the legal limit
			rec.Slip = &counter.Slip{Number: code, DueAt: due}
		default:
			rec.Slip = &counter.Slip{Number: code, DueAt: due}
		}
	}
	s.plan(rec)

	if p.Instant {
		done := wh(received, 0.2+r.Float64()*0.6)
		s.plan(at(counter.Event{Type: counter.ResultReady, Dossier: code, Agency: counterID, Official: clerk}, done))
		s.plan(at(counter.Event{Type: counter.Returned, Dossier: code, Agency: counterID, Official: clerk}, done.Add(5*time.Minute)))
		return
	}

	unit := st.units[r.IntN(len(st.units))].ID
	hop := func(from, to string, when time.Time) {
		s.plan(counter.Event{Type: counter.Transferred, Dossier: code, At: when, Agency: from, Official: s.officialOf(from), To: to})
	}
	first := wh(received, 0.3+r.Float64()*2.5)
	if r.Float64() < 0.04 {
		first = wh(received, 10+r.Float64()*4) // sent on late
	}
	hop(counterID, unit, first)
	now := first
	if r.Float64() < 0.03 && len(st.units) > 1 { // two units push it back and forth
		other := st.units[(slices.IndexFunc(st.units, func(a *counter.Agency) bool { return a.ID == unit })+1)%len(st.units)].ID
		for i := 0; i < 4; i++ {
			now = wh(now, 2+r.Float64()*4)
			if i%2 == 0 {
				hop(unit, other, now)
			} else {
				hop(other, unit, now)
			}
		}
	}
	work := cal.WorkingTime(received, due)
	at2 := func(typ counter.EventType, when time.Time) counter.Event {
		return counter.Event{Type: typ, Dossier: code, At: when, Agency: unit, Official: s.officialOf(unit)}
	}
	var finish time.Time
	switch x := r.Float64(); {
	case x < 0.10 && len(p.Documents) > 0: // appraisal asks for a paper; the clock restarts on its return
		ask := wh(now, 1+r.Float64()*6)
		e := at2(counter.SupplementRequested, ask)
		d := p.Documents[r.IntN(len(p.Documents))]
		e.Items = []counter.Item{{Code: d.Code, Name: d.Name}}
		if r.Float64() < 0.15 {
			e.Items = append(e.Items, counter.Item{Name: "Giấy xác nhận của tổ dân phố"})
		}
		e.Reason = supplyWhy[r.IntN(len(supplyWhy))]
		s.plan(e)
		back := wh(ask, 8+r.Float64()*16)
		s.plan(at2(counter.SupplementReceived, back))
		newDue, err := counter.LegalDue(cfg, p, back)
		if err != nil {
			newDue = legal
		}
		finish = wh(back, float64(cal.WorkingTime(back, newDue))/float64(time.Hour)*(0.3+0.5*r.Float64()))
	case x < 0.17: // late, with a timely apology (Form 04)
		apology := wh(due.Add(-time.Duration(float64(work)*0.35)), 0)
		if apology.Before(now) {
			apology = wh(now, 0.5)
		}
		e := at2(counter.ApologyIssued, apology)
		e.NewDueAt = cal.AddWorkingDays(due, 3)
		e.Reason = apologyWhy[r.IntN(len(apologyWhy))]
		s.plan(e)
		finish = wh(due, 4+r.Float64()*12)
	case x < 0.25: // late without an apology
		finish = wh(due, 2+r.Float64()*20)
	default:
		finish = wh(now, float64(cal.WorkingTime(now, due))/float64(time.Hour)*(0.25+0.65*r.Float64()))
	}
	if !finish.After(now) {
		finish = wh(now, 0.5)
	}
	s.plan(at2(counter.ResultReady, finish))
	back := wh(finish, 0.2+r.Float64())
	s.plan(counter.Event{Type: counter.Transferred, Dossier: code, At: back, Agency: unit, Official: s.officialOf(unit), To: counterID})
	s.plan(counter.Event{Type: counter.Returned, Dossier: code, At: wh(back, 1+r.Float64()*8), Agency: counterID, Official: clerk})

	if r.Float64() < 0.015 { // a citizen complains about the counter
		cats := []string{"attitude", "indifference", "harassment", "extra_papers"}
		e := counter.Event{Type: counter.ComplaintFiled, Dossier: code, At: wh(received, 1+r.Float64()*4), Agency: counterID,
			Complaint: code + "-kn1", Category: cats[r.IntN(len(cats))], SubjectOfficial: clerk, Text: "Phản ánh qua đường dây nóng"}
		s.plan(e)
		res := counter.Event{Type: counter.ComplaintResolved, Dossier: code, At: wh(e.At, 16), Agency: counterID,
			Complaint: e.Complaint, Outcome: []string{"upheld", "unfounded"}[r.IntN(2)]}
		s.plan(res)
	}
}
