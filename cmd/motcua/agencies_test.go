package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAgenciesOverTime: GET /api/v1/agencies on the shipped configuration
// gives the tree in force on a day (SPEC.md §10.2): today's has no district
// and all 94 units; 2024-06-01's still has the districts.
func TestAgenciesOverTime(t *testing.T) {
	a := newAPI(t, "2026-12-05 09:00")
	levels := func(body map[string]any) (map[string]int, map[string]bool) {
		count, ids := map[string]int{}, map[string]bool{}
		var walk func(n map[string]any)
		walk = func(n map[string]any) {
			count[n["level"].(string)]++
			ids[n["id"].(string)] = true
			ch, _ := n["children"].([]any)
			for _, c := range ch {
				walk(c.(map[string]any))
			}
		}
		walk(body["agencies"].(map[string]any))
		return count, ids
	}

	status, body := a.do("GET", "/api/v1/agencies", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "2026-12-05", body["at"], "default: today by the server clock")
	count, ids := levels(body)
	require.Zero(t, count["district"], "no district today")
	require.Equal(t, 94, count["commune"])
	require.True(t, ids["phuong-haichau-ttpvhcc"])
	require.False(t, ids["q-haichau"])
	require.Equal(t, "Lâm Quang Vinh", body["agencies"].(map[string]any)["head"].(map[string]any)["name"], "today's head")
	for _, o := range body["officials"].([]any) {
		require.True(t, ids[o.(map[string]any)["agency"].(string)], "only officials of agencies in force: %v", o)
	}

	status, body = a.do("GET", "/api/v1/agencies?at=2024-06-01", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "2024-06-01", body["at"])
	count, ids = levels(body)
	require.Equal(t, 7, count["district"])
	require.Zero(t, count["commune"]-21, "the old tree's wards and communes")
	require.True(t, ids["q-haichau-motcua"])
	require.False(t, ids["phuong-haichau"])
	require.Equal(t, "Đinh Thanh Sơn", body["agencies"].(map[string]any)["head"].(map[string]any)["name"], "the head of that day")

	// Every period's agencies, for naming old records.
	status, body = a.do("GET", "/api/v1/agencies?at=all", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "all", body["at"])
	count, ids = levels(body)
	require.Equal(t, 7, count["district"])
	require.Equal(t, 94+21, count["commune"])
	require.True(t, ids["q-haichau-motcua"] && ids["phuong-haichau-ttpvhcc"])

	for _, bad := range []string{"2024-13-01", "yesterday", "2024-6-1", "2024-06-01T00:00:00Z"} {
		status, body = a.do("GET", "/api/v1/agencies?at="+bad, nil)
		require.Equal(t, 422, status, bad)
		e := body["error"].(map[string]any)
		require.Equal(t, "at", e["field"], bad)
		require.Equal(t, "invalid_parameter", e["code"])
		require.NotEmpty(t, e["message_vi"])
	}
}
