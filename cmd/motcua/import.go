package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/cluster"
	"github.com/motcua/motcua/counter/dvcqg"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard"
	"github.com/motcua/motcua/violations"
)

// Import formats.
const (
	FormatAuto   = "auto"
	FormatNDJSON = "ndjson" // one motcua event (or {"events": [...]}) per line
	FormatDVCQG  = "dvcqg"  // national-sync records: one record, array or envelope per line
)

// DefaultImportBatch is how many events one store.Record call carries into
// a database file, and MaxImportBatch the most --batch takes there. Every
// commit writes a page for each index range it touches (an agency's
// dossiers, its violations, its day's counts) however many events it
// carries, so an import's speed grows with its calls: 13,800 events/s
// at 250, 24,300 at 1,000 on the development machine. Through a cluster
// a call stays within counter.MaxEventsPerBatch (the log's entries are
// the API's calls).
const (
	DefaultImportBatch = 5000
	MaxImportBatch     = 10000
)

// ImportCommand is `motcua import` (SPEC.md §10.3): it loads a history
// into a database no server holds, through the same validation and judging
// as the API (store.Record), in batches. It is resumable: events carry
// their ids (national-sync records map to ids derived from them), so a
// second run stores nothing new. The first refused record stops it with
// FILE:LINE; everything before that line is kept.
//
// With --nats-url it imports into a cluster: every call goes through the
// replicated log and is answered by the importer's own view (--db, kept
// between runs: a later import only catches up with what is new), so it
// is judged as a node's write is. It refuses a cluster view as a plain
// --db: events written there would be outside the log.
type ImportCommand struct {
	Main        *Main
	DB          string
	Dir         string
	Format      string
	Batch       int
	Files       []string
	CPUProfile  string
	clusterTool // --nats-url, --cluster-stream

	st       *store.Store
	sink     importSink
	node     *cluster.Node
	progress progress
	added    uint64
	events   int
}

// ParseFlags parses --db F [--config DIR] [--format auto|ndjson|dvcqg] FILE...
func (c *ImportCommand) ParseFlags(args []string) error {
	fs := c.Main.newFlagSet("import", "--db FILE [--nats-url URL [--cluster-stream NAME]] [--config DIR] [--format auto|ndjson|dvcqg] FILE...")
	fs.StringVar(&c.DB, "db", "motcua.db", "database file (not held by a running server); with --nats-url, the importer's own view of the cluster, kept between runs")
	fs.StringVar(&c.Format, "format", FormatAuto, "input format: auto (by content), ndjson (motcua events) or dvcqg (national-sync records)")
	fs.IntVar(&c.Batch, "batch", 0, fmt.Sprintf("events per write (default %d, at most %d; with --nats-url at most and by default %d)",
		DefaultImportBatch, MaxImportBatch, counter.MaxEventsPerBatch))
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the import to this file (go tool pprof reads it)")
	configFlag(fs, &c.Dir)
	c.addToolFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.Files = fs.Args()
	switch {
	case len(c.Files) == 0:
		fmt.Fprintln(fs.Output(), "no input files")
		fs.Usage()
		return errors.New("no input files")
	case c.Format != FormatAuto && c.Format != FormatNDJSON && c.Format != FormatDVCQG:
		fmt.Fprintf(fs.Output(), "unknown format %q\n", c.Format)
		return fmt.Errorf("unknown format %q", c.Format)
	case c.Stream != "" && !c.clustered():
		fmt.Fprintln(fs.Output(), "--cluster-stream goes with --nats-url")
		return errors.New("--cluster-stream without --nats-url")
	case c.Batch < 0 || c.Batch > MaxImportBatch:
		fmt.Fprintf(fs.Output(), "--batch must be 1–%d\n", MaxImportBatch)
		return fmt.Errorf("bad batch %d", c.Batch)
	case c.clustered() && c.Batch > counter.MaxEventsPerBatch:
		fmt.Fprintf(fs.Output(), "--batch with --nats-url must be 1–%d\n", counter.MaxEventsPerBatch)
		return fmt.Errorf("bad batch %d", c.Batch)
	}
	if c.Batch == 0 {
		c.Batch = DefaultImportBatch
		if c.clustered() {
			c.Batch = counter.MaxEventsPerBatch
		}
	}
	return nil
}

// Run imports every file in order.
func (c *ImportCommand) Run(ctx context.Context) (err error) {
	prof, err := startCPUProfile(c.CPUProfile)
	if err != nil {
		return err
	}
	defer func() {
		if perr := prof.stop(); perr != nil && err == nil {
			err = perr
		}
	}()
	cfg, _, err := loadConfig(c.Dir, c.Main.Stderr)
	if err != nil {
		return err
	}
	formats := make([]string, len(c.Files))
	total := 0
	for i, f := range c.Files {
		n, format, err := scanFile(f)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if c.Format != FormatAuto {
			format = c.Format
		}
		if format == "" {
			fmt.Fprintf(c.Main.Stderr, "%s:1: cannot tell the format (neither motcua events nor national-sync records); use --format\n", f)
			return reportedError{fmt.Errorf("unknown format of %s", f)}
		}
		formats[i], total = format, total+n
	}
	if c.clustered() {
		if err := c.openCluster(ctx, cfg); err != nil {
			return err
		}
	} else {
		// History copied from the office's system: never a backdated_entry
		// (counter.Event.Imported). A cluster's nodes judge what its log
		// says, so an import through the cluster is judged as live.
		c.st, err = store.Open(c.DB, cfg, store.Options{Evaluator: violations.New(), Import: true, MaxCall: MaxImportBatch})
		if err != nil {
			return fmt.Errorf("import: %w (is a server holding the database?)", err)
		}
		if err := refuseView(c.st, "import", importInstead()); err != nil {
			return err
		}
		c.sink = c.st
	}
	start := time.Now()
	before, err := c.st.Seq()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	c.progress = newProgress(c.Main.Stderr, total)
	var dv []dvcqgLine
	for i, f := range c.Files {
		if formats[i] == FormatDVCQG {
			lines, err := c.readDVCQG(f)
			if err != nil {
				c.progress.finish()
				return err
			}
			dv = append(dv, lines...)
			continue
		}
		if err := c.importEvents(ctx, f); err != nil {
			c.progress.finish()
			return err
		}
	}
	if len(dv) > 0 {
		if err := c.importDVCQG(ctx, cfg, dv); err != nil {
			c.progress.finish()
			return err
		}
	}
	c.progress.finish()
	after, err := c.st.Seq()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	took := time.Since(start)
	added := int(after - before)
	if c.clustered() {
		// The view also took other nodes' writes meanwhile.
		added = int(c.added)
	}
	fmt.Fprintf(c.Main.Stderr, "import: %d events read, %d new, %d already stored, in %s (%.0f events/s)\n",
		c.events, added, c.events-added, took.Round(time.Millisecond), float64(c.events)/took.Seconds())
	return nil
}

// importSink is where the events go: the database, or the cluster's log.
type importSink interface {
	Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error)
	SyncGroups(codes []string) (map[string][][]byte, error)
	AppendSyncGroups(groups map[string][]byte) error
}

// clusterSink records through the log and keeps sync groups in the
// cluster's bucket.
type clusterSink struct {
	ledger *cluster.Ledger
	sync   *cluster.Sync
}

func (s clusterSink) Record(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
	return s.ledger.Record(ctx, events)
}

func (s clusterSink) SyncGroups(codes []string) (map[string][][]byte, error) {
	return s.sync.SyncGroups(codes)
}

func (s clusterSink) AppendSyncGroups(groups map[string][]byte) error {
	return s.sync.AppendSyncGroups(groups)
}

// openCluster joins the cluster, opens the importer's view and waits until
// it has caught up with the log, so that each call is answered as soon as
// it is applied.
func (c *ImportCommand) openCluster(ctx context.Context, cfg *counter.Config) error {
	node, err := c.join(ctx, c.Main, "import")
	if err != nil {
		return err
	}
	c.node = node
	secret, err := node.Secret(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := clusterKeyFile(c.DB, secret); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	c.st, err = store.Open(c.DB, cfg, store.Options{Secret: secret, Evaluator: violations.New()})
	if err != nil {
		return fmt.Errorf("import: %w (is a server holding the database?)", err)
	}
	if err := node.Attach(c.st); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	last := time.Now()
	for node.Ready() != nil {
		if time.Since(last) >= lineEvery {
			s := node.Status()
			fmt.Fprintf(c.Main.Stderr, "import: catching up with the cluster log: %d of %d entries applied\n", s.Applied, s.Last)
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("import: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.sink = clusterSink{node.Ledger(), node.Sync()}
	return nil
}

// Close leaves the cluster, if any, and closes the store.
func (c *ImportCommand) Close() error {
	var errs []error
	if c.node != nil {
		errs = append(errs, c.node.Close())
		c.node = nil
	}
	if c.st != nil {
		errs = append(errs, c.st.Close())
		c.st = nil
	}
	return errors.Join(errs...)
}

// scanFile counts the lines of path and guesses its format from its first
// record: an object with "type" and "id" is a motcua event; one with
// MaHoSo, or an envelope with "service"/"data", national-sync records.
func scanFile(path string) (int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	n, format := 0, ""
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			n++
		}
		if format == "" && len(bytes.TrimSpace(line)) > 0 {
			format = detect(line)
			if format == "" {
				format = "?"
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			n--
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	if format == "?" {
		format = ""
	}
	return n, format, nil
}

func detect(line []byte) string {
	line = bytes.TrimSpace(line)
	if len(line) > 0 && line[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(line, &list) != nil || len(list) == 0 {
			return ""
		}
		line = list[0]
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return ""
	}
	_, typ := keys["type"]
	_, id := keys["id"]
	_, events := keys["events"]
	_, code := keys["MaHoSo"]
	_, data := keys["data"]
	switch {
	case (typ && id) || events:
		return FormatNDJSON
	case code || data:
		return FormatDVCQG
	}
	return ""
}

// lines calls f with each non-blank line of path and its number.
func (c *ImportCommand) lines(path string, count bool, f func(n int, line []byte) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), dashboard.DefaultBodyLimit*16)
	n := 0
	for sc.Scan() {
		n++
		if count {
			c.progress.add(1)
		}
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := f(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("import: %s:%d: %w", path, n+1, err)
	}
	return nil
}

// refuse prints the first refused record as FILE:LINE: code: message.
func (c *ImportCommand) refuse(file string, line int, err error) error {
	c.progress.finish()
	var ce *counter.Error
	if !errors.As(err, &ce) {
		return fmt.Errorf("import: %s:%d: %w", file, line, err)
	}
	msg := ce.Message
	if ce.Field != "" {
		msg += " (" + ce.Field + ")"
	}
	fmt.Fprintf(c.Main.Stderr, "%s:%d: %s: %s\n", file, line, ce.Code, msg)
	return reportedError{err}
}

// pendingEvent is an event waiting for its batch, with where it came from.
type pendingEvent struct {
	e    counter.Event
	file string
	line int
	// keep is the dossier's national-sync group, stored once this, its
	// dossier's last event of the run, is.
	keep     []byte
	keepCode string
}

// refusedAt is a refusal flush met, reported by the goroutine that reads
// (c.report), which also owns the progress display.
type refusedAt struct {
	file string
	line int
	err  *counter.Error
}

func (r *refusedAt) Error() string { return fmt.Sprintf("%s:%d: %v", r.file, r.line, r.err) }

// report reports a refusal flush met at its line; other errors pass.
func (c *ImportCommand) report(err error) error {
	var r *refusedAt
	if errors.As(err, &r) {
		return c.refuse(r.file, r.line, r.err)
	}
	return err
}

// flush records batch, splitting it at a refused event: the events before
// it are recorded and the refusal returned (a *refusedAt) for its line.
func (c *ImportCommand) flush(ctx context.Context, batch []pendingEvent) error {
	return c.flushPrepared(ctx, batch, nil)
}

// prepare readies batch for a database file's store (store.Prepare), so
// that it is prepared while the batch before it is recorded; nil through
// a cluster, or when the store refuses it as a whole (flush reports that).
func (c *ImportCommand) prepare(batch []pendingEvent) *store.Call {
	if c.st == nil || c.node != nil || len(batch) == 0 {
		return nil
	}
	call, err := c.st.Prepare(batchEvents(batch))
	if err != nil {
		return nil
	}
	return call
}

func batchEvents(batch []pendingEvent) []counter.Event {
	events := make([]counter.Event, len(batch))
	for i, p := range batch {
		events[i] = p.e
	}
	return events
}

// flushPrepared is flush of a batch prepare readied (call, when not nil).
func (c *ImportCommand) flushPrepared(ctx context.Context, batch []pendingEvent, call *store.Call) error {
	if len(batch) > 0 {
		_, err := c.record(ctx, batch, call)
		if err == nil {
			return c.keep(batch)
		}
		var ce *counter.Error
		if !errors.As(err, &ce) {
			return fmt.Errorf("import: %w", err)
		}
		i, field := 0, ce.Field
		if len(batch) > 1 && strings.HasPrefix(field, "events[") {
			end := strings.IndexByte(field, ']')
			if n, perr := strconv.Atoi(field[len("events["):end]); perr == nil && n < len(batch) {
				i, field = n, strings.TrimPrefix(field[end+1:], ".")
			}
		}
		if i > 0 {
			if _, err := c.record(ctx, batch[:i], nil); err != nil {
				return fmt.Errorf("import: record the events before %s:%d: %w", batch[i].file, batch[i].line, err)
			}
			if err := c.keep(batch[:i]); err != nil {
				return err
			}
		}
		refused := *ce
		refused.Field = field
		return &refusedAt{file: batch[i].file, line: batch[i].line, err: &refused}
	}
	return nil
}

// record records batch (as call, when prepare readied it) and counts the
// new events: those stored past the view's last event before the call (in
// a cluster the view may take other nodes' writes meanwhile, so its count
// before and after would not do).
func (c *ImportCommand) record(ctx context.Context, batch []pendingEvent, call *store.Call) (*counter.RecordResult, error) {
	before, err := c.st.Seq()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	var res *counter.RecordResult
	if call != nil {
		res, err = c.st.RecordCall(ctx, call)
	} else {
		res, err = c.sink.Record(ctx, batchEvents(batch))
	}
	if err != nil {
		return nil, err
	}
	seen := map[uint64]bool{}
	for _, e := range res.Events {
		if e.Seq > before && !seen[e.Seq] {
			seen[e.Seq] = true
			c.added++
		}
	}
	return res, nil
}

// keep stores the national-sync groups of the dossiers batch completed.
func (c *ImportCommand) keep(batch []pendingEvent) error {
	groups := map[string][]byte{}
	for _, p := range batch {
		if p.keep != nil {
			groups[p.keepCode] = p.keep
		}
	}
	if err := c.sink.AppendSyncGroups(groups); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// importEvents imports one NDJSON file of motcua events. One batch is
// recorded while the next is read, decoded and prepared: batches are
// still recorded one after another, in the file's order.
func (c *ImportCommand) importEvents(ctx context.Context, path string) error {
	var inflight chan error // the batch being recorded, if any
	wait := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		return c.report(err)
	}
	send := func(batch []pendingEvent) error {
		call := c.prepare(batch) // while the batch before it is recorded
		if err := wait(); err != nil {
			return err
		}
		done := make(chan error, 1)
		inflight = done
		go func() { done <- c.flushPrepared(ctx, batch, call) }()
		return nil
	}
	batch := make([]pendingEvent, 0, c.Batch)
	err := c.lines(path, true, func(n int, line []byte) error {
		events, err := dashboard.DecodeEvents(line)
		if err != nil {
			if werr := wait(); werr != nil {
				return werr // an earlier line was refused
			}
			return c.refuse(path, n, err)
		}
		for _, e := range events {
			c.events++
			batch = append(batch, pendingEvent{e: e, file: path, line: n})
			if len(batch) == c.Batch {
				if err := send(batch); err != nil {
					return err
				}
				batch = make([]pendingEvent, 0, c.Batch)
			}
		}
		return nil
	})
	if werr := wait(); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	return c.report(c.flush(ctx, batch))
}

// dvcqgLine is one parsed national-sync record and where it was.
type dvcqgLine struct {
	rec  dvcqg.Record
	file string
	line int
}

// readDVCQG parses every record of one file. A dossier's records are
// mapped together, wherever they are in the input, so they are held in
// memory until every file is read.
func (c *ImportCommand) readDVCQG(path string) ([]dvcqgLine, error) {
	var out []dvcqgLine
	// Progress counts a line when its first record is mapped.
	err := c.lines(path, false, func(n int, line []byte) error {
		recs, err := dvcqg.Parse(line)
		if err != nil {
			return c.refuse(path, n, err)
		}
		for _, r := range recs {
			r.Path = ""
			out = append(out, dvcqgLine{rec: r, file: path, line: n})
		}
		return nil
	})
	return out, err
}

// importDVCQG maps the records of each dossier as one group, after the
// groups earlier runs and the live feed stored, and records the events.
func (c *ImportCommand) importDVCQG(ctx context.Context, cfg *counter.Config, lines []dvcqgLine) error {
	m := dvcqg.NewMapper(cfg)
	byCode := map[string][]int{}
	var codes []string
	for i, l := range lines {
		code := l.rec.Code()
		if _, ok := byCode[code]; !ok {
			codes = append(codes, code)
		}
		byCode[code] = append(byCode[code], i)
	}
	batch := make([]pendingEvent, 0, c.Batch)
	counted := map[dvcqgLine]bool{}
	const lookup = 512
	for start := 0; start < len(codes); start += lookup {
		chunk := codes[start:min(start+lookup, len(codes))]
		stored, err := c.sink.SyncGroups(chunk)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for _, code := range chunk {
			idx := byCode[code]
			for _, i := range idx {
				if l := (dvcqgLine{file: lines[i].file, line: lines[i].line}); !counted[l] {
					counted[l] = true
					c.progress.add(1)
				}
			}
			var past []dvcqg.Group
			for _, b := range stored[code] {
				var g dvcqg.Group
				if err := json.Unmarshal(b, &g); err != nil {
					return fmt.Errorf("import: decode stored records of %s: %w", code, err)
				}
				past = append(past, g)
			}
			tr, err := m.Replay(code, past)
			if err != nil {
				return c.refuse(lines[idx[0]].file, lines[idx[0]].line, err)
			}
			g := dvcqg.Group{Records: make([]dvcqg.Record, len(idx))}
			for k, i := range idx {
				g.Records[k] = lines[i].rec
				g.Records[k].Path = "#" + strconv.Itoa(k)
			}
			out, err := m.Map(tr, g)
			if err != nil {
				at := lines[idx[0]]
				var ce *counter.Error
				if errors.As(err, &ce) {
					if k, rest, ok := strings.Cut(strings.TrimPrefix(ce.Field, "#"), "."); ok || k != "" {
						if n, perr := strconv.Atoi(k); perr == nil && n < len(idx) {
							at = lines[idx[n]]
							e := *ce
							e.Field = rest
							err = &e
						}
					}
				}
				return c.refuse(at.file, at.line, err)
			}
			var keep []byte
			if len(out.Fresh) > 0 {
				ng := dvcqg.Group{}
				for _, k := range out.Fresh {
					ng.Records = append(ng.Records, g.Records[k])
				}
				if keep, err = json.Marshal(ng); err != nil {
					return fmt.Errorf("import: encode records of %s: %w", code, err)
				}
			}
			if len(out.Events) == 0 && keep != nil {
				if err := c.sink.AppendSyncGroups(map[string][]byte{code: keep}); err != nil {
					return fmt.Errorf("import: %w", err)
				}
			}
			for j, e := range out.Events {
				at := lines[idx[0]]
				if s := out.Sources[j]; s >= 0 {
					at = lines[idx[s]]
				}
				p := pendingEvent{e: e, file: at.file, line: at.line}
				if j == len(out.Events)-1 {
					p.keep, p.keepCode = keep, code
				}
				c.events++
				batch = append(batch, p)
				if len(batch) == c.Batch {
					if err := c.report(c.flush(ctx, batch)); err != nil {
						return err
					}
					batch = batch[:0]
				}
			}
		}
	}
	return c.report(c.flush(ctx, batch))
}

// progress shows how far an import is: a bar with rate and ETA on a
// terminal, a plain line every few seconds otherwise.
type progress interface {
	add(lines int)
	finish()
}

func newProgress(w io.Writer, total int) progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{bar: progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("import"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("lines"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)}
	}
	return &lineProgress{w: w, total: total, start: time.Now(), last: time.Now()}
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (p *barProgress) add(n int) { _ = p.bar.Add(n) }
func (p *barProgress) finish()   { _ = p.bar.Finish() }

// lineProgress prints "import: 4000/10000 lines (40%), 2000 lines/s, ETA 3s".
type lineProgress struct {
	w           io.Writer
	total, done int
	start, last time.Time
	finished    bool
}

// lineEvery is how often lineProgress prints.
const lineEvery = 2 * time.Second

func (p *lineProgress) add(n int) {
	p.done += n
	if now := time.Now(); now.Sub(p.last) >= lineEvery {
		p.last = now
		p.print(now)
	}
}

func (p *lineProgress) print(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := float64(p.done) / max(el, 1e-9)
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	eta := time.Duration(0)
	if rate > 0 {
		eta = time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second)
	}
	fmt.Fprintf(p.w, "import: %d/%d lines (%.0f%%), %.0f lines/s, ETA %s\n", p.done, p.total, pct, rate, eta)
}

func (p *lineProgress) finish() {
	if !p.finished && p.done > 0 && time.Since(p.start) >= lineEvery {
		p.print(time.Now())
	}
	p.finished = true
}
