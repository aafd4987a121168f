package dashboard_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
)

type observed struct {
	route, method string
	code          int
}

type observer struct {
	mu       sync.Mutex
	requests []observed
}

func (o *observer) ObserveHTTP(route, method string, code int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, observed{route, method, code})
}

func TestObserver(t *testing.T) {
	o := &observer{}
	var logs bytes.Buffer
	s := newServer(t, &mock.Ledger{
		RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
			return &counter.RecordResult{Events: events}, nil
		},
		FindDossierByCodeFn: func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
			return nil, nil, nil, counter.Errorf(counter.CodeDossierNotFound, "", "no dossier", "không có hồ sơ")
		},
	})
	s.Observer = o
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))

	require.Equal(t, 201, do(t, s, "POST", "/api/v1/events", []byte(receivedJSON)).Status)
	require.Equal(t, 404, do(t, s, "GET", "/api/v1/dossiers/000.00.31.H17-260310-0001", nil).Status)
	require.Equal(t, 404, do(t, s, "GET", "/api/v1/no/such/route/0001", nil).Status)
	require.Equal(t, 401, do(t, s, "GET", "/api/v1/dossiers/X", nil, "Authorization", "").Status)

	require.Equal(t, []observed{
		{"/api/v1/events", "POST", 201},
		{"/api/v1/dossiers/:code", "GET", 404},
		{"other", "GET", 404},
		{"other", "GET", 401},
	}, o.requests)

	out := logs.String()
	require.Contains(t, out, "route=/api/v1/events")
	require.Contains(t, out, "status=201")
	require.NotContains(t, out, "Hoàng", "bodies (personal data) are not logged")
}

func TestMetricsEndpoint(t *testing.T) {
	s := newServer(t, &mock.Ledger{})
	r := do(t, s, "GET", "/metrics", nil, "Authorization", "")
	require.Equal(t, 404, r.Status)

	s.MetricsHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte("motcua_up 1\n"))
	})
	r = do(t, s, "GET", "/metrics", nil, "Authorization", "")
	require.Equal(t, 200, r.Status)
	require.True(t, strings.HasPrefix(string(r.Body), "motcua_up 1"), "%s", r.Body)
}
