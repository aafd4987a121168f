package metrics_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

// promDir is configs/prometheus, seen from this package.
var promDir = filepath.Join("..", "..", "configs", "prometheus")

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestPromtool runs the real promtool over the shipped Prometheus files:
// the rules and the configuration must be valid and every unit test in
// configs/prometheus/tests must pass.
func TestPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	rules, err := filepath.Glob(filepath.Join(promDir, "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, rules)
	tests, err := filepath.Glob(filepath.Join(promDir, "tests", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, tests)
	cases := []struct {
		name string
		args []string
	}{
		{"check rules", append([]string{"check", "rules"}, rules...)},
		{"check config", []string{"check", "config", filepath.Join(promDir, "prometheus.yml")}},
		{"test rules", append([]string{"test", "rules"}, tests...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command(promtool, tc.args...).CombinedOutput()
			require.NoError(t, err, "promtool %s:\n%s", strings.Join(tc.args, " "), out)
		})
	}
}

// TestAlertConventions checks what promtool does not: every alert has a
// severity, Vietnamese summary and description, a runbook in the repo, and
// at least one firing and one silent promtool unit test.
func TestAlertConventions(t *testing.T) {
	rules, err := filepath.Glob(filepath.Join(promDir, "rules", "*.yml"))
	require.NoError(t, err)
	tests, err := filepath.Glob(filepath.Join(promDir, "tests", "*.yml"))
	require.NoError(t, err)
	var testText strings.Builder
	for _, f := range tests {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		testText.Write(b)
	}
	vietnamese := regexp.MustCompile(`[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]`)
	seen := 0
	for _, f := range rules {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var rf ruleFile
		require.NoError(t, yaml.Unmarshal(b, &rf))
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				seen++
				t.Run(r.Alert+"/"+r.Labels["severity"], func(t *testing.T) {
					require.Contains(t, []string{"critical", "warning", "info", "none"}, r.Labels["severity"])
					for _, k := range []string{"summary", "description"} {
						require.Regexp(t, vietnamese, r.Annotations[k], "%s must be in Vietnamese", k)
					}
					want := "https://github.com/motcua/motcua/blob/main/configs/prometheus/runbooks/" + r.Alert + ".md"
					require.Equal(t, want, r.Annotations["runbook_url"])
					_, err := os.Stat(filepath.Join(promDir, "runbooks", r.Alert+".md"))
					require.NoError(t, err, "runbook missing")
					require.Contains(t, testText.String(), "alertname: "+r.Alert+"\n", "no promtool test for %s", r.Alert)
					require.Regexp(t, `severity: `+r.Labels["severity"]+`[,}]`, testText.String(), "no promtool test expects severity %s", r.Labels["severity"])
					if strings.Contains(r.Expr, "by (agency)") {
						require.Contains(t, testText.String(), "{severity: "+r.Labels["severity"]+", agency: ")
					}
				})
			}
		}
	}
	require.GreaterOrEqual(t, seen, 9)
}
