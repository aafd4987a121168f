package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// historyLoad is what --import writes for motcua import: whole lives
// received --backfill-days ago, the office's history.
var historyLoad = load{Name: "import", What: "motcua import of whole lives received in the past, from NDJSON", Batch: true, Lives: true, Past: true}

// importRun is one measured run of motcua import into a new database.
type importRun struct {
	Events int64
	Took   time.Duration
	InUse  int64 // bytes of the database's pages in use afterwards
}

func (r importRun) rate() float64 { return float64(r.Events) / r.Took.Seconds() }

// writeHistory writes at least events events of g, one JSON object a
// line, to path, and returns how many it wrote.
func writeHistory(path string, g *generator, events int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("history file: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for req := int64(0); n < events; req++ {
		var batch struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(g.body(req), &batch); err != nil {
			f.Close()
			return 0, fmt.Errorf("history: %w", err)
		}
		for _, e := range batch.Events {
			w.Write(e)
			w.WriteByte('\n')
			n++
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("history file: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("history file: %w", err)
	}
	return n, nil
}

// measureImport writes the history and times `bin import` of it into a
// new database in dir, as an office's first import would run (the
// process's start and the configuration's load included).
func measureImport(ctx context.Context, bin, workdir, configDir, dir string, g *generator, events int64) (importRun, error) {
	path := filepath.Join(dir, "history.ndjson")
	n, err := writeHistory(path, g, events)
	if err != nil {
		return importRun{}, err
	}
	defer os.Remove(path)
	db := filepath.Join(dir, "import.db")
	for _, p := range []string{db, db + ".key"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return importRun{}, fmt.Errorf("import: %w", err)
		}
	}
	args := []string{"import", "--db", db}
	if configDir != "" {
		args = append(args, "--config", configDir)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, path)...)
	cmd.Dir = workdir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		tail := out.Bytes()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return importRun{}, fmt.Errorf("motcua import: %w\n%s", err, tail)
	}
	u, err := readBoltUsage(db)
	if err != nil {
		return importRun{}, err
	}
	return importRun{Events: n, Took: took, InUse: u.InUse}, nil
}
