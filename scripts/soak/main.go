// Command soak runs the hostile-network floods of issue 10 (idle
// connections, slowloris headers, slow bodies announcing 1 MB) against a
// motcua server on loopback, one after the other, while probing
// GET /api/v1/healthz, and reports how the server held up:
//
//	go run ./scripts/soak --addr 127.0.0.1:8080 --pid $(pgrep -n motcua) [--conns 2000] [--duration 10s]
//
// To reproduce the limit the server works under, start it with a low
// descriptor limit: `sh -c 'ulimit -n 1024; exec motcua serve'`. The
// exit status is 1 when a probe failed (no 200 within --timeout) or the
// server's memory grew by more than --max-growth MiB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/motcua/motcua/scripts/soak/flood"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "the server's loopback host:port")
	pid := flag.Int("pid", 0, "the server's process id, to read its memory (0: don't)")
	conns := flag.Int("conns", 2000, "connections each flood keeps open")
	duration := flag.Duration("duration", 10*time.Second, "how long each flood lasts")
	floods := flag.String("floods", "idle,slowloris,slowbody", "floods to run, in order")
	token := flag.String("token", "", "bearer token for the slow bodies (default: none, as an attacker)")
	timeout := flag.Duration("timeout", time.Second, "a health probe fails without a 200 in this time")
	maxGrowth := flag.Int64("max-growth", 256, "MiB the server's memory may grow by")
	probe := flag.Bool("probe", true, "probe GET /api/v1/healthz every 100 ms during the floods")
	sources := flag.String("sources", strings.Join(flood.DefaultSources(), ","), "local loopback addresses to flood from")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	base := "http://" + *addr
	var before int64
	if *pid != 0 {
		var err error
		if before, err = flood.RSS(*pid); err != nil {
			return err
		}
		fmt.Printf("server RSS before: %d MiB\n", before>>20)
	}
	var failed []string
	for _, k := range strings.Split(*floods, ",") {
		kind := flood.Kind(strings.TrimSpace(k))
		fctx, cancel := context.WithCancel(ctx)
		probes := make(chan flood.ProbeResult, 1)
		go func() {
			if !*probe {
				probes <- flood.ProbeResult{}
				return
			}
			probes <- flood.Probe(fctx, base, 100*time.Millisecond, *timeout)
		}()
		peak := make(chan int64, 1)
		go func() {
			if *pid == 0 {
				peak <- 0
				return
			}
			p, err := flood.PeakRSS(fctx, *pid, 50*time.Millisecond)
			if err != nil {
				p = -1 // the process is gone
			}
			peak <- p
		}()
		res, err := flood.Run(fctx, kind, flood.Options{Addr: *addr, Conns: *conns, Duration: *duration,
			Token: *token, Sources: strings.Split(*sources, ",")})
		cancel()
		if err != nil {
			return err
		}
		pr, pk := <-probes, <-peak
		fmt.Println(res)
		if *probe {
			fmt.Println("  ", pr)
		}
		if pk < 0 {
			return fmt.Errorf("%s: the server process %d is gone", kind, *pid)
		}
		if *pid != 0 {
			fmt.Printf("   server RSS peak: %d MiB (+%d MiB)\n", pk>>20, (pk-before)>>20)
			if pk-before > *maxGrowth<<20 {
				failed = append(failed, fmt.Sprintf("%s: memory grew by %d MiB", kind, (pk-before)>>20))
			}
		}
		if pr.Failed > 0 {
			failed = append(failed, fmt.Sprintf("%s: %d health probes failed", kind, pr.Failed))
		}
	}
	if *pid != 0 {
		after, err := flood.RSS(*pid)
		if err != nil {
			return fmt.Errorf("the server is gone: %w", err)
		}
		fmt.Printf("server RSS after: %d MiB\n", after>>20)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}
