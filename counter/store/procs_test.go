package store_test

import "runtime"

// runtimeProcs is GOMAXPROCS: RunParallel starts parallelism×GOMAXPROCS
// goroutines, so dividing by it gives the wanted writer count.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
