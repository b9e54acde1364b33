package domain

// TagLimitError is Glance's 413 for a tag list longer than
// image_tag_quota. Glance counts the list as sent, duplicates included.
func TagLimitError(attempted, maximum int) error {
	return Errorf(KindTooLarge, "The limit has been exceeded on the number of allowed image tags. Attempted: %d, Maximum: %d", attempted, maximum)
}

// PropertyLimitError is Glance's 413 for more additional properties than
// image_property_quota.
func PropertyLimitError(attempted, maximum int) error {
	return Errorf(KindTooLarge, "The limit has been exceeded on the number of allowed image properties. Attempted: %d, Maximum: %d", attempted, maximum)
}

// OverQuota reports whether n items exceed quota (negative: unlimited).
func OverQuota(n, quota int) bool { return quota >= 0 && n > quota }
