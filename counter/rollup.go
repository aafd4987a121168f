package counter

// RollupNode is one agency of GET /rollup (SPEC.md §6.2).
type RollupNode struct {
	Agency      string         `json:"agency"`
	Name        string         `json:"name"`
	Level       string         `json:"level"`
	Head        Head           `json:"head"`
	Direct      map[string]int `json:"direct"`
	Total       map[string]int `json:"total"`
	Received    int            `json:"received"`
	Finished    int            `json:"finished"`
	OnTime      int            `json:"on_time"`
	OnTimeRate  *float64       `json:"on_time_rate"`
	OverdueOpen int            `json:"overdue_open"`
	Children    []*RollupNode  `json:"children,omitempty"`
}
