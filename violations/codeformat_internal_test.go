package violations

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/calendar"
)

// TestDossierCodeFormat exercises the dossier_code_format rule (not yet in
// dossierRules; the lead wires it in engine.go).
func TestDossierCodeFormat(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	require.NoError(t, err)
	config := func(formats ...counter.CodeFormat) *counter.Config {
		root := &counter.Agency{ID: "tp", Level: counter.LevelCity, Children: []*counter.Agency{
			{ID: "tt", Level: counter.LevelCounter, Desks: []string{"q1"}}}}
		rules := counter.DefaultRules()
		rules.DossierCodeFormats = formats
		return counter.NewConfig(root, []counter.Official{{ID: "cb-1", Agency: "tt"}},
			[]counter.Procedure{{Code: "p", LeadTime: counter.Duration{Value: 5, Unit: calendar.WorkingDays}}},
			&calendar.Calendar{Location: loc, Weekend: map[time.Weekday]bool{time.Saturday: true, time.Sunday: true}}, rules)
	}
	on := config(counter.CodeFormat{Name: counter.FormatCircular01}, counter.CodeFormat{Name: counter.FormatCircular04})
	judge := func(cfg *counter.Config, code string, events ...counter.Event) []counter.Violation {
		for i := range events {
			events[i].Dossier, events[i].Agency, events[i].Official = code, "tt", "cb-1"
			events[i].ID = code + "-" + string(rune('a'+i))
		}
		now := events[len(events)-1].At.Add(time.Hour)
		vs, next := dossierCodeFormat(newTimeline(cfg, &counter.Dossier{Code: code}, events, now))
		require.True(t, next.IsZero(), "time alone never changes the verdict")
		return vs
	}
	recv := func(at time.Time) counter.Event {
		return counter.Event{Type: counter.Received, At: at, Procedure: "p", Channel: counter.ChannelDirect}
	}
	mar2026 := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	mar2025 := time.Date(2025, 3, 3, 9, 0, 0, 0, loc)

	require.Empty(t, judge(on, "000.00.31.H17-260302-0001", recv(mar2026)))
	require.Empty(t, judge(on, "H17.100.05-260302-010001", recv(mar2026)))
	require.Empty(t, judge(config(), "HS-1", recv(mar2026)), "off unless formats are configured")

	vs := judge(on, "HS-1", recv(mar2026))
	require.Len(t, vs, 1)
	v := vs[0]
	require.Equal(t, counter.VDossierCodeFormat, v.Code)
	require.Equal(t, "HS-1/dossier_code_format/1", v.ID)
	require.Equal(t, counter.SeverityLow, v.Severity)
	require.Equal(t, counter.StatusOpen, v.Status)
	require.Equal(t, "tt", v.Agency)
	require.Equal(t, "cb-1", v.Official)
	require.Equal(t, "HS-1", v.Dossier)
	require.True(t, v.OccurredAt.Equal(mar2026))
	require.Equal(t, BasisFor(counter.RegimeV2025, counter.VDossierCodeFormat), v.Basis, "a v2025 dossier")
	require.Equal(t, map[string]any{"code": "HS-1", "formats": "circular01, circular04"}, v.Details)

	// The version is the receipt's: submitted online in June 2025, received
	// in July, it is a v2025 dossier; created and received in March 2025,
	// v2018. The violation is charged where the code was given.
	june := time.Date(2025, 6, 30, 16, 0, 0, 0, loc)
	vs = judge(on, "HS-2", counter.Event{Type: counter.Submitted, At: june, Procedure: "p", Channel: counter.ChannelOnline},
		recv(june.Add(24*time.Hour)))
	require.Len(t, vs, 1)
	require.True(t, vs[0].OccurredAt.Equal(june))
	require.Equal(t, BasisFor(counter.RegimeV2025, counter.VDossierCodeFormat), vs[0].Basis)
	vs = judge(on, "HS-3", recv(mar2025))
	require.Len(t, vs, 1)
	require.Equal(t, BasisOf(counter.VDossierCodeFormat), vs[0].Basis)
}
