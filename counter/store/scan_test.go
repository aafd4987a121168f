package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
)

// TestScanDossier: the one-pass reader agrees with encoding/json on the
// JSON records of earlier builds, whatever the applicant's name holds,
// and reads the same from the compact form.
func TestScanDossier(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, loc)
	t1 := t0.Add(72 * time.Hour)
	d := &counter.Dossier{Code: "D-1", Procedure: "1.002", Agency: "q1-motcua", Holder: "q1-tnmt", Status: counter.DossierPaused,
		Applicant: &counter.Applicant{Name: `Lê "a":"x" \ {[}] Thị`, Phone: "0905"}, CreatedAt: t0, ReceivedAt: &t0,
		LegalDueAt: &t1, PromisedDueAt: &t1, DueAt: &t1, PausedAt: &t1, Supplements: counter.Supplements{Intake: 2, Appraisal: 3},
		Complaints: []counter.Complaint{{ID: "k", Category: "other"}}, UpdatedAt: t1}
	b, err := encodeDossier(d)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON an earlier build stored for the same state.
	var r dossierRecord
	if err := unmarshalDossierRecord(b, &r); err != nil {
		t.Fatal(err)
	}
	legacy, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var want scoreDossier
	if err := json.Unmarshal(legacy, &want); err != nil {
		t.Fatal(err)
	}
	for _, stored := range [][]byte{legacy, b} {
		var got scoreDossier
		if err := scanDossier(stored, &got, interner{}); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("scan=%+v, want %+v", got, want)
		}
	}
}

// TestScanFields: nested values are skipped whole, escapes decoded, and
// anything that is not a JSON object is an error rather than a guess.
func TestScanFields(t *testing.T) {
	var m violationMark
	err := scanViolation([]byte(`{"id":"v1","details":{"status":"no","agency":["x"]},"status":"open","severity":"high",`+
		`"head":{"agency":"h"},"agency":"q1\u002dmotcua","n":-12.5,"ok":true,"x":null}`), &m, interner{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != "open" || m.Severity != "high" || m.Agency != "q1-motcua" {
		t.Fatalf("scan=%+v", m)
	}
	for _, bad := range []string{``, `[]`, `{"a":}`, `{"a":"x"`, `{"a" 1}`, `{"a":1 "b":2}`, `{"status":"open`} {
		if err := scanViolation([]byte(bad), &m, interner{}); err == nil {
			t.Fatalf("%q: no error", bad)
		}
	}
	var d scoreDossier
	if err := scanDossier([]byte(`{"ra":"soon"}`), &d, interner{}); err == nil {
		t.Fatal("a string where a number belongs: no error")
	}
}
