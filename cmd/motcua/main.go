// Command motcua monitors one-stop-shop counters (SPEC.md §8): it serves the
// API, checks configuration folders and computes deadlines.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

func main() {
	// The live heap is small (bbolt maps the database outside it) while each
	// commit churns through page buffers: a lazier collector buys about a
	// quarter more write throughput (BenchmarkRecordBatch100 with GOGC=400).
	// An operator's GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	os.Exit(m.Execute(ctx, os.Args[1:]))
}

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1 // the command ran and failed (an invalid config, a store error)
	ExitUsage = 2 // unknown subcommand or bad flags
)

// usage lists the subcommands; commands still to come are listed so that
// the switch in newCommand has a place for them.
const usage = `motcua monitors one-stop-shop counters (Decree 61/2018/NĐ-CP).

Usage:
  motcua serve [--addr :8080] [--db motcua.db] [--config DIR] [--log-format text|json] [--demo] [--demo-speed N] [--new-key]
               [--cluster-node NAME --cluster-listen HOST:PORT --cluster-peers HOST:PORT,... | --nats-url URL]
  motcua check-config [--config DIR]
  motcua due --from TIME --value N --unit working_days|working_hours|days [--config DIR]
  motcua alertmanager-config [--config DIR] [--receivers FILE] [--at YYYY-MM-DD] [--out FILE]
  motcua token create --db F --role R --agency A --name N [--config DIR]
  motcua verify --db F
  motcua backup --out G (--db F | --server URL, with MOTCUA_TOKEN)
  motcua replay --db FILE [--config DIR] [--scratch DIR]
  motcua import --db FILE [--config DIR] [--format auto|ndjson|dvcqg] FILE...
  motcua report scorecards|register|violations --db F --out X.xlsx [--config DIR] [--agency A] [--from D] [--to D]

Without --config, the configs folder of the working directory is used if it
exists, else the configuration built into the binary.
Run "motcua COMMAND -h" for the flags of a command.
`

// errUsage marks an error that is the caller's: exit 2 after the usage.
var errUsage = errors.New("usage")

// command is one subcommand. ParseFlags parses its arguments; Run does the
// work (a server starts and returns once listening); Close releases what
// Run opened.
type command interface {
	ParseFlags(args []string) error
	Run(ctx context.Context) error
	Close() error
}

// waiter is a command that keeps running after Run returns: Wait blocks
// until ctx is done or it fails on its own.
type waiter interface {
	Wait(ctx context.Context) error
}

// Main is the motcua program. Its fields are the process's surroundings,
// replaced in tests.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (MOTCUA_BOOTSTRAP_TOKEN).
	Getenv func(string) string
	// Now is the clock of the commands that judge by today's date
	// (check-config, alertmanager-config); time.Now when nil.
	Now func() time.Time

	cmd command
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// NewMain returns a Main wired to the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Execute runs the command line args and returns the exit code: parse,
// run, wait for a server to be told to stop, close.
func (m *Main) Execute(ctx context.Context, args []string) int {
	if err := m.ParseFlags(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	err := runGuarded(m.cmd, func() error { return m.Run(ctx) })
	if err == nil {
		if w, ok := m.cmd.(waiter); ok {
			err = w.Wait(ctx)
		}
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			return exit.code
		}
		var reported reportedError
		if !errors.As(err, &reported) {
			fmt.Fprintf(m.Stderr, "motcua: %v\n", err)
		}
		return ExitFail
	}
	return ExitOK
}

// ParseFlags selects the subcommand named by args[0] and parses its flags.
// Unknown subcommands and bad flags print the usage on Stderr and return
// an error wrapping errUsage; -h returns flag.ErrHelp.
func (m *Main) ParseFlags(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("no command: %w", errUsage)
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(m.Stdout, usage)
		return flag.ErrHelp
	}
	cmd := m.newCommand(name)
	if cmd == nil {
		fmt.Fprintf(m.Stderr, "motcua: unknown command %q\n\n%s", name, usage)
		return fmt.Errorf("unknown command %q: %w", name, errUsage)
	}
	if err := cmd.ParseFlags(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%s: %w: %w", name, errUsage, err)
	}
	m.cmd = cmd
	return nil
}

// newCommand returns the subcommand called name, nil if there is none.
// replay, verify, backup and token (SPEC.md §8) get their cases here, one
// file each.
func (m *Main) newCommand(name string) command {
	switch name {
	case "serve":
		return &ServeCommand{Main: m}
	case "check-config":
		return &CheckConfigCommand{Main: m}
	case "due":
		return &DueCommand{Main: m}
	case "alertmanager-config":
		return &funcCommand{Main: m, run: func(args []string, stdout, stderr io.Writer) int {
			return runAlertmanagerConfig(args, stdout, stderr, m.now())
		}}
	case "token":
		return &TokenCommand{Main: m}
	case "verify":
		return &VerifyCommand{Main: m}
	case "backup":
		return &BackupCommand{Main: m}
	case "replay":
		return &ReplayCommand{Main: m}
	case "import":
		return &ImportCommand{Main: m}
	case "report":
		return &ReportCommand{Main: m}
	}
	return nil
}

// funcCommand adapts a subcommand written as one function that parses its
// own flags and returns the exit code.
type funcCommand struct {
	Main *Main
	run  func(args []string, stdout, stderr io.Writer) int
	args []string
}

// ParseFlags keeps args for run, which parses them itself.
func (c *funcCommand) ParseFlags(args []string) error {
	c.args = args
	return nil
}

// Run calls run; a non-zero exit code becomes an exitError.
func (c *funcCommand) Run(ctx context.Context) error {
	if code := c.run(c.args, c.Main.Stdout, c.Main.Stderr); code != ExitOK {
		return exitError{code}
	}
	return nil
}

// Close does nothing.
func (c *funcCommand) Close() error { return nil }

// exitError is a failure whose details are printed; it carries the exit code.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run runs the command ParseFlags selected.
func (m *Main) Run(ctx context.Context) error {
	if m.cmd == nil {
		return errors.New("run before ParseFlags")
	}
	return m.cmd.Run(ctx)
}

// Close releases what Run opened; it is safe to call more than once.
func (m *Main) Close() error {
	if m.cmd == nil {
		return nil
	}
	return m.cmd.Close()
}

// newFlagSet returns a flag set for a subcommand that prints its errors and
// usage on m.Stderr.
func (m *Main) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("motcua "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: motcua %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs and refuses positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// reportedError is an error whose details a command has already printed.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }
