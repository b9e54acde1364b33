package configs

import (
	"os"
	"testing"
)

func BenchmarkLoadKolla(b *testing.B) {
	for b.Loop() {
		if _, err := Load([]string{"testdata/kolla/glance-api.conf"}, []string{"testdata/kolla/glance.conf.d"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSample(b *testing.B) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		src, err := parseSource(samplePath, data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := build([]*source{src}); err != nil {
			b.Fatal(err)
		}
	}
}
