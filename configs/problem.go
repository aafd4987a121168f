package configs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong in the configuration folder. Line is 1-based
// and 0 when no line applies (a missing file, say).
type Problem struct {
	File    string
	Line    int
	Message string
}

// String formats p as "file:line: message", or "file: message" without a
// line.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Problems is the error Load returns: every problem it found, ordered by
// file (agencies, procedures, calendar, rules) and then by line.
type Problems struct {
	List []Problem
}

// Error prints one problem per line.
func (p *Problems) Error() string {
	lines := make([]string, len(p.List))
	for i, pr := range p.List {
		lines[i] = pr.String()
	}
	return strings.Join(lines, "\n")
}

func (p *Problems) add(file string, line int, format string, args ...any) {
	p.List = append(p.List, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// sort orders the list by file rank, then line, keeping the order of
// discovery among equals so that a message about a key comes before one
// about its value.
func (p *Problems) sort() {
	rank := func(f string) int {
		if i := slices.Index(fileNames, f); i >= 0 {
			return i
		}
		return len(fileNames)
	}
	slices.SortStableFunc(p.List, func(a, b Problem) int {
		if c := cmp.Compare(rank(a.File), rank(b.File)); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
}
