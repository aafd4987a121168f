package configs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoad feeds arbitrary bytes as agencies.yaml, beside valid other
// files. Whatever the input, Load must not panic, and a failure must be a
// *Problems whose every entry names the file and says something, since
// that is all check-config can show an administrator.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(okAgencies))
	f.Add([]byte(strings.Replace(okAgencies, "id: so-xd-motcua,", "id: so-xd,", 1)))
	f.Fuzz(func(t *testing.T, agencies []byte) {
		cfg, err := Load(folder(map[string]string{AgenciesFile: string(agencies)}))
		if err == nil {
			require.NotNil(t, cfg.Root)
			require.Empty(t, cfg.Root.Parent)
			return
		}
		var probs *Problems
		require.ErrorAs(t, err, &probs)
		require.NotEmpty(t, probs.List)
		for _, p := range probs.List {
			require.Equal(t, AgenciesFile, p.File)
			require.NotEmpty(t, p.Message)
			require.GreaterOrEqual(t, p.Line, 0)
		}
	})
}
