package store

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/motcua/motcua/counter"
)

// encodedBody is an event's log entry written before the writer numbers
// it: the JSON of the event without the fields the writer sets (seq,
// recorded_at, prev_hash; hash is never logged), and where they go in it.
// Encoding the rest is most of the cost of a log entry, and it needs
// nothing of the database, so prepare does it on the caller's goroutine.
type encodedBody struct {
	json []byte
	cut  int // the writer's fields go at json[cut:]
}

// encodeBody encodes e, whose Seq, RecordedAt, PrevHash and Hash are
// unset, for encodeNumbered. ok is false when it cannot tell where the
// writer's fields go; the writer then encodes the whole event.
func encodeBody(e *counter.Event) (encodedBody, bool) {
	if e.Seq != 0 || !e.RecordedAt.IsZero() || e.PrevHash != "" || e.Hash != "" {
		return encodedBody{}, false
	}
	b, err := json.Marshal(e)
	if err != nil {
		return encodedBody{}, false
	}
	// encoding/json writes fields in their order in counter.Event: seq
	// follows official, or agency when official is empty (omitempty).
	after := "agency"
	if e.Official != "" {
		after = "official"
	}
	cut, ok := memberEnd(b, after)
	if !ok {
		return encodedBody{}, false
	}
	return encodedBody{json: b, cut: cut}, true
}

// memberEnd is the offset just past the value of the top-level member key
// of b, compact JSON from encoding/json (read with scanFields).
func memberEnd(b []byte, key string) (int, bool) {
	end := -1
	_ = scanFields(b, func(k, v []byte) error {
		if string(k) != key {
			return nil
		}
		end = cap(b) - cap(v) + len(v) // v is b[start:end]
		return errStop
	})
	return end, end >= 0
}

// encodeNumbered is encodeEvent of e from body, e's encoding before the
// writer set its Seq, RecordedAt and PrevHash: the same bytes, built by
// inserting those fields instead of encoding the event again.
func encodeNumbered(prev []byte, e *counter.Event, body encodedBody) ([]byte, []byte, error) {
	at, err := e.RecordedAt.MarshalJSON()
	if err != nil {
		return nil, nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	b := make([]byte, 0, len(body.json)+len(at)+len(e.PrevHash)+48)
	b = append(b, body.json[:body.cut]...)
	if e.Seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, e.Seq, 10)
	}
	if !e.RecordedAt.IsZero() {
		b = append(b, `,"recorded_at":`...)
		b = append(b, at...)
	}
	if e.PrevHash != "" {
		b = append(b, `,"prev_hash":`...)
		b = strconv.AppendQuote(b, e.PrevHash) // hex: nothing to escape
	}
	b = append(b, body.json[body.cut:]...)
	h := sha256.New()
	h.Write(prev)
	h.Write(b)
	return b, h.Sum(nil), nil
}
