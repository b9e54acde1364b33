package configs

import (
	"slices"
	"strings"
)

// storeEntries are the names [glance_store] stores accepts (glance_store's
// driver entry points), by the store type each names.
var storeEntries = map[string]string{
	"file": "file", "glance.store.filesystem.Store": "file",
	"http": "http", "glance.store.http.Store": "http",
	"rbd": "rbd", "glance.store.rbd.Store": "rbd",
	"s3": "s3", "glance.store.s3.Store": "s3",
	"swift": "swift", "glance.store.swift.Store": "swift",
	"cinder": "cinder", "glance.store.cinder.Store": "cinder",
	"vmware": "vmware", "glance.store.vmware_datastore.Store": "vmware",
}

// schemeTypes are the store types of the URL schemes default_store may
// name, as each glance_store driver claims its schemes.
var schemeTypes = map[string]string{
	"file": "file", "filesystem": "file",
	"http": "http", "https": "http",
	"swift": "swift", "swift+http": "swift", "swift+https": "swift", "swift+config": "swift",
	"rbd": "rbd", "cinder": "cinder", "vsphere": "vmware", "s3": "s3",
}

// driverOptions are the options each glance_store driver reads from its
// section. glance_store registers all of them in [glance_store] whatever
// the stores, so none is unknown there; a multi-store backend's section
// holds those of its type.
var driverOptions = map[string][]string{
	"file": {"filesystem_store_datadir", "filesystem_store_datadirs", "filesystem_store_metadata_file",
		"filesystem_store_file_perm", "filesystem_store_chunk_size", "filesystem_thin_provisioning"},
	"http": {"https_ca_certificates_file", "https_insecure", "http_proxy_information", "http_allowed_networks"},
	"rbd": {"rbd_store_chunk_size", "rbd_store_pool", "rbd_store_user", "rbd_store_ceph_conf",
		"rados_connect_timeout", "rbd_thin_provisioning"},
	"s3": {"s3_store_host", "s3_store_access_key", "s3_store_secret_key", "s3_store_bucket",
		"s3_store_create_bucket_on_put", "s3_store_bucket_url_format", "s3_store_large_object_size",
		"s3_store_large_object_chunk_size", "s3_store_thread_pools", "s3_store_region_name"},
	"swift": {"swift_store_auth_insecure", "swift_store_cacert", "swift_store_region", "swift_store_endpoint",
		"swift_store_endpoint_type", "swift_store_service_type", "swift_store_container",
		"swift_store_large_object_size", "swift_store_large_object_chunk_size",
		"swift_store_create_container_on_put", "swift_store_multi_tenant", "swift_store_multiple_containers_seed",
		"swift_store_admin_tenants", "swift_store_ssl_compression", "swift_store_retry_get_count",
		"swift_store_expire_soon_interval", "swift_store_use_trusts", "swift_buffer_on_upload",
		"default_swift_reference", "swift_store_auth_version", "swift_store_auth_address", "swift_store_user",
		"swift_store_key", "swift_store_config_file"},
	"cinder": {"cinder_catalog_info", "cinder_endpoint_template", "cinder_os_region_name",
		"cinder_ca_certificates_file", "cinder_http_retries", "cinder_state_transition_timeout",
		"cinder_api_insecure", "cinder_store_auth_address", "cinder_store_user_name",
		"cinder_store_user_domain_name", "cinder_store_password", "cinder_store_project_name",
		"cinder_store_project_domain_name", "rootwrap_config", "cinder_volume_type", "cinder_enforce_multipath",
		"cinder_use_multipath", "cinder_mount_point_base"},
	"vmware": {"vmware_server_host", "vmware_server_username", "vmware_server_password", "vmware_api_retry_count",
		"vmware_task_poll_interval", "vmware_store_image_dir", "vmware_insecure", "vmware_ca_file",
		"vmware_datastores"},
}

// backendCommon are options every multi-store backend section may set.
var backendCommon = []string{"store_description"}

// multiValued are the driver options oslo.config reads as MultiStrOpt:
// each repetition, in every file, adds a value.
var multiValued = []string{"filesystem_store_datadirs", "vmware_datastores"}

// MultiSeparator joins the values of a repeated option (see
// multiValued) in a section's Options map.
const MultiSeparator = "\n"

// knownInSection reports whether a driver reads option name in section
// sec: any driver's in [glance_store], its type's in a backend section.
func (c *Config) knownInSection(sec, name string) bool {
	if sec == secStore {
		for _, names := range driverOptions {
			if slices.Contains(names, name) {
				return true
			}
		}
		return false
	}
	for _, b := range c.Backends {
		if normSection(b.Name) == sec {
			return slices.Contains(driverOptions[b.Type], name) || slices.Contains(backendCommon, name)
		}
	}
	return false
}

// SingleStoreTypes are the store types [glance_store] stores names, each
// once, in written order: the backends of single-store mode.
func (c *Config) SingleStoreTypes() []string {
	var types []string
	for _, s := range c.Store.Stores {
		if t := storeEntries[s]; t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
}

// DefaultStoreType is the store type of [glance_store] default_store
// (a type or one of its URL schemes, as glance_store accepts).
func (c *Config) DefaultStoreType() string { return schemeTypes[c.Store.DefaultStore] }

// checkSingleStore checks [glance_store] stores and default_store as
// glance_store does at start: every entry names a driver, and
// default_store's scheme is served by one of them.
func (c *Config) checkSingleStore(l *loader) {
	if c.MultiStore() {
		return
	}
	for _, s := range c.Store.Stores {
		if storeEntries[s] == "" {
			l.errs = append(l.errs, &ValueError{Section: secStore, Option: "stores", Value: s,
				Reason: "is not a store (known: " + strings.Join(StoreTypes, ", ") + ")",
				File:   l.fileOf(key{secStore, "stores"})})
			return
		}
	}
	if types := c.SingleStoreTypes(); !slices.Contains(types, c.DefaultStoreType()) {
		l.errs = append(l.errs, &ValueError{Section: secStore, Option: "default_store", Value: c.Store.DefaultStore,
			Reason: "is served by no store of [glance_store] stores (" + strings.Join(c.Store.Stores, ", ") +
				"): Store for scheme " + c.Store.DefaultStore + " not found",
			File: l.fileOf(key{secStore, "default_store"})})
	}
	if slices.Contains(c.SingleStoreTypes(), "file") {
		c.checkDatadirs(l, secStore, c.Store.Options)
	}
}

// checkDatadirs refuses a file store section that names no directory, or
// both filesystem_store_datadir and filesystem_store_datadirs, as
// glance_store refuses them. filesystem_store_datadir keeps its default
// unless the file sets it, so datadirs alone is the multi-directory form.
func (c *Config) checkDatadirs(l *loader, sec string, opts map[string]string) {
	dir, dirSet := opts["filesystem_store_datadir"]
	dirs := opts["filesystem_store_datadirs"]
	switch {
	case dirSet && strings.TrimSpace(dir) != "" && strings.TrimSpace(dirs) != "":
		l.errs = append(l.errs, &ValueError{Section: sec, Option: "filesystem_store_datadirs",
			Value:  strings.ReplaceAll(dirs, MultiSeparator, ", "),
			Reason: "is set with filesystem_store_datadir; specify either one or the other",
			File:   l.fileOf(key{sec, "filesystem_store_datadirs"})})
	case dirSet && strings.TrimSpace(dir) == "" && strings.TrimSpace(dirs) == "":
		l.errs = append(l.errs, &ValueError{Section: sec, Option: "filesystem_store_datadir", Value: dir,
			Reason: "is empty; a directory is required (or set filesystem_store_datadirs)",
			File:   l.fileOf(key{sec, "filesystem_store_datadir"})})
	}
}
