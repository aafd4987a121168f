// Command load measures motcua's ingest end to end (issue 14, item 3): it
// drives a running server over HTTP with the four loads of the issue's
// table (single events and batches of 100, new dossiers received now and
// backfilled into the past; whole dossier lives optionally), and in the
// same run times a naive bbolt loop of one Update per event and an fsync
// probe on the same disk, so that the figures compare across machines.
//
//	go run ./scripts/load --spawn
//	go run ./scripts/load --url http://127.0.0.1:8080 --token T [--db motcua.db]
//	go run ./scripts/load --spawn --peer http://127.0.0.1:9090 --peer-token P
//
// Only loopback servers are driven; every load stops after --duration or
// --events, whichever comes first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "load: %v\n", err)
		}
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	URL, Token           string
	PeerURL, PeerToken   string
	PeerDB               string
	Spawn                bool
	Bin, Config, Dir, DB string
	CPUProfile           string
	Import               int64 // events for motcua import (--import); 0: none
	Loads                []load
	Writers, Batch       int
	BatchWriters         int
	Duration             time.Duration
	Events               int64
	NaiveDuration        time.Duration
	NaiveEvents          int64
	FsyncN               int
	BackfillDays         int
	Timeout              time.Duration
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "", "motcua server to drive (loopback only), e.g. http://127.0.0.1:8080; the nodes of a cluster comma-separated, writers spread over them")
	fs.StringVar(&o.Token, "token", os.Getenv("MOTCUA_TOKEN"), "integration token for the root agency (default $MOTCUA_TOKEN)")
	fs.StringVar(&o.PeerURL, "peer", "", "another server with the same HTTP shape, driven in alternation (loopback only)")
	fs.StringVar(&o.PeerToken, "peer-token", "", "token for --peer")
	fs.StringVar(&o.PeerDB, "peer-db", "", "with --peer: its database file, to report its disk per event")
	fs.BoolVar(&o.Spawn, "spawn", false, "build ./cmd/motcua, serve a fresh database on a free loopback port, stop it at the end")
	fs.StringVar(&o.Bin, "bin", "", "with --spawn: this motcua binary instead of building one")
	fs.StringVar(&o.Config, "config", "", "with --spawn: serve's --config (default: serve's own default)")
	fs.StringVar(&o.Dir, "dir", "", "folder for the naive bbolt loop and the fsync probe, and with --spawn the database (default: a new temporary folder)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "with --spawn: the server writes a CPU profile of the run to this file (serve --cpuprofile)")
	fs.StringVar(&o.DB, "db", "", "with --url: the server's database file, to report disk per event")
	loads := fs.String("loads", defaultLoads, "loads to run, comma-separated, of: "+loadNames()+" (all: every one)")
	fs.IntVar(&o.Writers, "writers", 64, "concurrent writers")
	fs.IntVar(&o.BatchWriters, "batch-writers", 16, "concurrent writers of the batch loads (16 × 100 events in flight keep the writer busy; more only queue)")
	fs.IntVar(&o.Batch, "batch", 100, "events per request of the batch loads")
	fs.Int64Var(&o.Import, "import", 0, "with --spawn or --bin: also write this many events of whole lives received --backfill-days ago as NDJSON and time `motcua import` of them into a new database")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each load")
	fs.Int64Var(&o.Events, "events", 1_000_000, "at most this many events per load")
	fs.DurationVar(&o.NaiveDuration, "naive-duration", 0, "length of the naive bbolt loop (default: --duration)")
	fs.Int64Var(&o.NaiveEvents, "naive-events", 0, "at most this many events in the naive loop (default: --events)")
	fs.IntVar(&o.FsyncN, "fsync-n", 200, "writes of 4 KiB + fsync in the fsync probe")
	fs.IntVar(&o.BackfillDays, "backfill-days", 21, "how many days back the past loads receive their dossiers (≥ 3)")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Second, "timeout of one HTTP request")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	bad := func(f string, a ...any) error {
		err := fmt.Errorf(f, a...)
		fmt.Fprintln(stderr, err)
		fs.Usage()
		return err
	}
	if fs.NArg() > 0 {
		return nil, bad("unexpected arguments: %v", fs.Args())
	}
	if o.Spawn == (o.URL != "") {
		return nil, bad("give exactly one of --spawn and --url")
	}
	if o.URL != "" && o.Token == "" {
		return nil, bad("--url needs --token (or $MOTCUA_TOKEN)")
	}
	if (o.PeerURL == "") != (o.PeerToken == "") {
		return nil, bad("--peer and --peer-token go together")
	}
	if o.Import < 0 || (o.Import > 0 && !o.Spawn && o.Bin == "") {
		return nil, bad("--import needs a count ≥ 0 and a motcua binary: --spawn, or --bin")
	}
	for _, u := range append(strings.Split(o.URL, ","), o.PeerURL) {
		if err := checkLoopback(u); err != nil {
			return nil, bad("%v", err)
		}
	}
	if o.Writers < 1 || o.Writers > 1024 || o.BatchWriters < 1 || o.BatchWriters > 1024 || o.Batch < 1 || o.Batch > 1000 || o.Events < 1 || o.Duration <= 0 ||
		o.FsyncN < 1 || o.FsyncN > 100_000 || o.BackfillDays < 3 || o.BackfillDays > 3650 {
		return nil, bad("out of range: --writers and --batch-writers 1..1024, --batch 1..1000, --events ≥ 1, --duration > 0, --fsync-n 1..100000, --backfill-days 3..3650")
	}
	if o.NaiveDuration <= 0 {
		o.NaiveDuration = o.Duration
	}
	if o.NaiveEvents <= 0 {
		o.NaiveEvents = o.Events
	}
	want := *loads
	if want == "all" {
		want = loadNames()
	}
	for _, name := range strings.Split(want, ",") {
		l, ok := findLoad(strings.TrimSpace(name))
		if !ok {
			return nil, bad("unknown load %q (known: %s)", name, loadNames())
		}
		o.Loads = append(o.Loads, l)
	}
	return o, nil
}

func loadNames() string {
	var n []string
	for _, l := range allLoads {
		n = append(n, l.Name)
	}
	return strings.Join(n, ",")
}

func findLoad(name string) (load, bool) {
	for _, l := range allLoads {
		if l.Name == name {
			return l, true
		}
	}
	return load{}, false
}

// checkLoopback refuses any server that is not on this machine's loopback.
func checkLoopback(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http URL", raw)
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); (ip == nil || !ip.IsLoopback()) && h != "localhost" {
		return fmt.Errorf("%q is not on loopback: this tool only drives 127.0.0.1 / ::1 / localhost", raw)
	}
	return nil
}

// target is one server under load.
type target struct {
	Name   string
	Client *client
	Server *server // when spawned
	DB     string  // database file, for disk per event; "" when unknown
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		loc = time.FixedZone("+07", 7*3600)
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "motcua-load-*"); err != nil {
			return fmt.Errorf("temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	hc := newHTTPClient(o.Writers, o.Timeout)
	var primary target
	bin := o.Bin
	workdir := moduleRoot(ctx)
	if o.Spawn {
		if bin == "" {
			fmt.Fprintln(stderr, "load: building ./cmd/motcua")
			if bin, err = buildMotcua(ctx, dir, stderr); err != nil {
				return err
			}
		}
		var extra []string
		if o.CPUProfile != "" {
			extra = []string{"--cpuprofile", o.CPUProfile}
		}
		srv, err := spawnServer(ctx, bin, dir, workdir, o.Config, extra...)
		if err != nil {
			return err
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				fmt.Fprintf(stderr, "load: stopping motcua serve: %v (log: %s)\n", err, srv.LogPath)
			}
		}()
		primary = target{Name: "motcua", Client: &client{base: srv.URL, token: srv.Token, http: hc}, Server: srv, DB: srv.DB}
	} else {
		urls := strings.Split(o.URL, ",")
		for i := range urls {
			urls[i] = strings.TrimRight(urls[i], "/")
		}
		primary = target{Name: "motcua", Client: &client{base: urls[0], more: urls[1:], token: o.Token, http: hc}, DB: o.DB}
	}
	targets := []target{primary}
	if o.PeerURL != "" {
		targets = append(targets, target{Name: "peer", Client: &client{base: strings.TrimRight(o.PeerURL, "/"), token: o.PeerToken, http: hc}, DB: o.PeerDB})
	}

	now := time.Now
	cfg, err := fetchConfig(ctx, primary.Client, pastMorning(now().In(loc), o.BackfillDays))
	if err != nil {
		return fmt.Errorf("configuration of %s: %w", primary.Client.base, err)
	}
	runID, err := randomHex(3)
	if err != nil {
		return err
	}
	runID = "LD" + runID

	fmt.Fprintf(stdout, "machine: %d CPUs, %s/%s, %s; probes in %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), dir)
	fmt.Fprintf(stdout, "server: %s (%d counters, %d procedures with a lead time); run %s\n",
		primary.Client.base, len(cfg.Counters), len(cfg.Procedures), runID)
	fs, err := fsyncProbe(dir, o.FsyncN)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fsync probe: %d × (4 KiB write + fsync): p50 %s, p99 %s\n", fs.N, ms(fs.P50), ms(fs.P99))
	ng, err := newGenerator(ctx, primary.Client, cfg, allLoads[0], runID+"-naive", o.Batch, loc, now, o.BackfillDays)
	if err != nil {
		return err
	}
	naive, err := naiveBolt(ctx, dir, ng, limits{Writers: o.Writers, Duration: o.NaiveDuration, Events: o.NaiveEvents})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "naive bbolt, one Update per event, %d writers: %d events, %.0f events/s, p50 %s, p99 %s\n",
		o.Writers, naive.Events, naive.rate(), ms(naive.P50), ms(naive.P99))

	var results []result
	stored := map[string]int64{}
	for i, l := range o.Loads {
		for ti, t := range targets {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			g, err := newGenerator(ctx, primary.Client, cfg, l, fmt.Sprintf("%s-%d-%d", runID, ti, i), o.Batch, loc, now, o.BackfillDays)
			if err != nil {
				return err
			}
			use0, useErr := usage(t.DB)
			cpu0 := t.Server.cpuSeconds()
			writers := o.Writers
			if l.Batch {
				writers = o.BatchWriters
			}
			r := drive(ctx, t.Client, g, limits{Writers: writers, Duration: o.Duration, Events: o.Events})
			r.Writers = writers
			r.Target = t.Name
			r.DiskPerEvent, r.CPUPer1k = -1, -1
			if use1, err := usage(t.DB); useErr == nil && err == nil && r.Events > 0 {
				r.DiskPerEvent = float64(use1.InUse-use0.InUse) / float64(r.Events)
			}
			if cpu1 := t.Server.cpuSeconds(); cpu0 >= 0 && cpu1 >= 0 && r.Events > 0 {
				r.CPUPer1k = (cpu1 - cpu0) / float64(r.Events) * 1000
			}
			stored[t.Name] += r.Events
			results = append(results, r)
			fmt.Fprintf(stderr, "load: %s %s: %d events, %.0f/s, %d errors\n", t.Name, l.Name, r.Events, r.rate(), r.Errors)
		}
	}

	fmt.Fprintln(stdout)
	printTable(stdout, results, naive)
	for _, t := range targets {
		if t.DB == "" || stored[t.Name] == 0 {
			continue
		}
		st, err1 := os.Stat(t.DB)
		u, err2 := usage(t.DB)
		if err1 == nil && err2 == nil {
			n := float64(stored[t.Name])
			fmt.Fprintf(stdout, "%s disk: %d events stored by this run; database file %.1f MB (%.0f B/event), "+
				"bbolt extent %.1f MB (%.0f B/event), pages in use %.1f MB (%.0f B/event)\n", t.Name, stored[t.Name],
				mb(st.Size()), float64(st.Size())/n, mb(u.Extent), float64(u.Extent)/n, mb(u.InUse), float64(u.InUse)/n)
		}
	}
	if o.Import > 0 {
		g, err := newGenerator(ctx, primary.Client, cfg, historyLoad, runID+"-import", o.Batch, loc, now, o.BackfillDays)
		if err != nil {
			return err
		}
		imp, err := measureImport(ctx, bin, workdir, o.Config, dir, g, o.Import)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "motcua import: %d events (whole lives received %d days back, NDJSON) into a new database in %.1f s: %.0f events/s, %.0f B/event on disk\n",
			imp.Events, o.BackfillDays, imp.Took.Seconds(), imp.rate(), float64(imp.InUse)/float64(imp.Events))
	}
	var failed int64
	for _, r := range results {
		if r.Errors > 0 {
			failed += r.Errors
			fmt.Fprintf(stdout, "first error of %s %s: %s\n", r.Target, r.Load.Name, r.FirstErr)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d requests failed", failed)
	}
	return nil
}

// usage is the bbolt usage of path; an error when there is no path.
func usage(path string) (boltUsage, error) {
	if path == "" {
		return boltUsage{}, errors.New("no database file")
	}
	return readBoltUsage(path)
}

func printTable(w io.Writer, results []result, naive naiveResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tload\twriters\tevents\tevents/s\tp50\tp99\terrors\tvs naive\tdisk B/event\tCPU-s/1k events\t")
	for _, r := range results {
		vs := "-"
		if naive.rate() > 0 {
			vs = fmt.Sprintf("%.2f×", r.rate()/naive.rate())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%s\t%s\t%d\t%s\t%s\t%s\t\n", r.Target, r.Load.Name, r.Writers, r.Events, r.rate(),
			ms(r.P50), ms(r.P99), r.Errors, vs, orDash(r.DiskPerEvent, "%.0f"), orDash(r.CPUPer1k, "%.2f"))
	}
	fmt.Fprintf(tw, "naive bbolt\tone Update per event\t%d\t%d\t%.0f\t%s\t%s\t0\t1.00×\t-\t-\t\n", naive.Writers, naive.Events, naive.rate(), ms(naive.P50), ms(naive.P99))
	tw.Flush()
}

func orDash(v float64, f string) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf(f, v)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mb(n int64) float64 { return float64(n) / (1 << 20) }
