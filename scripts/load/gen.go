package main

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"
)

// load is one of the loads of issue 14's table.
type load struct {
	Name  string
	What  string
	Batch bool // {"events": [...]} of --batch events per request; else one event
	Past  bool // received --backfill-days ago: the history/backfill case
	Lives bool // whole dossier lives: received, transferred, result_ready, returned
}

var allLoads = []load{
	{Name: "single-now", What: "single events, new dossiers received now"},
	{Name: "single-past", What: "single events, new dossiers received in the past (backfill)", Past: true},
	{Name: "batch-now", What: "batches, new dossiers received now", Batch: true},
	{Name: "batch-past", What: "batches, new dossiers received in the past (backfill)", Batch: true, Past: true},
	{Name: "lives", What: "batches of whole dossier lives (4 events each) that ran within the last day", Batch: true, Lives: true},
}

// defaultLoads are the four loads of the table; lives is optional.
const defaultLoads = "single-now,single-past,batch-now,batch-past"

var applicantNames = []string{"Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Hoàng Nam", "Phạm Thị Thu Hà",
	"Võ Minh Tuấn", "Đặng Thị Lan", "Bùi Quốc Khánh", "Huỳnh Ngọc Ánh"}

// generator writes the request bodies of one load against one target.
// Every event id and dossier code carries prefix, so that runs and
// targets never collide. It is safe for concurrent use: body only reads.
type generator struct {
	load   load
	prefix string
	stem   string // dossier codes: the national format up to the sequence
	batch  int
	loc    *time.Location
	base   time.Time // the first `at` of a past load
	now    func() time.Time

	counters []counterDesk
	// parts marshalled once: per counter and official, per procedure.
	counterParts [][]string // [counter][official] `"agency":…,"official":…,`
	procs        []procedure
	procParts    []string    // `"procedure":…,"channel":"direct","documents":[…],`
	dues         []time.Time // the slip's due time per procedure, from the load's start
	names        []string    // applicants, JSON-quoted
}

// newGenerator prepares a load: it picks the counters and procedures and
// asks the server (c) for each procedure's due time from the load's start.
func newGenerator(ctx context.Context, c *client, cfg *serverConfig, l load, prefix string, batch int,
	loc *time.Location, now func() time.Time, backfillDays int) (*generator, error) {
	g := &generator{load: l, prefix: prefix, batch: 1, loc: loc, now: now, counters: cfg.Counters, procs: cfg.Procedures}
	if l.Batch {
		g.batch = batch
	}
	if l.Lives {
		g.counters = cfg.withDivision()
		if len(g.counters) == 0 {
			return nil, fmt.Errorf("load %s: no counter has a division beside it to transfer to", l.Name)
		}
	}
	start := now().In(loc)
	// Codes in the national format (Circular 04/2025), as a one-stop
	// system issues them, so that no dossier_code_format breach is judged
	// on every event of a load: H17.100.05-YYMMDD-01 and a sequence unique
	// to this prefix.
	g.stem = codeStem(prefix, start)
	if l.Lives {
		// Lives that ran over the last day: the three steps after receipt
		// fall 1, 2 and 3 hours later, all before now and within the
		// backdate tolerance, as a live feed would report them.
		g.base = start.Add(-livesAgo).Truncate(time.Millisecond)
		start = g.base
	}
	if l.Past {
		g.base = pastMorning(start, backfillDays)
		start = g.base
		// Short lead times only, so that a backfilled dossier is already overdue.
		var short []procedure
		for _, p := range g.procs {
			if leadHours(p) <= 80 {
				short = append(short, p)
			}
		}
		if len(short) > 0 {
			g.procs = short
		}
	}
	for _, p := range g.procs {
		due, err := fetchDue(ctx, c, start, p)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", l.Name, err)
		}
		g.dues = append(g.dues, due)
		docs := make([]map[string]string, 0, len(p.Documents))
		for _, d := range p.Documents {
			docs = append(docs, map[string]string{"code": d.Code})
		}
		g.procParts = append(g.procParts, `"procedure":`+quote(p.Code)+`,"channel":"direct","documents":`+mustJSON(docs)+`,`)
	}
	for _, cd := range g.counters {
		var parts []string
		for _, o := range cd.Officials {
			parts = append(parts, `"agency":`+quote(cd.ID)+`,"official":`+quote(o)+`,`)
		}
		g.counterParts = append(g.counterParts, parts)
	}
	for _, n := range applicantNames {
		g.names = append(g.names, quote(n))
	}
	return g, nil
}

// livesAgo is how long before a lives load its dossiers are received.
const livesAgo = 20 * time.Hour

// pastMorning is 08:00 on the weekday at least days before now.
func pastMorning(now time.Time, days int) time.Time {
	d := now.AddDate(0, 0, -days)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, now.Location())
}

// eventsPer is how many events one request carries.
func (g *generator) eventsPer() int {
	if g.load.Lives {
		return max(1, g.batch/4) * 4
	}
	return g.batch
}

// body returns the JSON body of request number req.
func (g *generator) body(req int64) []byte {
	b := make([]byte, 0, 900*g.eventsPer())
	if !g.load.Batch {
		return g.received(b, req)
	}
	b = append(b, `{"events":[`...)
	if g.load.Lives {
		for i := range int64(g.eventsPer() / 4) {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.life(b, req*int64(g.eventsPer()/4)+i)
		}
	} else {
		for i := range int64(g.batch) {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.received(b, req*int64(g.batch)+i)
		}
	}
	return append(b, "]}"...)
}

const atLayout = "2006-01-02T15:04:05.000Z07:00"

// at is the receipt time of dossier n: now, or a millisecond apart from
// the load's base in the past.
func (g *generator) at(n int64) time.Time {
	if g.load.Past || g.load.Lives {
		return g.base.Add(time.Duration(n) * time.Millisecond)
	}
	return g.now().In(g.loc).Truncate(time.Millisecond)
}

// received appends the `received` event of dossier n: a counter, one of
// its officials, a procedure with its documents, an applicant and the
// appointment slip (Form 01).
func (g *generator) received(b []byte, n int64) []byte {
	c := int(n % int64(len(g.counters)))
	o := int(n/int64(len(g.counters))) % len(g.counterParts[c])
	p := int(n % int64(len(g.procs)))
	code := g.dossier(n)
	b = append(b, `{"id":"`...)
	b = append(b, code...)
	b = append(b, `-r","type":"received","dossier":"`...)
	b = append(b, code...)
	b = append(b, `","at":"`...)
	b = g.at(n).AppendFormat(b, atLayout)
	b = append(b, `",`...)
	b = append(b, g.counterParts[c][o]...)
	b = append(b, g.procParts[p]...)
	b = append(b, `"applicant":{"name":`...)
	b = append(b, g.names[n%int64(len(g.names))]...)
	b = append(b, `,"phone":"09`...)
	b = append(b, fmt.Sprintf("%08d", n%100000000)...)
	b = append(b, `"},"slip":{"number":"`...)
	b = append(b, code...)
	b = append(b, `","due_at":"`...)
	b = g.dues[p].AppendFormat(b, time.RFC3339)
	return append(b, `"}}`...)
}

// life appends the four events of dossier n's whole life: received at a
// counter, transferred an hour later to the division beside it, result
// ready there an hour after that, returned to the applicant at the
// counter an hour later still.
func (g *generator) life(b []byte, n int64) []byte {
	b = g.received(b, n)
	c := int(n % int64(len(g.counters)))
	cd := g.counters[c]
	code := g.dossier(n)
	at := g.at(n)
	step := func(b []byte, suffix, typ string, at time.Time, agencyPart, extra string) []byte {
		b = append(b, `,{"id":"`...)
		b = append(b, code...)
		b = append(b, suffix...)
		b = append(b, `","type":"`...)
		b = append(b, typ...)
		b = append(b, `","dossier":"`...)
		b = append(b, code...)
		b = append(b, `","at":"`...)
		b = at.AppendFormat(b, atLayout)
		b = append(b, `",`...)
		b = append(b, agencyPart...)
		b = append(b, extra...)
		return append(b, '}')
	}
	counterPart := g.counterParts[c][0]
	counterPart = counterPart[:len(counterPart)-1] // no trailing comma
	divisionPart := `"agency":` + quote(cd.Division)
	if len(cd.DivisionOfficials) > 0 {
		divisionPart += `,"official":` + quote(cd.DivisionOfficials[int(n)%len(cd.DivisionOfficials)])
	}
	b = step(b, "-t", "transferred", at.Add(time.Hour), counterPart, `,"to":`+quote(cd.Division))
	b = step(b, "-k", "result_ready", at.Add(2*time.Hour), divisionPart, "")
	b = step(b, "-x", "returned", at.Add(3*time.Hour), counterPart, "")
	return b
}

// codeStem is the start of the dossier codes of the load with prefix
// begun on day: H17.100.05-YYMMDD-01 and four digits of the prefix's hash,
// so that loads and runs against one server do not collide. Circular
// 04/2025's daily sequence is at least four digits: with seven for the
// dossier's number, the codes are about as long as a busy unit's.
func codeStem(prefix string, day time.Time) string {
	h := fnv.New32a()
	h.Write([]byte(prefix))
	return fmt.Sprintf("H17.100.05-%s-01%04d", day.Format("060102"), h.Sum32()%10000)
}

// codeOf is the code of dossier n of the load whose codes begin with stem.
func codeOf(stem string, n int64) string { return stem + fmt.Sprintf("%07d", n) }

// dossier is the code of dossier n of this load.
func (g *generator) dossier(n int64) string { return codeOf(g.stem, n) }

func quote(s string) string { return mustJSON(s) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and maps of strings always marshal
	}
	return string(b)
}
