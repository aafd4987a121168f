package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/mock"
	"github.com/motcua/motcua/dashboard"
)

// wantStatus is the status of every error code of the API (SPEC.md §6.1).
var wantStatus = map[string]int{
	"bad_json":          400,
	"body_too_large":    413,
	"unauthorized":      401,
	"forbidden":         403,
	"not_found":         404,
	"dossier_not_found": 404,
	"dossier_closed":    409,
	"already_received":  409,
	"not_holder":        409,
	"event_id_conflict": 409,
	"event_in_future":   422,
	"invalid_event":     422,
	"invalid_parameter": 422,
	"unknown_agency":    422,
	"unknown_official":  422,
	"unknown_procedure": 422,
	"unknown_desk":      422,
	"unknown_document":  422,
	"before_creation":   422,
	"too_many_requests": 429,
	"unavailable":       503,
	"internal":          500,

	"not_received":           409,
	"already_exists":         409,
	"conflicts_with_history": 409,
	"already_finished":       409,
	"no_open_supplement":     409,
	"complaint_resolved":     409,
	"complaint_not_found":    404,
	"too_many_events":        422,
	"too_long":               422,
	"bad_characters":         422,
	"instant_out_of_range":   422,
	"not_in_regime":          422,
	"no_stop_request":        409,
	"read_only_node":         403,
	"agency_not_in_force":    422,
}

// counterCodes returns the values of every Code* string constant declared
// in package counter, so that a code added there without a status here
// fails this test.
func counterCodes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../counter/*.go")
	require.NoError(t, err)
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					out[name.Name] = v
				}
			}
		}
	}
	require.Contains(t, out, "CodeDossierClosed", "the parser found no codes")
	return out
}

func TestErrorCodes(t *testing.T) {
	for name, code := range counterCodes(t) {
		t.Run(name, func(t *testing.T) {
			want, ok := wantStatus[code]
			require.True(t, ok, "code %q (%s) has no expected status in this test", code, name)
			require.Equal(t, want, dashboard.StatusOf(code), "StatusOf(%q)", code)

			s := newServer(t, &mock.Ledger{
				RecordFn: func(ctx context.Context, events []counter.Event) (*counter.RecordResult, error) {
					return nil, fmt.Errorf("record: %w", counter.Errorf(code, "events[1].at", "english %s", "tiếng Việt %s", "x"))
				},
			})
			r := do(t, s, "POST", "/api/v1/events", []byte(receivedJSON))
			require.Equal(t, want, r.Status, "body %s", r.Body)
			if code == counter.CodeInternal {
				got, msg, vi, field := apiError(t, r)
				require.Equal(t, counter.CodeInternal, got)
				require.Equal(t, "internal error", msg)
				require.Equal(t, "lỗi nội bộ", vi)
				require.Empty(t, field)
				return
			}
			require.JSONEq(t, `{"error":{"code":"`+code+`","message":"english x","message_vi":"tiếng Việt x","field":"events[1].at"}}`, string(r.Body))
		})
	}
}

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"field omitted when empty", counter.Errorf(counter.CodeDossierClosed, "", "closed", "đã đóng"), 409,
			`{"error":{"code":"dossier_closed","message":"closed","message_vi":"đã đóng"}}`},
		{"plain error is internal and hidden", errors.New("disk on fire"), 500,
			`{"error":{"code":"internal","message":"internal error","message_vi":"lỗi nội bộ"}}`},
		{"unknown code is internal", &counter.Error{Code: "made_up", Message: "m", MessageVI: "v"}, 500,
			`{"error":{"code":"internal","message":"internal error","message_vi":"lỗi nội bộ"}}`},
		{"missing messages get defaults", &counter.Error{Code: counter.CodeForbidden}, 403,
			`{"error":{"code":"forbidden","message":"outside the token's scope","message_vi":"vượt quá phạm vi của mã truy cập"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, &mock.Ledger{
				FindDossierByCodeFn: func(ctx context.Context, code string) (*counter.Dossier, []counter.Event, []counter.Violation, error) {
					return nil, nil, nil, tt.err
				},
			})
			r := do(t, s, "GET", "/api/v1/dossiers/X-1", nil)
			require.Equal(t, tt.status, r.Status)
			require.JSONEq(t, tt.body, string(r.Body))
		})
	}
}
