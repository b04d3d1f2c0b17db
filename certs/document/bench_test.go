package document

import (
	"io"
	"testing"
)

// BenchmarkRender makes whole certificates, each from scratch: a font cut
// for its characters, the page laid out, the QR code encoded. Run it with
// GOMAXPROCS=1 to read the pdfs/s of one core; pdfs/cpu-s counts the
// process's CPU time instead of the wall clock, so it holds on a machine
// busy with other work.
func BenchmarkRender(b *testing.B) {
	cases := []struct {
		name string
		edit func(*Certificate)
	}{
		{"typical", func(*Certificate) {}},
		{"rare_name_revoked", func(c *Certificate) {
			c.HolderName, c.Status = "欧阳喆堃", "已撤销"
			c.Title = "安全生产知识和管理能力考核合格证明"
		}},
	}
	if _, err := certSans(); err != nil { // parse the font outside the timing
		b.Fatal(err)
	}
	for _, tc := range cases {
		d := sample()
		tc.edit(&d)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, ok := cpuTime()
			for b.Loop() {
				if err := Render(io.Discard, d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pdfs/s")
			if cpu1, ok1 := cpuTime(); ok && ok1 && cpu1 > cpu0 {
				b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "pdfs/cpu-s")
			}
		})
	}
}
