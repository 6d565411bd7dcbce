package forms

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		MaxUploadBytes: "10 MB", 12_000_000: "12 MB", 1_000_000: "1 MB", 512 << 10: "512 KB", 2000: "2 KB",
		1_500_000: "1500 KB", 1_500_001: "1.4 MB", 999: "999 B",
	} {
		assert.Equal(t, want, SizeText(n), n)
	}
}
