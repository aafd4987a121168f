package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfile is a CPU profile being written to a file (--cpuprofile of
// serve and import), for go tool pprof.
type cpuProfile struct{ f *os.File }

// startCPUProfile begins profiling into path; an empty path profiles
// nothing, and stopping that is a no-op.
func startCPUProfile(path string) (*cpuProfile, error) {
	if path == "" {
		return &cpuProfile{}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return &cpuProfile{f: f}, nil
}

// stop ends the profile and closes its file.
func (p *cpuProfile) stop() error {
	if p == nil || p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	f := p.f
	p.f = nil
	if err := f.Close(); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	return nil
}
