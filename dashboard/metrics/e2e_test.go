package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/counter"
	"github.com/motcua/motcua/counter/store"
	"github.com/motcua/motcua/dashboard/alertmanager"
	"github.com/motcua/motcua/dashboard/metrics"
	"github.com/motcua/motcua/violations"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// webhookMessage is the part of Alertmanager's webhook payload (version 4)
// the test reads.
type webhookMessage struct {
	Receiver string `json:"receiver"`
	Status   string `json:"status"`
	Alerts   []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"alerts"`
}

// hooks records every webhook call by URL path.
type hooks struct {
	mu  sync.Mutex
	got map[string][]webhookMessage
}

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m webhookMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.got[r.URL.Path] = append(h.got[r.URL.Path], m)
	h.mu.Unlock()
}

// firing returns the firing alerts path received with the given labels.
func (h *hooks) firing(path string, labels map[string]string) (receiver string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.got[path] {
		for _, a := range m.Alerts {
			if a.Status != "firing" {
				continue
			}
			match := true
			for k, v := range labels {
				if a.Labels[k] != v {
					match = false
				}
			}
			if match {
				receiver = m.Receiver
				n++
			}
		}
	}
	return receiver, n
}

func (h *hooks) paths() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for p := range h.got {
		out = append(out, p)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// daemon starts a long-running tool with its output in dir/name.log and
// kills it when the test ends; on failure the log's tail is printed.
func daemon(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start(), "start %s", name)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("--- %s log (tail) ---\n%s", name, b)
		}
	})
}

var forRE = regexp.MustCompile(`(?m)^(\s+for: )\S+$`)

// TestEndToEndOverdueAlertReachesEveryHead runs motcua's store and
// metrics, a real Prometheus scraping them every second with the shipped
// rules, and a real Alertmanager on the generated configuration, and
// checks that a ward counter's long-overdue dossier pages the counter's
// head and every supervising head (centre, ward, city), and nobody else.
//
// Only the rules' `for:` windows are shortened (to 1s) in the copy given
// to Prometheus; the expressions, labels and routing are the shipped ones,
// and the dossier is genuinely overdue by weeks on the store's real clock.
func TestEndToEndOverdueAlertReachesEveryHead(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	promBin := requireTool(t, "prometheus")
	amBin := requireTool(t, "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()
	cfg := shippedConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// motcua: the store on the real clock, its sweeper, and /metrics.
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, cfg, nil)
	require.NoError(t, err)
	st, err := store.Open(filepath.Join(dir, "motcua.db"), cfg, store.Options{
		Evaluator: violations.New(), OnCommit: m.ObserveCommit,
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, m.Attach(ctx, st))
	sweepDone := make(chan struct{})
	go func() { defer close(sweepDone); _ = st.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-sweepDone })

	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	motcua := httptest.NewServer(mux)
	t.Cleanup(motcua.Close)

	// The heads' webhooks.
	h := &hooks{got: map[string][]webhookMessage{}}
	hookSrv := httptest.NewServer(h)
	t.Cleanup(hookSrv.Close)

	// Alertmanager on the generated configuration.
	amConf, err := alertmanager.Generate(cfg, alertmanager.Receivers{
		Default:     alertmanager.Contact{Webhook: hookSrv.URL + "/ops"},
		Watchdog:    &alertmanager.Contact{Webhook: hookSrv.URL + "/watchdog"},
		Wallboard:   &alertmanager.Contact{Webhook: hookSrv.URL + "/wallboard"},
		HeadWebhook: hookSrv.URL + "/heads/{agency}",
		Timing:      alertmanager.Timing{GroupWait: "1s", GroupInterval: "2s", RepeatInterval: "1h"},
	}, time.Now())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alertmanager.yml"), amConf, 0o644))
	amPort := freePort(t)
	daemon(t, dir, "alertmanager", amBin,
		"--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "am-data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", amPort),
		"--cluster.listen-address=")

	// Prometheus with the shipped rules.
	rules, err := os.ReadFile(filepath.Join(promDir, "rules", "motcua.rules.yml"))
	require.NoError(t, err)
	rules = forRE.ReplaceAll(rules, []byte("${1}1s"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644))
	promConf := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ["127.0.0.1:%d"]}]}]
scrape_configs:
  - job_name: motcua
    static_configs: [{targets: [%q]}]
`, amPort, strings.TrimPrefix(motcua.URL, "http://"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(promConf), 0o644))
	promPort := freePort(t)
	daemon(t, dir, "prometheus", promBin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prom-data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort),
		// Prometheus learns of the Alertmanager a few seconds after it starts
		// evaluating, and resends a firing alert only after this delay (1m by
		// default): the always-firing Watchdog would miss the test.
		"--rules.alert.resend-delay=1s")

	// A dossier received at a ward's service centre (the tree of 1-7-2025)
	// five weeks ago, promised four weeks ago, never finished: overdue by
	// weeks, hence critical by age.
	const ward = "phuong-haichau-ttpvhcc"
	wardOf := ""
	for _, o := range cfg.Officials {
		if o.Agency == ward {
			wardOf = o.ID
			break
		}
	}
	require.NotEmpty(t, wardOf)
	now := time.Now().In(cfg.Calendar.Location)
	recv := now.AddDate(0, 0, -35)
	_, err = st.Record(ctx, []counter.Event{{ID: "e2e-1", Type: counter.Received, Dossier: "E2E-1", At: recv,
		Agency: ward, Official: wardOf, Procedure: proc, Channel: counter.ChannelDirect,
		Slip: &counter.Slip{Number: "01/E2E", DueAt: recv.AddDate(0, 0, 7)}}})
	require.NoError(t, err)

	heads := []string{"phuong-haichau-ttpvhcc", "phuong-haichau", "tp-danang"}
	want := map[string]string{"alertname": "OneStopDossierOverdue", "agency": ward, "severity": "critical"}
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := []string{}
		for _, a := range heads {
			if _, n := h.firing("/heads/"+a, want); n == 0 {
				missing = append(missing, "head of "+a)
			}
		}
		if _, n := h.firing("/watchdog", map[string]string{"alertname": "Watchdog"}); n == 0 {
			missing = append(missing, "watchdog")
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v2/alerts", amPort)); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Logf("alertmanager holds: %s", b)
			}
			if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/rules?type=alert", promPort)); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Logf("prometheus rules: %s", b)
			}
			t.Fatalf("after 60s nothing reached %v; webhooks called: %v", missing, h.paths())
		}
		time.Sleep(250 * time.Millisecond)
	}
	// The warning of the same alert and agency is in Alertmanager but
	// inhibited by the critical.
	type amAlert struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State       string   `json:"state"`
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
	}
	var warn []amAlert
	inhibited := false
	for !inhibited && time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v2/alerts?filter=%s", amPort,
			url.QueryEscape(`alertname="OneStopDossierOverdue"`)))
		require.NoError(t, err)
		warn = nil
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&warn))
		resp.Body.Close()
		for _, a := range warn {
			if a.Labels["severity"] == "warning" && a.Labels["agency"] == ward {
				inhibited = a.Status.State == "suppressed" && len(a.Status.InhibitedBy) > 0
			}
		}
		if !inhibited {
			time.Sleep(250 * time.Millisecond)
		}
	}
	require.True(t, inhibited, "the warning is inhibited by the critical: %+v", warn)
	for _, a := range heads {
		if _, n := h.firing("/heads/"+a, map[string]string{"alertname": "OneStopDossierOverdue", "severity": "warning"}); n > 0 {
			t.Errorf("head of %s was paged with the inhibited warning", a)
		}
		recv, _ := h.firing("/heads/"+a, want)
		require.Equal(t, alertmanager.HeadReceiver(a), recv)
	}
	_, n := h.firing("/wallboard", want)
	require.Positive(t, n, "the wallboard gets every alert")
	// Heads outside the chain (another ward, its centre, a department)
	// are not told.
	for _, a := range []string{"phuong-hoacuong", "phuong-thanhkhe-ttpvhcc", "so-xd"} {
		_, n := h.firing("/heads/"+a, map[string]string{"agency": ward})
		require.Zero(t, n, "head of %s was paged about %s", a, ward)
	}
}
