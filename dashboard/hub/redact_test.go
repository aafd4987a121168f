package hub_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/dashboard/hub"
)

// TestPublishRedacted: a viewer's board (ServeRedacted) never receives the
// applicant or free text, over the same feed that gives a head the whole
// dossier.
func TestPublishRedacted(t *testing.T) {
	h := hub.New(testConfig())
	t.Cleanup(h.Close)
	url := serveHub(t, h)
	full := dial(t, url, "city")
	viewer := dial(t, url, "city&redact=1")
	waitClients(t, h, 2)
	h.Publish(counter.Change{
		Violations: []counter.Violation{{ID: "v1", Code: counter.VComplaint, Agency: "qa-motcua",
			Details: map[string]any{"text": "Chị Hoa 0905123456 bị đòi tiền", "category": "bribery"}}},
		Dossiers: []*counter.Dossier{{Code: "D-A", Agency: "qa-motcua", Holder: "qa-motcua",
			Applicant:    &counter.Applicant{Name: "Hoàng E", Phone: "0905123456"},
			PausedReason: "thiếu giấy của ông Hoàng E", Clock: counter.Clock{State: counter.ClockPaused, PausedReason: "thiếu giấy của ông Hoàng E"}}},
	})
	markers(h)
	raw := func(ms []msg) string { b, _ := json.Marshal(ms); return string(b) }
	got := readUntil(t, viewer, "end")
	require.Len(t, got, 2)
	s := raw(got)
	for _, personal := range []string{"Hoàng E", "0905123456", "Chị Hoa"} {
		require.NotContains(t, s, personal)
	}
	require.Contains(t, s, "bribery", "what is not personal stays")
	got = readUntil(t, full, "end")
	s = raw(got)
	require.Contains(t, s, "Hoàng E")
	require.Contains(t, s, "Chị Hoa")
}
