package domain

// transitions are the status moves Glance allows (glance.domain.Image).
var transitions = map[Status][]Status{
	StatusQueued:        {StatusSaving, StatusUploading, StatusImporting, StatusActive, StatusDeleted},
	StatusSaving:        {StatusActive, StatusKilled, StatusDeleted, StatusQueued},
	StatusUploading:     {StatusImporting, StatusQueued, StatusDeleted},
	StatusImporting:     {StatusActive, StatusDeleted, StatusQueued},
	StatusActive:        {StatusPendingDelete, StatusDeleted, StatusDeactivated},
	StatusKilled:        {StatusDeleted},
	StatusPendingDelete: {StatusDeleted, StatusActive},
	StatusDeactivated:   {StatusActive, StatusDeleted},
}

// CanMove reports whether an image may go from status from to status to.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// MoveTo changes the image's status, enforcing Glance's state machine.
// Leaving queued or uploading for saving, active or importing needs both
// formats set. Returns Conflict for a move the machine does not allow and
// Invalid when formats are missing. Going back to queued clears the sizes.
// Staying put is a move the machine does not allow either, as in Glance:
// an upload that finds the image already saving conflicts.
func (img *Image) MoveTo(to Status) error {
	if !CanMove(img.Status, to) {
		return Errorf(KindConflict, "Image status transition from %s to %s is not allowed", img.Status, to)
	}
	if (img.Status == StatusQueued || img.Status == StatusUploading) &&
		(to == StatusSaving || to == StatusActive || to == StatusImporting) {
		if err := img.requireFormats(); err != nil {
			return err
		}
	}
	if to == StatusQueued {
		img.Size, img.VirtualSize = nil, nil
	}
	img.Status = to
	return nil
}

func (img *Image) requireFormats() error {
	var missing []string
	if img.ContainerFormat == nil {
		missing = append(missing, "container_format")
	}
	if img.DiskFormat == nil {
		missing = append(missing, "disk_format")
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return Errorf(KindInvalid, "Property %s must be set prior to saving data.", missing[0])
	default:
		return Errorf(KindInvalid, "Properties container_format, disk_format must be set prior to saving data.")
	}
}
