package forms

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// vmHWM is the process's peak RSS in kB (Linux; 0 elsewhere).
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// diffRows is n rows of a KEYDATA different-data file with Chinese text in
// every tile, as staff export them.
func diffRows(n int) [][]string {
	rows := [][]string{{"account_id", "key1", "data1", "jump_url1", "key2", "data2", "key3", "data3"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("stu%06d", i), "作业", strconv.Itoa(i%10) + " 项",
			"https://school.example/hw", "出勤率", strconv.Itoa(90+i%10) + "%", "班级", "三年级二班"})
	}
	return rows
}

// BenchmarkUpload10kRows: an uploaded 10,000-row different-data file through
// the whole upload path (decode or unzip, UTF-8 CSV for the later steps,
// every cell checked), as GBK CSV and as .xlsx. make bench runs it once; it
// times five runs itself and reports the median, the memory allocated per
// run and the growth of the process's peak RSS.
func BenchmarkUpload10kRows(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	rows := diffRows(10_000)
	var text strings.Builder
	for _, r := range rows {
		text.WriteString(strings.Join(r, ",") + "\r\n")
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text.String()))
	if err != nil {
		b.Fatal(err)
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var xlsx bytes.Buffer
	if _, err := f.WriteTo(&xlsx); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()

	for _, tc := range []struct {
		name string
		file []byte
	}{{"gbk.csv", gbk}, {"data.xlsx", xlsx.Bytes()}} {
		b.Run(tc.name, func(b *testing.B) {
			runtime.GC()
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // VmHWM starts again from the current RSS
			base := vmHWM()
			var ms0, ms1 runtime.MemStats
			var d []time.Duration
			var alloc uint64
			for range max(b.N, 5) {
				runtime.ReadMemStats(&ms0)
				t0 := time.Now()
				got, errs, err := ParseDiffUpload(context.Background(), tc.name, tc.file, CardKeyData)
				if err != nil || !errs.OK() || len(got) != 10_000 {
					b.Fatal(err, errs, len(got))
				}
				d = append(d, time.Since(t0))
				runtime.ReadMemStats(&ms1)
				alloc = ms1.TotalAlloc - ms0.TotalAlloc
			}
			slices.Sort(d)
			b.ReportMetric(float64(len(tc.file))/(1<<20), "MB-file")
			b.ReportMetric(float64(d[len(d)/2])/float64(time.Millisecond), "median-ms")
			b.ReportMetric(float64(alloc)/(1<<20), "MB-allocated")
			if peak := vmHWM(); peak > 0 {
				b.ReportMetric(float64(peak-base)/1024, "MB-peak-RSS-growth")
			}
		})
	}
}
