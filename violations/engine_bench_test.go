package violations_test

import (
	"math/rand/v2"
	"testing"

	"github.com/motcua/motcua/counter"

	"github.com/motcua/motcua/violations"
)

// BenchmarkEvaluateDossier judges random histories as the store does on
// each write: the whole history, once.
func BenchmarkEvaluateDossier(b *testing.B) {
	cfg := testConfig()
	eng := violations.New()
	r := rand.New(rand.NewPCG(1, 2))
	var hs [][]counter.Event
	for range 64 {
		hs = append(hs, randomHistory(r))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		evs := hs[i%len(hs)]
		i++
		d := fold(cfg, evs)
		eng.EvaluateDossier(cfg, d, evs, evs[len(evs)-1].At.Add(1))
	}
}
