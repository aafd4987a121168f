package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"time"
)

// ErrCorrupt marks a database file whose pages or records cannot be read
// safely. Every *CorruptError matches it with errors.Is.
var ErrCorrupt = errors.New("database file is corrupt")

// ErrLocked marks a database file another process (a server) holds.
var ErrLocked = errors.New("timeout: the database file is locked by another process (is a server holding it?)")

// CorruptError lists what CheckFile found wrong with a file, the first
// problems first.
type CorruptError struct {
	Path     string
	Problems []string
}

func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("database file is corrupt: %s: %s", e.Path, e.Problems[0])
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return msg
}

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// FileCheck is what CheckFile found in a sound file.
type FileCheck struct {
	// Pages is the file's high-water mark in pages; Reachable how many of
	// them the trees use and Free how many the freelist holds.
	Pages, Reachable, Free uint64
	PageSize               int
	// Txid is the transaction the file reads as.
	Txid uint64
	// Warnings are oddities that do not stop bbolt from reading the file
	// consistently, such as one damaged meta page.
	Warnings []string
	Took     time.Duration
}

// maxProblems bounds the problems a check collects before it stops.
const maxProblems = 20

// bbolt's on-disk format (go.etcd.io/bbolt internal/common), little-endian
// on the platforms motcua runs on.
const (
	pageHeaderSize  = 16 // id u64, flags u16, count u16, overflow u32
	elemSize        = 16 // branch: pos, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	bucketHeader    = 16 // root pgid u64, sequence u64
	flagBranch      = 0x01
	flagLeaf        = 0x02
	flagMeta        = 0x04
	flagFreelist    = 0x10
	leafBucketFlag  = 0x01
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	noFreelist      = ^uint64(0)
	metaChecksumEnd = 56
	maxTreeDepth    = 64
)

var le = binary.LittleEndian

// CheckFile reads every page of the bbolt file at path that the current
// transaction can reach, without bbolt and without trusting any offset in
// it: each slice it takes is bounds-checked, so a damaged file yields a
// *CorruptError (errors.Is ErrCorrupt), never a fault. It checks what
// bbolt's Tx.Check does (page ids, types, overflow, single reference, key
// order within and across pages, freelist, no page both used and free,
// none lost) and more: element offsets and lengths within their pages,
// inline buckets, and the motcua layout (known buckets; the fixed-size keys
// and values that reads slice, such as 8-byte sequence numbers). A file
// that passes can be opened and read by bbolt without a fault or a panic.
//
// An absent file is an error wrapping os.ErrNotExist; an empty one (bbolt
// creates it) passes. It takes a shared lock on the file while it reads, so
// it fails, after two seconds, on a file a server holds.
func CheckFile(path string) (*FileCheck, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() == 0 {
		return &FileCheck{Took: time.Since(start)}, nil
	}
	if err := lockShared(f, 2*time.Second); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	defer unlock(f)
	data, release, err := mapFile(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	defer release()
	c := &checker{data: data}
	fc := c.run()
	if len(c.problems) > 0 {
		return nil, &CorruptError{Path: path, Problems: c.problems}
	}
	fc.Took = time.Since(start)
	return fc, nil
}

type checker struct {
	data     []byte
	ps       uint64 // page size
	hwm      uint64 // pages below it may be used
	reach    bitset
	free     bitset
	problems []string
	warnings []string
}

type bitset []uint64

func (b bitset) has(i uint64) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i uint64)      { b[i/64] |= 1 << (i % 64) }

func (c *checker) fail(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

func (c *checker) full() bool { return len(c.problems) >= maxProblems }

// meta is a decoded bbolt meta page.
type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
	err      string
}

// readMeta decodes the meta page at off, or says why it does not validate.
func (c *checker) readMeta(off uint64) meta {
	if off+pageHeaderSize+64 > uint64(len(c.data)) {
		return meta{err: "beyond the end of the file"}
	}
	b := c.data[off+pageHeaderSize : off+pageHeaderSize+64]
	m := meta{pageSize: le.Uint32(b[8:]), root: le.Uint64(b[16:]), freelist: le.Uint64(b[32:]),
		pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	h := fnv.New64a()
	h.Write(b[:metaChecksumEnd])
	switch {
	case le.Uint32(b[0:]) != boltMagic:
		m.err = "not a bbolt meta page (bad magic)"
	case le.Uint32(b[4:]) != boltVersion:
		m.err = fmt.Sprintf("unsupported bbolt version %d", le.Uint32(b[4:]))
	case le.Uint64(b[metaChecksumEnd:]) != h.Sum64():
		m.err = "checksum mismatch"
	}
	return m
}

// run checks the whole file as bbolt would read it.
func (c *checker) run() *FileCheck {
	size := uint64(len(c.data))
	// Page size: from meta 0, else from meta 1 found at a power-of-two
	// offset, as bbolt's getPageSize does.
	m0 := c.readMeta(0)
	ps := uint64(0)
	if m0.err == "" {
		ps = uint64(m0.pageSize)
	} else {
		for i := 0; i <= 14; i++ {
			pos := uint64(1024) << i
			if pos+1024 >= size {
				break
			}
			if m := c.readMeta(pos); m.err == "" {
				ps = uint64(m.pageSize)
				break
			}
		}
	}
	if ps < 1024 || ps > 1<<24 || ps&(ps-1) != 0 {
		c.fail("no valid meta page (meta 0: %s)", m0.err)
		return nil
	}
	c.ps = ps
	if size < 2*ps {
		c.fail("file of %d bytes is shorter than its two meta pages", size)
		return nil
	}
	// bbolt's Tx.Check reads both meta pages as pages: their headers must
	// hold too, though the meta checksum does not cover them.
	for id := uint64(0); id < 2; id++ {
		h := c.data[id*ps:]
		if got := le.Uint64(h); got != id {
			c.fail("meta page %d says it is page %d", id, got)
		}
		if f := le.Uint16(h[8:]); f != flagMeta {
			c.fail("meta page %d has type %#x", id, f)
		}
	}
	if len(c.problems) > 0 {
		return nil
	}
	m0, m1 := c.readMeta(0), c.readMeta(ps)
	a, b, an, bn := m0, m1, 0, 1
	if m1.txid > m0.txid {
		a, b, an, bn = m1, m0, 1, 0
	}
	var m meta
	switch {
	case a.err == "" && b.err == "":
		m = a
	case a.err == "":
		m = a
		c.warnings = append(c.warnings, fmt.Sprintf("meta page %d is damaged (%s); the file reads as of transaction %d", bn, b.err, a.txid))
	case b.err == "":
		m = b
		c.warnings = append(c.warnings, fmt.Sprintf("meta page %d is damaged (%s); the file reads as of transaction %d, so the last commit may be lost", an, a.err, b.txid))
	default:
		c.fail("both meta pages are damaged (meta 0: %s; meta 1: %s)", m0.err, m1.err)
		return nil
	}
	if uint64(m.pageSize) != ps {
		c.fail("meta page size %d differs from the file's %d", m.pageSize, ps)
		return nil
	}
	if m.pgid < 3 || m.pgid > size/ps {
		c.fail("high-water mark of %d pages does not fit a file of %d pages", m.pgid, size/ps)
		return nil
	}
	c.hwm = m.pgid
	c.reach = make(bitset, (c.hwm+63)/64)
	c.free = make(bitset, (c.hwm+63)/64)
	c.reach.set(0)
	c.reach.set(1)
	if m.root < 2 || m.root >= c.hwm {
		c.fail("root bucket page %d is out of range [2, %d)", m.root, c.hwm)
		return nil
	}
	hasFreelist := m.freelist != noFreelist
	if hasFreelist {
		c.readFreelist(m.freelist)
	}
	if c.full() {
		return nil
	}
	c.walk(m.root, nil, nil, 0, nil)
	if len(c.problems) > 0 {
		return nil // the pages of a tree cut short would all seem lost
	}
	fc := &FileCheck{Pages: c.hwm, PageSize: int(ps), Txid: m.txid, Warnings: c.warnings}
	for i := uint64(0); i < c.hwm; i++ {
		r, f := c.reach.has(i), c.free.has(i)
		switch {
		case r:
			fc.Reachable++
		case f:
			fc.Free++
		case hasFreelist:
			c.fail("page %d is neither used nor free", i)
		}
	}
	return fc
}

// page returns the bytes of page id and its overflow pages, checking that
// the page says it is id, has one of the types in want and lies in the
// file below the high-water mark.
func (c *checker) page(id uint64, want ...uint16) (span []byte, flags, count uint16, ok bool) {
	if id < 2 || id >= c.hwm {
		c.fail("page %d is out of range [2, %d)", id, c.hwm)
		return nil, 0, 0, false
	}
	off := id * c.ps
	h := c.data[off : off+pageHeaderSize]
	if got := le.Uint64(h); got != id {
		c.fail("page %d says it is page %d", id, got)
		return nil, 0, 0, false
	}
	flags, count = le.Uint16(h[8:]), le.Uint16(h[10:])
	overflow := uint64(le.Uint32(h[12:]))
	good := false
	for _, w := range want {
		good = good || flags == w
	}
	if !good {
		c.fail("page %d has type %#x, want %s", id, flags, pageTypes(want))
		return nil, 0, 0, false
	}
	if id+overflow >= c.hwm {
		c.fail("page %d overflows %d pages, past the high-water mark %d", id, overflow, c.hwm)
		return nil, 0, 0, false
	}
	for i := id; i <= id+overflow; i++ {
		if c.reach.has(i) {
			c.fail("page %d is referenced twice", i)
			return nil, 0, 0, false
		}
		if c.free.has(i) {
			c.fail("page %d is in use and in the freelist", i)
			return nil, 0, 0, false
		}
		c.reach.set(i)
	}
	return c.data[off : off+(overflow+1)*c.ps], flags, count, true
}

func pageTypes(want []uint16) string {
	var s []string
	for _, w := range want {
		switch w {
		case flagBranch:
			s = append(s, "branch")
		case flagLeaf:
			s = append(s, "leaf")
		case flagFreelist:
			s = append(s, "freelist")
		case flagMeta:
			s = append(s, "meta")
		}
	}
	return strings.Join(s, " or ")
}

// readFreelist marks the freelist page used and the pages it lists free.
func (c *checker) readFreelist(id uint64) {
	span, _, count, ok := c.page(id, flagFreelist)
	if !ok {
		return
	}
	body := span[pageHeaderSize:]
	n, first := uint64(count), uint64(0)
	if count == 0xFFFF {
		if len(body) < 8 {
			c.fail("freelist page %d is truncated", id)
			return
		}
		n, first = le.Uint64(body), 1
	}
	if n > uint64(len(body))/8 || (first+n)*8 > uint64(len(body)) {
		c.fail("freelist page %d lists %d pages, more than it holds", id, n)
		return
	}
	for i := first; i < first+n; i++ {
		p := le.Uint64(body[i*8:])
		switch {
		case p < 2 || p >= c.hwm:
			c.fail("freelist page %d lists page %d, out of range [2, %d)", id, p, c.hwm)
		case c.free.has(p):
			c.fail("freelist page %d lists page %d twice", id, p)
		case c.reach.has(p):
			c.fail("freelist page %d lists page %d, which is in use", id, p)
		default:
			c.free.set(p)
		}
		if c.full() {
			return
		}
	}
}

// bucketPath names the bucket whose tree is being walked: nil for the
// root, which holds the named top-level buckets.
type bucketPath []string

// walk checks the tree under page id, whose keys must lie in [lo, hi)
// (nil: unbounded), and returns its first and last keys. Beyond what
// bbolt's Tx.Check asks, a branch key must equal the first key of its child,
// as bbolt always writes it: bbolt finds a child's entry in its parent by
// that key when it rewrites the child, and would otherwise leave a stale
// entry behind (a double free or a cycle at a later commit).
func (c *checker) walk(id uint64, lo, hi []byte, depth int, bucket bucketPath) (first, last []byte) {
	if depth > maxTreeDepth {
		c.fail("page %d: tree deeper than %d", id, maxTreeDepth)
		return nil, nil
	}
	span, flags, count, ok := c.page(id, flagBranch, flagLeaf)
	if !ok {
		return nil, nil
	}
	if flags == flagLeaf {
		return c.leaf(pageRef{page: id}, span, count, lo, hi, depth, bucket)
	}
	if count == 0 {
		c.fail("branch page %d is empty", id)
		return nil, nil
	}
	if uint64(pageHeaderSize)+uint64(count)*elemSize > uint64(len(span)) {
		c.fail("branch page %d: %d elements do not fit", id, count)
		return nil, nil
	}
	keys := make([][]byte, count)
	kids := make([]uint64, count)
	for i := range keys {
		e := pageHeaderSize + i*elemSize
		k, ok := c.slice(span, e, le.Uint32(span[e:]), uint64(le.Uint32(span[e+4:])))
		if !ok || len(k) == 0 {
			c.fail("branch page %d: key %d lies outside the page or is empty", id, i)
			return nil, nil
		}
		keys[i], kids[i] = k, le.Uint64(span[e+8:])
		if !c.ordered(pageRef{page: id, branch: true}, i, k, keys, lo, hi) {
			return nil, nil
		}
	}
	for i, k := range keys {
		next := hi
		if i+1 < len(keys) {
			next = keys[i+1]
		}
		n := len(c.problems)
		f, l := c.walk(kids[i], k, next, depth+1, bucket)
		if len(c.problems) > n {
			return nil, nil // reported below; its parents add nothing
		}
		if !bytes.Equal(f, k) {
			c.fail("branch page %d: key %d is not the first key of its child page %d", id, i, kids[i])
			return nil, nil
		}
		last = l
	}
	return keys[0], last
}

// pageRef names a page in messages.
type pageRef struct {
	page   uint64
	branch bool
	inline []byte
}

func (w pageRef) String() string {
	switch {
	case w.inline != nil:
		return fmt.Sprintf("inline bucket %q", w.inline)
	case w.branch:
		return fmt.Sprintf("branch page %d", w.page)
	}
	return fmt.Sprintf("page %d", w.page)
}

// ordered checks key i of a page against the one before it and the bounds.
func (c *checker) ordered(where fmt.Stringer, i int, k []byte, keys [][]byte, lo, hi []byte) bool {
	switch {
	case i == 0 && lo != nil && bytes.Compare(k, lo) < 0:
		c.fail("%s: first key sorts before its parent's", where)
	case i > 0 && bytes.Compare(keys[i-1], k) >= 0:
		c.fail("%s: key %d does not sort after key %d", where, i, i-1)
	case hi != nil && bytes.Compare(k, hi) >= 0:
		c.fail("%s: key %d sorts after the next key of its parent", where, i)
	default:
		return true
	}
	return false
}

// slice returns the n bytes at pos from the element at elem in span.
func (c *checker) slice(span []byte, elem int, pos uint32, n uint64) ([]byte, bool) {
	from := uint64(elem) + uint64(pos)
	to := from + n
	if to > uint64(len(span)) {
		return nil, false
	}
	return span[from:to], true
}

// leaf checks the leaf page (or inline bucket) in span and its child
// buckets, and returns its first and last keys.
func (c *checker) leaf(where pageRef, span []byte, count uint16, lo, hi []byte, depth int, bucket bucketPath) (first, last []byte) {
	if uint64(pageHeaderSize)+uint64(count)*elemSize > uint64(len(span)) {
		c.fail("%s: %d elements do not fit", where, count)
		return nil, nil
	}
	keys := make([][]byte, count)
	for i := range keys {
		e := pageHeaderSize + i*elemSize
		flags := le.Uint32(span[e:])
		pos, ksize, vsize := le.Uint32(span[e+4:]), le.Uint32(span[e+8:]), le.Uint32(span[e+12:])
		kv, ok := c.slice(span, e, pos, uint64(ksize)+uint64(vsize))
		if !ok || ksize == 0 {
			c.fail("%s: element %d lies outside the page or has an empty key", where, i)
			return nil, nil
		}
		k, v := kv[:ksize], kv[ksize:]
		keys[i] = k
		if !c.ordered(where, i, k, keys, lo, hi) {
			return nil, nil
		}
		switch flags {
		case 0:
			if bucket == nil {
				c.fail("%s: the root holds a value %q, not a bucket", where, k)
			} else if msg := checkRecord(bucket[0], len(bucket), k, v); msg != "" {
				c.fail("bucket %s, key %q: %s", strings.Join(bucket, "/"), k, msg)
			}
		case leafBucketFlag:
			c.bucket(where, k, v, depth, append(bucket[:len(bucket):len(bucket)], string(k)))
		default:
			c.fail("%s: element %d has unknown flags %#x", where, i, flags)
		}
		if c.full() {
			return nil, nil
		}
	}
	if count == 0 {
		return nil, nil
	}
	return keys[0], keys[count-1]
}

// bucket checks the bucket whose header is v.
func (c *checker) bucket(where pageRef, name, v []byte, depth int, path bucketPath) {
	if len(path) == 1 && !knownBucket(name) {
		c.fail("%s: unknown top-level bucket %q", where, name)
		return
	}
	if len(path) > 1 {
		c.fail("%s: unexpected nested bucket %s", where, strings.Join(path, "/"))
		return
	}
	if len(v) < bucketHeader {
		c.fail("%s: bucket %q has a header of %d bytes", where, name, len(v))
		return
	}
	root := le.Uint64(v)
	if root != 0 {
		c.walk(root, nil, nil, depth+1, path)
		return
	}
	// An inline bucket: a leaf page stored in the value.
	inline := v[bucketHeader:]
	if len(inline) < pageHeaderSize {
		c.fail("%s: inline bucket %q is truncated", where, name)
		return
	}
	if f := le.Uint16(inline[8:]); f != flagLeaf {
		c.fail("%s: inline bucket %q has page type %#x, want leaf", where, name, f)
		return
	}
	c.leaf(pageRef{inline: name}, inline, le.Uint16(inline[10:]), nil, nil, depth+1, path)
}

func knownBucket(name []byte) bool {
	if bytes.Equal(name, bucketCluster) {
		return true // a cluster node's log position (cluster.go)
	}
	for _, b := range allBuckets {
		if bytes.Equal(b, name) {
			return true
		}
	}
	return false
}

// checkRecord checks a key and value of a top-level bucket against the
// layout of doc.go where reads rely on it (slicing fixed-size parts); it
// returns what is wrong, or "".
func checkRecord(bucket string, _ int, k, v []byte) string {
	switch bucket {
	case string(bucketMeta):
		switch string(k) {
		case string(keyRecentLast):
			if len(v) != 12 {
				return fmt.Sprintf("value of %d bytes, want 12", len(v))
			}
		case string(keySeq), string(keySwept):
			if len(v) != 8 {
				return fmt.Sprintf("value of %d bytes, want 8", len(v))
			}
		case string(keyHead):
			if len(v) != 0 && len(v) != 32 {
				return fmt.Sprintf("value of %d bytes, want 32", len(v))
			}
		case string(keyKeyCheck):
			if len(v) != keyCheckSize {
				return fmt.Sprintf("value of %d bytes, want %d", len(v), keyCheckSize)
			}
		}
	case string(bucketLog):
		if len(k) != 8 {
			return fmt.Sprintf("key of %d bytes, want 8", len(k))
		}
		if len(v) == 0 {
			return "empty event"
		}
	case string(bucketBatches):
		if len(k) != 8 {
			return fmt.Sprintf("key of %d bytes, want 8", len(k))
		}
	case string(bucketRecent):
		if len(k) != 13 || k[0] >= recentSlots {
			return "key is not slot ‖ seq ‖ n"
		}
		if len(v) < 3 || (v[0] != 'd' && v[0] != 'v') || (v[1] != recentPut && v[1] != recentDel) {
			return "value is not d|v +|- key"
		}
	case string(bucketSweeps):
		if len(k) != 16 {
			return fmt.Sprintf("key of %d bytes, want 16", len(k))
		}
	case string(bucketEventIDs), string(bucketDeskLog):
		if len(v) != 8 {
			return fmt.Sprintf("value of %d bytes, want 8", len(v))
		}
	case string(bucketDossierLog):
		if len(k) < 10 || k[len(k)-9] != 0 {
			return "key is not code 0 seq"
		}
	case string(bucketDue):
		if len(k) < 10 || (k[8] != 'd' && k[8] != 'k') {
			return "key is not instant ‖ d|k name"
		}
	case string(bucketNext):
		if k[0] != 'd' && k[0] != 'k' {
			return "key is not d|k name"
		}
		if len(v) != 8 {
			return fmt.Sprintf("value of %d bytes, want 8", len(v))
		}
	case string(bucketViolations):
		if len(v) < 8 {
			return fmt.Sprintf("value of %d bytes, want at least 8", len(v))
		}
	case string(bucketClocks):
		if len(v) != 8 {
			return fmt.Sprintf("value of %d bytes, want 8", len(v))
		}
	}
	return ""
}
