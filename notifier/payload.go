package notifier

import (
	"time"

	"github.com/go-glance/glance/domain"
)

// imagePayload is Glance's image notification payload.
func imagePayload(img *domain.Image, deletedAt *time.Time) map[string]any {
	props := map[string]any{}
	for _, p := range img.Properties {
		props[p.Name] = p.Value
	}
	tags := append([]string{}, img.Tags...)
	var deleted any
	if deletedAt != nil {
		deleted = isoTime(*deletedAt)
	}
	return map[string]any{
		"id":               img.ID,
		"name":             opt(img.Name),
		"status":           string(img.Status),
		"created_at":       isoTime(img.CreatedAt),
		"updated_at":       isoTime(img.UpdatedAt),
		"min_disk":         img.MinDisk,
		"min_ram":          img.MinRAM,
		"protected":        img.Protected,
		"checksum":         opt(img.Checksum),
		"owner":            opt(img.Owner),
		"disk_format":      opt(img.DiskFormat),
		"container_format": opt(img.ContainerFormat),
		"size":             optInt(img.Size),
		"virtual_size":     optInt(img.VirtualSize),
		"is_public":        img.Visibility == domain.VisibilityPublic,
		"visibility":       string(img.Visibility),
		"properties":       props,
		"tags":             tags,
		"deleted":          deletedAt != nil,
		"deleted_at":       deleted,
		"os_hidden":        img.Hidden,
		"os_hash_algo":     opt(img.HashAlgo),
		"os_hash_value":    opt(img.HashValue),
	}
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func opt(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func optInt(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}

// memberPayload is Glance's image member notification payload.
func memberPayload(m *domain.Member, deletedAt *time.Time) map[string]any {
	var deleted any
	if deletedAt != nil {
		deleted = isoTime(*deletedAt)
	}
	return map[string]any{
		"image_id":   m.ImageID,
		"member_id":  m.MemberID,
		"status":     string(m.Status),
		"created_at": isoTime(m.CreatedAt),
		"updated_at": isoTime(m.UpdatedAt),
		"deleted":    deletedAt != nil,
		"deleted_at": deleted,
	}
}
