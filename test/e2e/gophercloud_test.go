package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// gcClient is an image service client as Go consumers build one for a
// standalone Glance: no Keystone, no token, the catalog lookup answered
// with the server's base URL. openstack.NewImageV2 then adds "v2/" as
// it does for a catalog endpoint.
func gcClient(t *testing.T, srv *glancetest.Server) *gophercloud.ServiceClient {
	t.Helper()
	provider := &gophercloud.ProviderClient{
		HTTPClient: http.Client{Timeout: time.Minute},
		EndpointLocator: func(gophercloud.EndpointOpts) (string, error) {
			return gophercloud.NormalizeURL(srv.URL), nil
		},
	}
	client, err := openstack.NewImageV2(provider, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// gcCtx bounds every call of a test, so a hung server fails it quickly.
func gcCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// gophercloud has no calls for image tags or (de)activation; consumers
// issue them through the ServiceClient, as these helpers do.
func gcAction(ctx context.Context, c *gophercloud.ServiceClient, method string, path ...string) error {
	_, err := c.Request(ctx, method, c.ServiceURL(path...), &gophercloud.RequestOpts{OkCodes: []int{204}})
	return err
}

func gcGet(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, id string) *images.Image {
	t.Helper()
	im, err := images.Get(ctx, c, id).Extract()
	if err != nil {
		t.Fatalf("images.Get %s: %v", id, err)
	}
	return im
}

func gcIDs(list []images.Image) []string {
	ids := make([]string, 0, len(list))
	for _, im := range list {
		ids = append(ids, im.ID)
	}
	slices.Sort(ids)
	return ids
}

func gcList(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, opts images.ListOpts) []string {
	t.Helper()
	pages, err := images.List(c, opts).AllPages(ctx)
	if err != nil {
		t.Fatalf("images.List %+v: %v", opts, err)
	}
	list, err := images.ExtractImages(pages)
	if err != nil {
		t.Fatalf("images.ExtractImages: %v", err)
	}
	return gcIDs(list)
}

func sortedCopy(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestGophercloudLifecycle(t *testing.T) {
	t.Parallel()
	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir()})
	client := gcClient(t, srv)
	ctx := gcCtx(t)
	data := glancetest.MustRandomData(t, 3<<20+4321)
	want := glancetest.DigestsOf(data)

	var id string
	if !t.Run("create", func(t *testing.T) {
		created, err := images.Create(ctx, client, images.CreateOpts{
			Name:            "gc-image",
			DiskFormat:      "qcow2",
			ContainerFormat: "bare",
			Tags:            []string{"base", "go"},
			MinRAM:          128,
			Properties:      map[string]string{"os_distro": "ubuntu", "os_version": "24.04"},
		}).Extract()
		if err != nil {
			t.Fatalf("images.Create: %v", err)
		}
		id = created.ID
		got := gcGet(ctx, t, client, id)
		for _, im := range []*images.Image{created, got} {
			for _, c := range []struct {
				name      string
				got, want any
			}{
				{"name", im.Name, "gc-image"},
				{"status", im.Status, images.ImageStatusQueued},
				{"disk_format", im.DiskFormat, "qcow2"},
				{"container_format", im.ContainerFormat, "bare"},
				{"tags", sortedCopy(im.Tags...), []string{"base", "go"}},
				{"min_ram", im.MinRAMMegabytes, 128},
				{"min_disk", im.MinDiskGigabytes, 0},
				{"visibility", im.Visibility, images.ImageVisibilityShared},
				{"protected", im.Protected, false},
				{"os_hidden", im.Hidden, false},
				{"os_distro", im.Properties["os_distro"], "ubuntu"},
				{"os_version", im.Properties["os_version"], "24.04"},
				{"size", im.SizeBytes, int64(0)},
				{"checksum", im.Checksum, ""},
				{"file", im.File, "/v2/images/" + id + "/file"},
				{"schema", im.Schema, "/v2/schemas/image"},
				{"created_at set", im.CreatedAt.IsZero(), false},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
				}
			}
		}
		// Glance answers 204 for an image without data, which gophercloud
		// reports as an unexpected code.
		if err := imagedata.Download(ctx, client, id).Err; !gophercloud.ResponseCodeIs(err, http.StatusNoContent) {
			t.Errorf("imagedata.Download before upload: %v; want a 204", err)
		}
	}) {
		t.FailNow()
	}

	if !t.Run("upload and download", func(t *testing.T) {
		if err := imagedata.Upload(ctx, client, id, bytes.NewReader(data)).ExtractErr(); err != nil {
			t.Fatalf("imagedata.Upload: %v", err)
		}
		im := gcGet(ctx, t, client, id)
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"status", im.Status, images.ImageStatusActive},
			{"size", im.SizeBytes, want.Size},
			{"checksum", im.Checksum, want.MD5},
			{"os_hash_algo", im.Properties["os_hash_algo"], "sha512"},
			{"os_hash_value", im.Properties["os_hash_value"], want.SHA512},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("after upload, %s = %#v; want %#v", c.name, c.got, c.want)
			}
		}

		res := imagedata.Download(ctx, client, id)
		body, err := res.Extract()
		if err != nil {
			t.Fatalf("imagedata.Download: %v", err)
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			t.Fatalf("reading the download: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("downloaded %d bytes with md5 %s; want %d bytes with md5 %s",
				len(got), glancetest.DigestsOf(got).MD5, len(data), want.MD5)
		}
		if h := res.Header.Get("Content-MD5"); h != want.MD5 {
			t.Errorf("download Content-MD5 = %q; want %q", h, want.MD5)
		}
	}) {
		t.FailNow()
	}

	t.Run("upload to an active image is a conflict", func(t *testing.T) {
		err := imagedata.Upload(ctx, client, id, bytes.NewReader([]byte("again"))).ExtractErr()
		if !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
			t.Errorf("second imagedata.Upload: %v; want a 409", err)
		}
		if im := gcGet(ctx, t, client, id); im.Checksum != want.MD5 || im.SizeBytes != want.Size {
			t.Errorf("after the refused upload, checksum %s size %d; want %s %d", im.Checksum, im.SizeBytes, want.MD5, want.Size)
		}
	})

	t.Run("update", func(t *testing.T) {
		updated, err := images.Update(ctx, client, id, images.UpdateOpts{
			images.ReplaceImageName{NewName: "gc-renamed"},
			images.UpdateImageProperty{Op: images.ReplaceOp, Name: "os_distro", Value: "debian"},
			images.UpdateImageProperty{Op: images.AddOp, Name: "hw_disk_bus", Value: "scsi"},
			images.UpdateImageProperty{Op: images.RemoveOp, Name: "os_version"},
			images.ReplaceImageMinDisk{NewMinDisk: 5},
			images.ReplaceImageMinRam{NewMinRam: 512},
			images.ReplaceImageTags{NewTags: []string{"go", "updated"}},
		}).Extract()
		if err != nil {
			t.Fatalf("images.Update: %v", err)
		}
		for what, im := range map[string]*images.Image{"update": updated, "get": gcGet(ctx, t, client, id)} {
			for _, c := range []struct {
				name      string
				got, want any
			}{
				{"name", im.Name, "gc-renamed"},
				{"os_distro", im.Properties["os_distro"], "debian"},
				{"hw_disk_bus", im.Properties["hw_disk_bus"], "scsi"},
				{"os_version", im.Properties["os_version"], nil},
				{"min_disk", im.MinDiskGigabytes, 5},
				{"min_ram", im.MinRAMMegabytes, 512},
				{"tags", sortedCopy(im.Tags...), []string{"go", "updated"}},
				{"status", im.Status, images.ImageStatusActive},
				{"checksum", im.Checksum, want.MD5},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("after images.Update, %s shows %s = %#v; want %#v", what, c.name, c.got, c.want)
				}
			}
		}
	})

	t.Run("tags", func(t *testing.T) {
		if err := gcAction(ctx, client, http.MethodPut, "images", id, "tags", "added"); err != nil {
			t.Fatalf("adding a tag: %v", err)
		}
		// Adding a tag the image has is not an error in Glance.
		if err := gcAction(ctx, client, http.MethodPut, "images", id, "tags", "added"); err != nil {
			t.Fatalf("adding the tag again: %v", err)
		}
		if err := gcAction(ctx, client, http.MethodDelete, "images", id, "tags", "go"); err != nil {
			t.Fatalf("deleting a tag: %v", err)
		}
		if tags := sortedCopy(gcGet(ctx, t, client, id).Tags...); !reflect.DeepEqual(tags, []string{"added", "updated"}) {
			t.Errorf("tags = %v; want [added updated]", tags)
		}
		err := gcAction(ctx, client, http.MethodDelete, "images", id, "tags", "never-there")
		if !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("deleting a tag the image lacks: %v; want a 404", err)
		}
	})

	t.Run("deactivate and reactivate", func(t *testing.T) {
		if err := gcAction(ctx, client, http.MethodPost, "images", id, "actions", "deactivate"); err != nil {
			t.Fatalf("deactivate: %v", err)
		}
		if s := gcGet(ctx, t, client, id).Status; s != images.ImageStatusDeactivated {
			t.Errorf("after deactivate, status = %s; want deactivated", s)
		}
		// Glance still lets an admin (every caller without auth) read the data.
		body, err := imagedata.Download(ctx, client, id).Extract()
		if err != nil {
			t.Fatalf("imagedata.Download of the deactivated image: %v", err)
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("download of the deactivated image: %d bytes, %v; want the %d uploaded", len(got), err, len(data))
		}
		if err := gcAction(ctx, client, http.MethodPost, "images", id, "actions", "reactivate"); err != nil {
			t.Fatalf("reactivate: %v", err)
		}
		if s := gcGet(ctx, t, client, id).Status; s != images.ImageStatusActive {
			t.Errorf("after reactivate, status = %s; want active", s)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := images.Delete(ctx, client, id).ExtractErr(); err != nil {
			t.Fatalf("images.Delete: %v", err)
		}
		_, err := images.Get(ctx, client, id).Extract()
		if !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("images.Get after delete: %v; want a 404", err)
		}
		if err := images.Delete(ctx, client, id).ExtractErr(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("images.Delete again: %v; want a 404", err)
		}
		if ids := gcList(ctx, t, client, images.ListOpts{}); slices.Contains(ids, id) {
			t.Errorf("the deleted image is still listed: %v", ids)
		}
	})

	t.Run("unknown id", func(t *testing.T) {
		const unknown = "2f4c1b5e-0000-4000-8000-000000000000"
		_, err := images.Get(ctx, client, unknown).Extract()
		if !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("images.Get of an unknown id: %v; want a 404", err)
		}
		err = imagedata.Download(ctx, client, unknown).Err
		if !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("imagedata.Download of an unknown id: %v; want a 404", err)
		}
	})
}

func TestGophercloudList(t *testing.T) {
	t.Parallel()
	// Glance's unauthenticated context has no admin role to publicize with.
	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir(), Policy: `publicize_image: "is_admin:True"`})
	client := gcClient(t, srv)
	ctx := gcCtx(t)

	create := func(opts images.CreateOpts) string {
		t.Helper()
		im, err := images.Create(ctx, client, opts).Extract()
		if err != nil {
			t.Fatalf("images.Create %s: %v", opts.Name, err)
		}
		return im.ID
	}
	public := images.ImageVisibilityPublic
	byName := map[string]string{}
	var paged []string
	for i := range 7 {
		name := fmt.Sprintf("gc-page-%d", i)
		byName[name] = create(images.CreateOpts{Name: name, Tags: []string{"paged"}, DiskFormat: "raw", ContainerFormat: "bare"})
		paged = append(paged, byName[name])
	}
	slices.Sort(paged)
	activeID := create(images.CreateOpts{Name: "gc-active", Tags: []string{"odd"}, Visibility: &public, DiskFormat: "raw", ContainerFormat: "bare"})
	if err := imagedata.Upload(ctx, client, activeID, bytes.NewReader([]byte("some data"))).ExtractErr(); err != nil {
		t.Fatalf("imagedata.Upload: %v", err)
	}
	all := sortedCopy(append(slices.Clone(paged), activeID)...)

	t.Run("filters", func(t *testing.T) {
		for _, c := range []struct {
			opts images.ListOpts
			want []string
		}{
			{images.ListOpts{}, all},
			{images.ListOpts{Name: "gc-active"}, []string{activeID}},
			{images.ListOpts{Name: "gc-page-3"}, []string{byName["gc-page-3"]}},
			{images.ListOpts{Name: "gc-nothing"}, []string{}},
			{images.ListOpts{Tags: []string{"paged"}}, paged},
			{images.ListOpts{Tags: []string{"paged", "odd"}}, []string{}},
			{images.ListOpts{Status: images.ImageStatusActive}, []string{activeID}},
			{images.ListOpts{Status: images.ImageStatusQueued}, paged},
			{images.ListOpts{Visibility: images.ImageVisibilityPublic}, []string{activeID}},
			{images.ListOpts{Visibility: images.ImageVisibilityShared}, paged},
			{images.ListOpts{Visibility: images.ImageVisibilityPublic, Tags: []string{"odd"}, Status: images.ImageStatusActive}, []string{activeID}},
		} {
			if got := gcList(ctx, t, client, c.opts); !reflect.DeepEqual(got, c.want) {
				t.Errorf("list %+v = %v; want %v", c.opts, got, c.want)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		opts := images.ListOpts{Tags: []string{"paged"}, Limit: 3}
		var sizes []int
		var seen []string
		err := images.List(client, opts).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
			list, err := images.ExtractImages(page)
			if err != nil {
				return false, err
			}
			sizes = append(sizes, len(list))
			for _, im := range list {
				seen = append(seen, im.ID)
			}
			return true, nil
		})
		if err != nil {
			t.Fatalf("EachPage: %v", err)
		}
		if !reflect.DeepEqual(sizes, []int{3, 3, 1}) {
			t.Errorf("page sizes = %v; want [3 3 1]", sizes)
		}
		if got := sortedCopy(seen...); !reflect.DeepEqual(got, paged) {
			t.Errorf("EachPage saw %v; want each paged image once: %v", seen, paged)
		}

		if got := gcList(ctx, t, client, opts); !reflect.DeepEqual(got, paged) {
			t.Errorf("AllPages with limit 3 = %v; want %v", got, paged)
		}
		if got := gcList(ctx, t, client, images.ListOpts{Limit: 2}); !reflect.DeepEqual(got, all) {
			t.Errorf("AllPages with limit 2 and no filter = %v; want %v", got, all)
		}
	})
}
