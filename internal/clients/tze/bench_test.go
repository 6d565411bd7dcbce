package tze

import (
	"context"
	"testing"

	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// BenchmarkOrgChildList100k fetches and decodes a 100,000-node organisation
// (is_all=1) from the fake over loopback; the fake serves it from its cache,
// so this is mostly transfer plus the client's tolerant decoding.
func BenchmarkOrgChildList100k(b *testing.B) {
	r := newRig(b, fake.WithLargeOrg("9200", 100000))
	ctx := context.Background()
	req := OrgChildListRequest{OrgID: "9200", All: true}
	if _, err := r.client.OrgChildList(ctx, req); err != nil { // token + fake cache warm-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		nodes, err := r.client.OrgChildList(ctx, req)
		if err != nil || len(nodes) != 100000 {
			b.Fatal(err, len(nodes))
		}
	}
}
