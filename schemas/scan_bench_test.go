package schemas

import (
	"strings"
	"testing"
)

// Worst-case bodies under the 4 MiB request limit.
var (
	benchNumbers = []byte(`{"name":"x","numbers":[` + strings.Repeat("1,", 2_000_000) + `1]}`)
	benchTags    = func() []byte {
		var b strings.Builder
		b.WriteString(`{"name":"x","tags":[`)
		for i := range 160_000 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"t` + strings.Repeat("x", 6) + `"`)
			_ = i
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}()
	benchName = []byte(`{"name":"` + strings.Repeat("a", 4<<20-20) + `"}`)
)

func benchScan(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Scan(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanNumbers(b *testing.B) { benchScan(b, benchNumbers) }
func BenchmarkScanTags(b *testing.B)    { benchScan(b, benchTags) }
func BenchmarkScanString(b *testing.B)  { benchScan(b, benchName) }

func BenchmarkMembersNumbers(b *testing.B) {
	b.SetBytes(int64(len(benchNumbers)))
	for b.Loop() {
		_ = Members(benchNumbers, func(string, []byte, int) error { return nil })
	}
}
