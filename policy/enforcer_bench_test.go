package policy

import (
	"testing"

	"github.com/go-glance/glance/domain"
)

// BenchmarkAllowed is the cost of one decision on a GET: the first of
// each kind goes through casbin, the rest are answered from the memo.
func BenchmarkAllowed(b *testing.B) {
	e, err := NewEnforcer(Config{EnforceScope: true, EnforceNewDefaults: true})
	if err != nil {
		b.Fatal(err)
	}
	c := &domain.Caller{ProjectID: "A", Roles: []string{"member", "reader"}}
	t := Attributes{"project_id": "A", "owner": "A", "visibility": "private"}
	for _, rule := range []string{"get_image", "context_is_admin"} {
		b.Run(rule, func(b *testing.B) {
			for b.Loop() {
				if ok, err := e.Allowed(c, rule, t); err != nil || ok != (rule == "get_image") {
					b.Fatal(ok, err)
				}
			}
		})
	}
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			e.memo.reset()
			if ok, _ := e.Allowed(c, "get_image", t); !ok {
				b.Fatal("refused")
			}
		}
	})
}
