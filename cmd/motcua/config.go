package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/motcua/motcua/configs"
	"github.com/motcua/motcua/counter"
)

// DefaultConfigDir is the folder used without --config, when it exists.
const DefaultConfigDir = "configs"

// configFlag registers --config on fs.
func configFlag(fs *flag.FlagSet, dir *string) {
	fs.StringVar(dir, "config", "", "configuration folder (default: ./"+DefaultConfigDir+" if present, else the built-in one)")
}

// configSource returns the configuration folder to read and how to name
// it: dir when given, else ./configs if it holds an agencies file, else
// the configuration built into the binary.
func configSource(dir string) (fs.FS, string) {
	if dir != "" {
		return os.DirFS(dir), dir
	}
	if st, err := os.Stat(filepath.Join(DefaultConfigDir, configs.AgenciesFile)); err == nil && !st.IsDir() {
		return os.DirFS(DefaultConfigDir), DefaultConfigDir
	}
	return configs.Embedded(), "built-in"
}

// loadConfig loads the configuration folder dir (see configSource). When it
// is invalid it prints every problem on w, one per line, and returns a
// reportedError.
func loadConfig(dir string, w io.Writer) (*counter.Config, string, error) {
	fsys, name := configSource(dir)
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			fmt.Fprintf(w, "%s: not a directory\n", dir)
			return nil, name, reportedError{fmt.Errorf("config %s: not a directory", dir)}
		}
	}
	cfg, err := configs.Load(fsys)
	if err == nil {
		return cfg, name, nil
	}
	var probs *configs.Problems
	if !errors.As(err, &probs) {
		return nil, name, fmt.Errorf("load config %s: %w", name, err)
	}
	prefix := ""
	if name != "built-in" {
		prefix = name + string(filepath.Separator)
	}
	for _, p := range probs.List {
		fmt.Fprintf(w, "%s%s\n", prefix, p)
	}
	return nil, name, reportedError{fmt.Errorf("config %s: %d problems", name, len(probs.List))}
}
