package cluster_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/cluster"
	"github.com/motcua/motcua/counter/countertest"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/violations"
)

// pair is two nodes on one log: a with an embedded server, b connected to
// it as to an external NATS (--nats-url), each with its own view.
type pair struct {
	a, b   *cluster.Node
	va, vb *store.Store
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startPair(t *testing.T) *pair {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	port := freePort(t)
	const token = "nats-client-token-for-tests"
	a, err := cluster.Start(ctx, cluster.Config{Name: "a", StoreDir: filepath.Join(dir, "js"),
		ClientListen: fmt.Sprintf("127.0.0.1:%d", port), ClientToken: token, StartTimeout: 30 * time.Second, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	b, err := cluster.Start(ctx, cluster.Config{Name: "b", NATSURL: fmt.Sprintf("nats://%s@127.0.0.1:%d", token, port),
		StartTimeout: 30 * time.Second, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })

	sa, err := a.Secret(ctx)
	require.NoError(t, err)
	sb, err := b.Secret(ctx)
	require.NoError(t, err)
	require.Equal(t, sa, sb, "one secret for the cluster")
	open := func(n *cluster.Node, name string) *store.Store {
		st, err := store.Open(filepath.Join(dir, name+".db"), countertest.City(), store.Options{Secret: sa, Evaluator: violations.New()})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		require.NoError(t, n.Attach(st))
		return st
	}
	p := &pair{a: a, b: b, va: open(a, "a"), vb: open(b, "b")}
	require.Eventually(t, func() bool { return a.Ready() == nil && b.Ready() == nil }, 10*time.Second, 20*time.Millisecond)
	return p
}

// equalViews waits until both views applied the same position, then
// compares them bucket by bucket.
func (p *pair) equalViews(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		sa, sb := p.a.Status(), p.b.Status()
		return sa.Applied == sb.Applied && sa.Applied == sa.Last && sb.Applied == sb.Last
	}, 10*time.Second, 20*time.Millisecond)
	diffs, err := store.CompareViews(p.va, p.vb)
	require.NoError(t, err)
	require.Empty(t, diffs)
}

func received(id, code string, at time.Time) counter.Event {
	return counter.Event{ID: id, Type: counter.Received, Dossier: code, At: at, Agency: "q1-motcua",
		Procedure: "1.001", Channel: counter.ChannelDirect}
}

// TestRecordThroughTheLog: a write through either node is answered with
// its apply's outcome (stored events with their seq; a refusal with the
// single node's code), a retry is answered as a retry, racing conflicting
// writes on both nodes are accepted once, and both views end equal.
func TestRecordThroughTheLog(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)

	e := received("e1", "D1", at)
	e.Applicant = &counter.Applicant{Name: "Lê Thị B", IDNumber: "079123456789"}
	res, err := p.a.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	require.False(t, res.Replayed)
	require.Equal(t, uint64(1), res.Events[0].Seq)
	require.Empty(t, res.Events[0].Applicant.IDNumber)
	require.NotEmpty(t, res.Events[0].Applicant.IDHash)

	again, err := p.b.Record(ctx, []counter.Event{e})
	require.NoError(t, err, "the same call on another node is a retry")
	require.True(t, again.Replayed)
	require.Equal(t, res.Events[0].Seq, again.Events[0].Seq)

	_, err = p.b.Record(ctx, []counter.Event{{ID: "x", Type: counter.ResultReady, Dossier: "NOPE", At: at, Agency: "q1-motcua"}})
	require.Equal(t, counter.CodeDossierNotFound, counter.ErrorCode(err))

	// A desk token of another counter is refused, as on a single node.
	wctx := counter.WithWriter(ctx, counter.Writer{Agency: "q2-motcua", Role: "desk"})
	_, err = p.a.Record(wctx, []counter.Event{{ID: "y", Type: counter.ResultReady, Dossier: "D1", At: at.Add(time.Minute), Agency: "q2-motcua"}})
	require.Error(t, err)
	require.NotEqual(t, counter.CodeInternal, counter.ErrorCode(err))

	for i := range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, n := range []*cluster.Node{p.a, p.b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[j] = n.Record(ctx, []counter.Event{received(fmt.Sprintf("race-%d", i), fmt.Sprintf("R%d-%d", i, j), at)})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				require.Equal(t, counter.CodeEventIDConflict, counter.ErrorCode(err))
			}
		}
		require.Equal(t, 1, ok, "race %d: one of two conflicting writes is accepted", i)
	}
	p.equalViews(t)
}

// TestSweepsOnceForTheCluster: a promised time passing is judged once, by
// a sweep in the log, raising the same verdict (one id) in both views.
func TestSweepsOnceForTheCluster(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	now := time.Now()
	e := received("e1", "D1", now.Add(-time.Hour).Truncate(time.Second))
	e.Slip = &counter.Slip{Number: "S1", DueAt: now.Add(1500 * time.Millisecond)}
	_, err := p.b.Record(ctx, []counter.Event{e})
	require.NoError(t, err)
	overdue := func(st *store.Store) []string {
		_, _, vs, err := st.FindDossierByCode(ctx, "D1")
		if counter.ErrorCode(err) == counter.CodeDossierNotFound {
			return nil // this view has not applied the receipt yet
		}
		require.NoError(t, err)
		var ids []string
		for _, v := range vs {
			if v.Code == "overdue" {
				ids = append(ids, v.ID)
			}
		}
		return ids
	}
	require.Empty(t, overdue(p.va))
	require.Eventually(t, func() bool { return len(overdue(p.va)) > 0 && len(overdue(p.vb)) > 0 }, 10*time.Second, 50*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // both nodes propose (b is external): only one sweep per due instant enters
	require.Equal(t, overdue(p.va), overdue(p.vb))
	require.Len(t, overdue(p.va), 1)
	p.equalViews(t)
}

// TestTokensAndCodesAreClusterWide: a token created through one node is
// found through the other, its revocation is seen everywhere, and the two
// nodes never issue the same dossier code.
func TestTokensAndCodesAreClusterWide(t *testing.T) {
	p := startPair(t)
	ta, tb := p.a.Tokens(), p.b.Tokens()
	tok := store.Token{ID: "tok-1", Hash: "00aa", Name: "iGate", Role: "integration", Agency: "q1", CreatedAt: time.Now()}
	require.NoError(t, ta.CreateToken(tok))
	require.Equal(t, counter.CodeAlreadyExists, counter.ErrorCode(tb.CreateToken(tok)))
	got, err := tb.TokenByHash("00aa")
	require.NoError(t, err)
	require.Equal(t, "tok-1", got.ID)
	require.False(t, got.Revoked())
	_, err = tb.RevokeToken("tok-1", time.Now())
	require.NoError(t, err)
	got, err = ta.TokenByHash("00aa")
	require.NoError(t, err)
	require.True(t, got.Revoked(), "revoked on b, revoked on a")
	_, err = ta.TokenByHash("00bb")
	require.ErrorIs(t, err, store.ErrTokenNotFound)
	_, err = ta.Token("tok-2")
	require.ErrorIs(t, err, store.ErrTokenNotFound)

	wrote, err := ta.EnsureToken(store.Token{ID: "bootstrap", Hash: "00cc", Role: "supervisor", Agency: "tp"})
	require.NoError(t, err)
	require.True(t, wrote)
	wrote, err = tb.EnsureToken(store.Token{ID: "bootstrap", Hash: "00cc", Role: "supervisor", Agency: "tp"})
	require.NoError(t, err)
	require.False(t, wrote, "the same bootstrap token on every node is stored once")
	all, err := tb.Tokens()
	require.NoError(t, err)
	require.Len(t, all, 2)

	now := time.Now()
	seen := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range []*cluster.Node{p.a, p.b, p.a, p.b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				code, err := n.NextDossierCode("000.00.31.H17", now)
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				if seen[code] {
					t.Errorf("code %s issued twice", code)
				}
				seen[code] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, seen, 40)

	groups := p.a.Sync()
	require.NoError(t, groups.AppendSyncGroups(map[string][]byte{"D1": []byte(`{"n":1}`)}))
	require.NoError(t, p.b.Sync().AppendSyncGroups(map[string][]byte{"D1": []byte(`{"n":2}`)}))
	got2, err := p.b.Sync().SyncGroups([]string{"D1", "D2"})
	require.NoError(t, err)
	require.Equal(t, map[string][][]byte{"D1": {[]byte(`{"n":1}`), []byte(`{"n":2}`)}}, got2)
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}
