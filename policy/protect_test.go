package policy

import (
	"context"
	"testing"

	"github.com/go-glance/glance/domain"
)

// shown copies an image only to hide something, and never changes the
// image it was given, which a repository may hold.
func TestShownLeavesTheImageAlone(t *testing.T) {
	prot, err := compileProtections("[^a]\ncreate = @\nread = @\nupdate = @\ndelete = @\n", ProtectionRoles, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.WithCaller(context.Background(), noRoles)
	img := &domain.Image{ID: "i", Tags: []string{"t"}, Properties: domain.Properties{{Name: "a1", Value: "1"}, {Name: "b", Value: "2"}, {Name: "a2", Value: "3"}}}
	got, err := prot.shown(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if got == img || len(img.Properties) != 3 || img.Properties[1].Name != "b" {
		t.Errorf("the image given changed or was returned: %+v", img.Properties)
	}
	if len(got.Properties) != 2 || got.Properties[0].Name != "a1" || got.Properties[1].Name != "a2" || got.ID != "i" || got.Tags[0] != "t" {
		t.Errorf("shown %+v", got)
	}
	open := &domain.Image{Properties: domain.Properties{{Name: "a", Value: "1"}}}
	if got, _ := prot.shown(ctx, open); got != open {
		t.Error("an image with nothing to hide was copied")
	}
}
