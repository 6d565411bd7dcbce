package forms

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLenCountsUTF16Units(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "汉字": 2, "😀": 2, "a😀汉": 4, "👍🏽": 4} {
		assert.Equal(t, want, Len(s), s)
	}
}

func TestTextCheckBoundaries(t *testing.T) {
	lim := Text{Max: 20, Required: true}
	cases := []struct {
		name, v string
		ok      bool
		key     string
	}{
		{"at limit ascii", "aaaaaaaaaaaaaaaaaaaa", true, ""},
		{"one over", "aaaaaaaaaaaaaaaaaaaaa", false, ErrTooLong},
		{"emoji at limit (10×2)", "😀😀😀😀😀😀😀😀😀😀", true, ""},
		{"emoji one over (19+2)", "aaaaaaaaaaaaaaaaaaa😀", false, ErrTooLong},
		{"han at limit", "汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉", true, ""},
		{"empty required", "  ", false, ErrRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := Errors{}
			assert.Equal(t, c.ok, lim.Check(errs, "f", c.v))
			if c.key != "" {
				assert.Equal(t, c.key, errs["f"].Key)
			}
		})
	}
}

func TestIsHTTPURL(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://a.cn/x?y=1": true, "http://127.0.0.1:8080/": true,
		"javascript:alert(1)": false, "JAVASCRIPT:alert(1)": false, "data:text/html,hi": false,
		"//a.cn": false, "a.cn/x": false, "https://": false, "ftp://a.cn": false, " https://a.cn": false,
	} {
		assert.Equal(t, ok, IsHTTPURL(s), s)
	}
}
