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

// Tally is the roll-up counters of one agency, all time or for one day.
// Direct counts violations charged to the agency, Total those charged to it
// or any descendant; Received, Finished and OnTime count its subtree's
// dossiers; OverdueOpen is kept all-time only. The short JSON names are
// how the store keeps it.
type Tally struct {
	Direct      map[string]int `json:"d,omitempty"`
	Total       map[string]int `json:"t,omitempty"`
	Received    int            `json:"r,omitempty"`
	Finished    int            `json:"f,omitempty"`
	OnTime      int            `json:"o,omitempty"`
	OverdueOpen int            `json:"od,omitempty"`
}

// Add adds o to t.
func (t *Tally) Add(o *Tally) {
	for k, v := range o.Direct {
		t.Bump(&t.Direct, k, v)
	}
	for k, v := range o.Total {
		t.Bump(&t.Total, k, v)
	}
	t.Received += o.Received
	t.Finished += o.Finished
	t.OnTime += o.OnTime
	t.OverdueOpen += o.OverdueOpen
}

// Bump moves (*m)[k] by d, dropping keys that reach zero.
func (t *Tally) Bump(m *map[string]int, k string, d int) {
	if d == 0 {
		return
	}
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k] += d
	if (*m)[k] == 0 {
		delete(*m, k)
	}
	if len(*m) == 0 {
		*m = nil
	}
}

// Zero reports whether t counts nothing.
func (t *Tally) Zero() bool {
	return len(t.Direct) == 0 && len(t.Total) == 0 && t.Received == 0 && t.Finished == 0 && t.OnTime == 0 && t.OverdueOpen == 0
}
