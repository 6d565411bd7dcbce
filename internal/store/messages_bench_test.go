package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkSendBookkeeping is the store's share of one message send: claim
// the busiId (row + audit) before the platform call, record the outcome
// (row + audit) after it. It is what the send page adds to the platform's
// own latency, apart from HTTP.
func BenchmarkSendBookkeeping(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req := `{"msgtype":"oa","busiId":"x","oa":{"head":{"text":"` + strings.Repeat("标题", 20) + `"}}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		busi := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		row, created, err := s.QueueSend(ctx, MessageSend{BusiID: busi, MsgType: "oa", Title: "标题", Sender: "amy", Recipients: 3,
			Request: req, Form: "type=oa"}, AuditEntry{Actor: "amy", Action: "messages.send", Target: busi, Outcome: SendQueued},
			func(context.Context, *sql.Tx, int64, int) error { return nil })
		if err != nil || !created {
			b.Fatal(err, created)
		}
		if _, _, err := s.ClaimSend(ctx, row.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := s.FinishSend(ctx, row.ID, SendOutcome{Status: SendOK, UpstreamCode: "000000", MsgID: "1", Response: `{"code":"000000"}`},
			AuditEntry{Actor: "amy", Action: "messages.send", Target: busi, UpstreamCode: "000000"}); err != nil {
			b.Fatal(err)
		}
	}
}
