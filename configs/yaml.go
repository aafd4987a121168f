package configs

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// kind is the shape of a YAML value after anchors and tags are peeled off.
type kind int

const (
	kindNull kind = iota
	kindScalar
	kindMap
	kindSeq
	kindBad // already reported (an alias, say); readers skip it silently
)

func (k kind) String() string {
	switch k {
	case kindScalar:
		return "a scalar"
	case kindMap:
		return "a mapping"
	case kindSeq:
		return "a list"
	}
	return "nothing"
}

// node is a YAML value with its line, reduced to what the loader needs.
// Converting go-yaml's AST into it once keeps the validators free of the
// AST's many node types.
type node struct {
	kind  kind
	line  int
	text  string   // scalar: its value (strings unquoted, numbers as written)
	ints  *int64   // scalar: set for an integer that fits an int64
	float *float64 // scalar: set for an integer or float
	truth *bool    // scalar: set for true or false
	keys  []entry  // mapping, in file order
	items []*node  // list
}

type entry struct {
	key  string
	line int
	val  *node
}

// parseYAML parses src into a node tree. It reports syntax errors, and
// aliases and merge keys (unsupported: expanding them would let a small
// file grow without bound), as problems; the tree is nil when the file
// cannot be read as YAML at all.
func parseYAML(file string, src []byte, probs *Problems) (root *node) {
	defer func() {
		// The parser is third-party code fed with user input: a panic in it
		// is reported as a problem rather than taking down check-config.
		if r := recover(); r != nil {
			probs.add(file, 0, "cannot parse YAML: %v", r)
			root = nil
		}
	}()
	// Editors on Windows save UTF-8 with a byte-order mark, which the lexer
	// would read as part of the first key.
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			probs.add(file, se.Token.Position.Line, "syntax error: %s", se.Message)
		} else {
			probs.add(file, 0, "syntax error: %v", err)
		}
		return nil
	}
	var body ast.Node
	for i, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			probs.add(file, lineOf(d.Body), "more than one YAML document (document %d)", i+1)
			continue
		}
		body = d.Body
	}
	c := converter{file: file, probs: probs}
	return c.convert(body)
}

type converter struct {
	file  string
	probs *Problems
	depth int
}

// maxDepth bounds nesting; the real tree is a few levels deep.
const maxDepth = 100

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func (c *converter) convert(n ast.Node) *node {
	if n == nil {
		return &node{kind: kindNull}
	}
	c.depth++
	defer func() { c.depth-- }()
	line := lineOf(n)
	if c.depth > maxDepth {
		c.probs.add(c.file, line, "nesting deeper than %d levels", maxDepth)
		return &node{kind: kindBad, line: line}
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		return c.convert(v.Value)
	case *ast.TagNode:
		return c.convert(v.Value)
	case *ast.AliasNode:
		c.probs.add(c.file, line, "aliases (*name) are not supported")
		return &node{kind: kindBad, line: line}
	case *ast.NullNode:
		return &node{kind: kindNull, line: line}
	case *ast.MappingNode:
		out := &node{kind: kindMap, line: line}
		for _, mv := range v.Values {
			if mv == nil {
				continue
			}
			key, kline, ok := c.key(mv.Key)
			if !ok {
				continue
			}
			out.keys = append(out.keys, entry{key: key, line: kline, val: c.convert(mv.Value)})
		}
		if len(out.keys) > 0 {
			out.line = out.keys[0].line
		}
		return out
	case *ast.MappingValueNode:
		out := &node{kind: kindMap, line: line}
		if key, kline, ok := c.key(v.Key); ok {
			out.line = kline
			out.keys = append(out.keys, entry{key: key, line: kline, val: c.convert(v.Value)})
		}
		return out
	case *ast.SequenceNode:
		out := &node{kind: kindSeq, line: line}
		for _, it := range v.Values {
			out.items = append(out.items, c.convert(it))
		}
		return out
	case *ast.StringNode:
		return &node{kind: kindScalar, line: line, text: v.Value}
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &node{kind: kindScalar, line: line, text: s}
	case *ast.IntegerNode:
		out := &node{kind: kindScalar, line: line, text: v.Token.Value}
		switch x := v.Value.(type) {
		case int64:
			out.ints = &x
			f := float64(x)
			out.float = &f
		case uint64:
			f := float64(x)
			out.float = &f
			if x <= math.MaxInt64 {
				i := int64(x)
				out.ints = &i
			}
		}
		return out
	case *ast.FloatNode:
		x := v.Value
		return &node{kind: kindScalar, line: line, text: v.Token.Value, float: &x}
	case *ast.BoolNode:
		b := v.Value
		return &node{kind: kindScalar, line: line, text: v.Token.Value, truth: &b}
	case *ast.InfinityNode, *ast.NanNode:
		return &node{kind: kindScalar, line: line, text: n.GetToken().Value}
	case *ast.MergeKeyNode:
		c.probs.add(c.file, line, "merge keys (<<) are not supported")
		return &node{kind: kindBad, line: line}
	case *ast.CommentGroupNode, *ast.CommentNode:
		return &node{kind: kindNull, line: line}
	}
	c.probs.add(c.file, line, "unsupported YAML construct %s", n.Type())
	return &node{kind: kindBad, line: line}
}

// key returns the text of a mapping key; ok is false (and a problem is
// recorded) for keys that are not plain scalars.
func (c *converter) key(k ast.MapKeyNode) (string, int, bool) {
	var n ast.Node = k
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
			continue
		case *ast.TagNode:
			n = v.Value
			continue
		}
		break
	}
	line := lineOf(n)
	if line == 0 {
		line = lineOf(k)
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, line, true
	case *ast.MergeKeyNode:
		c.probs.add(c.file, line, "merge keys (<<) are not supported")
		return "", line, false
	case ast.ScalarNode:
		if tk := v.GetToken(); tk != nil {
			return tk.Value, line, true
		}
	}
	c.probs.add(c.file, line, "mapping keys must be plain strings")
	return "", line, false
}

// decoder turns nodes into values for one file, recording a problem for
// every value of the wrong shape. Its methods never fail: they return the
// zero value and carry on, so that one load reports everything.
type decoder struct {
	file  string
	probs *Problems
	lines map[string]agencyLines // agencies.yaml: where each agency's keys are, for later checks
}

func (d *decoder) addf(line int, format string, args ...any) {
	d.probs.add(d.file, line, format, args...)
}

// topLevel names a file's outermost mapping in messages.
const topLevel = "top level"

// object is a mapping whose keys were checked against a known set.
type object struct {
	line   int
	fields map[string]*node
	lines  map[string]int
}

func (o object) has(key string) bool { return o.fields[key] != nil }

// get returns the value under key, or nil when absent or null.
func (o object) get(key string) *node {
	n := o.fields[key]
	if n == nil || n.kind == kindNull {
		return nil
	}
	return n
}

// object reads n as a mapping of the known keys. what names the value in
// messages ("head"); a null n gives an empty object. ok is false when n is
// something other than a mapping.
func (d *decoder) object(n *node, what string, known ...string) (object, bool) {
	o := object{fields: map[string]*node{}, lines: map[string]int{}}
	if n == nil {
		return o, true
	}
	o.line = n.line
	switch n.kind {
	case kindNull:
		return o, true
	case kindBad:
		return o, false
	case kindMap:
	default:
		d.addf(n.line, "%s: want a mapping, got %s", what, n.kind)
		return o, false
	}
	for _, e := range n.keys {
		if !slices.Contains(known, e.key) {
			where := "in " + what
			if what == topLevel {
				where = "at " + what
			}
			d.addf(e.line, "unknown key %q %s (want %s)", e.key, where, strings.Join(known, ", "))
			continue
		}
		o.fields[e.key] = e.val
		o.lines[e.key] = e.line
		if e.val.line == 0 {
			e.val.line = e.line
		}
	}
	return o, true
}

// list reads n as a list; null or absent is an empty list.
func (d *decoder) list(n *node, what string) []*node {
	if n == nil || n.kind == kindNull || n.kind == kindBad {
		return nil
	}
	if n.kind != kindSeq {
		d.addf(n.line, "%s: want a list, got %s", what, n.kind)
		return nil
	}
	return n.items
}

// str reads a scalar as text; numbers and booleans keep their spelling,
// so an unquoted code like 1.001193 stays "1.001193".
func (d *decoder) str(n *node, what string) string {
	if n == nil || n.kind == kindNull || n.kind == kindBad {
		return ""
	}
	if n.kind != kindScalar {
		d.addf(n.line, "%s: want a string, got %s", what, n.kind)
		return ""
	}
	return strings.TrimSpace(n.text)
}

// integer reads a whole number; ok is false (with a problem) otherwise.
func (d *decoder) integer(n *node, what string) (int, bool) {
	if n == nil || n.kind == kindNull || n.kind == kindBad {
		return 0, false
	}
	if n.kind != kindScalar || n.ints == nil {
		d.addf(n.line, "%s: want a whole number, got %s", what, describe(n))
		return 0, false
	}
	if *n.ints > math.MaxInt32 || *n.ints < math.MinInt32 {
		d.addf(n.line, "%s: %d is out of range", what, *n.ints)
		return 0, false
	}
	return int(*n.ints), true
}

// number reads an integer or a decimal.
func (d *decoder) number(n *node, what string) (float64, bool) {
	if n == nil || n.kind == kindNull || n.kind == kindBad {
		return 0, false
	}
	if n.kind != kindScalar || n.float == nil || math.IsNaN(*n.float) || math.IsInf(*n.float, 0) {
		d.addf(n.line, "%s: want a number, got %s", what, describe(n))
		return 0, false
	}
	return *n.float, true
}

// boolean reads true or false.
func (d *decoder) boolean(n *node, what string) (bool, bool) {
	if n == nil || n.kind == kindNull || n.kind == kindBad {
		return false, false
	}
	if n.kind == kindScalar && n.truth != nil {
		return *n.truth, true
	}
	d.addf(n.line, "%s: want true or false, got %s", what, describe(n))
	return false, false
}

func describe(n *node) string {
	if n.kind == kindScalar {
		return strconv.Quote(n.text)
	}
	return n.kind.String()
}
