package policy

import (
	"context"
	"strconv"
	"testing"

	"github.com/go-glance/glance/domain"
)

// BenchmarkShown: what hiding unreadable properties costs an image of
// ten properties under Glance's sample rules (the cost per image of a
// listing).
func BenchmarkShown(b *testing.B) {
	prot, err := compileProtections(rolesFile, ProtectionRoles, nil)
	if err != nil {
		b.Fatal(err)
	}
	img := &domain.Image{}
	for i := range 10 {
		img.Properties = append(img.Properties, domain.Property{Name: []string{"x_owner_", "x_", "my_spl_", "os_"}[i%4] + strconv.Itoa(i), Value: "v"})
	}
	ctx := domain.WithCaller(context.Background(), memberRole)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prot.shown(ctx, img); err != nil {
			b.Fatal(err)
		}
	}
}
