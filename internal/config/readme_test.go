package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's configuration table lists every setting with its default.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, s := range Settings {
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		assert.True(t, strings.Contains(readme, "| `"+s.Env+"` | "+def+" |"), "README row for %s (default %s)", s.Env, def)
	}
}
