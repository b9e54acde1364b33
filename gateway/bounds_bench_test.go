package gateway

import (
	"strconv"
	"strings"
	"testing"

	"github.com/go-glance/glance/schemas"
)

func benchServer(b *testing.B) *Server {
	sch, err := schemas.New(schemas.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return New(Config{Schemas: sch, Quotas: &Quotas{Tags: 128, Properties: 128}}, nil, nil)
}

// benchCreateBody measures the checks of a create body up to its
// refusal, the gateway's whole share of the work.
func benchCreateBody(b *testing.B, body string) {
	s := benchServer(b)
	raw := []byte(body)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := s.readNewImage(raw); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkCreate160kProperties(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"name":"x"`)
	for i := range 160_000 {
		sb.WriteString(`,"p` + strconv.FormatInt(int64(i), 36) + `":"v"`)
	}
	benchCreateBody(b, sb.String()+"}")
}

func BenchmarkCreate2MNumbers(b *testing.B) {
	benchCreateBody(b, `{"name":"x","numbers":[`+strings.Repeat("1,", 2_000_000)+`1]}`)
}

func BenchmarkCreate160kTags(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"name":"x","tags":[`)
	for i := range 160_000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"t` + strconv.FormatInt(int64(i), 36) + `"`)
	}
	benchCreateBody(b, sb.String()+"]}")
}
