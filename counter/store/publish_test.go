package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/stretchr/testify/require"
)

// slowBoard is a publisher that takes its time, as boards encoding a
// commit for many clients do, and remembers the order of what it got.
type slowBoard struct {
	mu     sync.Mutex
	states []counter.Dossier
}

func (b *slowBoard) Publish(c counter.Change) {
	time.Sleep(2 * time.Millisecond)
	b.mu.Lock()
	for _, d := range c.Dossiers {
		b.states = append(b.states, *d)
	}
	b.mu.Unlock()
}

func (b *slowBoard) has(code, status string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.states {
		if d.Code == code && d.Status == status {
			return true
		}
	}
	return false
}

// TestPublishedBeforeAnswered: while the writer goes on to the next commit
// as the last one is published, a writer's 2xx still comes only after its
// change reached the boards, and each dossier's states reach them in the
// order they were committed.
func TestPublishedBeforeAnswered(t *testing.T) {
	board := &slowBoard{}
	s := MustOpenStore(t, store.Options{Publisher: board})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				code := fmt.Sprintf("P-%d-%d", w, i)
				if _, err := s.Record(ctx, []counter.Event{received(code+"-r", code, "q1-motcua", at("2026-03-10 08:00"))}); err != nil {
					errs <- err
					return
				}
				if !board.has(code, counter.DossierProcessing) {
					errs <- fmt.Errorf("%s answered before the boards had it", code)
					return
				}
				if _, err := s.Record(ctx, []counter.Event{ev(code+"-k", counter.ResultReady, code, "q1-motcua", "2026-03-10 09:00")}); err != nil {
					errs <- err
					return
				}
				if !board.has(code, counter.DossierResultReady) {
					errs <- fmt.Errorf("%s's result answered before the boards had it", code)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	seen := map[string]string{}
	for _, d := range board.states {
		if d.Status == counter.DossierProcessing {
			require.Empty(t, seen[d.Code], "%s: received published after its result", d.Code)
		}
		seen[d.Code] = d.Status
	}
	require.Len(t, seen, 80)
	for code, st := range seen {
		require.Equal(t, counter.DossierResultReady, st, code)
	}
}
