package cards

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExcerptJSON(t *testing.T) {
	more := func(n int) string { return fmt.Sprintf("… %d more", n) }
	for _, tc := range []struct{ name, in, want string }{
		{"short array kept whole", `{"b":1,"a":["x","y"]}`, "{\n  \"b\": 1,\n  \"a\": [\n    \"x\",\n    \"y\"\n  ]\n}"},
		{"long array cut, key order kept", `{"z":true,"ids":["1","2","3","4","5"],"data":{"items":[{"key":"人数","data":"20"}]}}`,
			"{\n  \"z\": true,\n  \"ids\": [\n    \"1\",\n    \"2\",\n    \"3\",\n    … 2 more\n  ],\n  \"data\": {\n    \"items\": [\n      {\n        \"key\": \"人数\",\n        \"data\": \"20\"\n      }\n    ]\n  }\n}"},
		{"empty containers and numbers", `{"a":[],"b":{},"t":1743465600000}`, "{\n  \"a\": [],\n  \"b\": {},\n  \"t\": 1743465600000\n}"},
		{"escapes kept", `{"s":"<script>\"q\""}`, "{\n  \"s\": \"\\u003cscript\\u003e\\\"q\\\"\"\n}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := excerptJSON([]byte(tc.in), 3, more)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := excerptJSON([]byte(`{"a":`), 3, more)
	assert.Error(t, err)
}
