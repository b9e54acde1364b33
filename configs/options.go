package configs

import (
	"net/netip"
	"strings"
)

// Sections the service reads.
const (
	secDefault    = "DEFAULT"
	secDatabase   = "database"
	secStore      = "glance_store"
	secStaging    = "os_glance_staging_store"
	secTasks      = "os_glance_tasks_store"
	secPaste      = "paste_deploy"
	secFormat     = "image_format"
	secPolicy     = "oslo_policy"
	secMiddleware = "oslo_middleware"
	secNotify     = "oslo_messaging_notifications"
	secKeystone   = "keystone_authtoken"
	secFiltering  = "import_filtering_opts"
	secStoreType  = "store_type_location_strategy"
)

// Choices Glance and its libraries accept.
var (
	// hashAlgorithms are the secure hashes every hashlib guarantees and Go
	// implements, for os_hash_algo.
	hashAlgorithms = []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512",
		"sha3_224", "sha3_256", "sha3_384", "sha3_512"}
	importMethods = []string{"glance-direct", "web-download", "copy-image", "glance-download"}
	// defaultStores are glance_store's choices for the single-store
	// default_store (store names and URL schemes).
	defaultStores = []string{"file", "filesystem", "http", "https", "swift", "swift+http",
		"swift+https", "swift+config", "rbd", "cinder", "vsphere", "s3"}
	ruleFormats        = []string{"roles", "policies"}
	locationStrategies = []string{"location_order", "store_type"}
)

// Why options are read but not acted on yet (see option.notYet).
const (
	noImport        = "image import is not served"
	noCache         = "the image cache is not served"
	noMessaging     = "only the log notification driver is served"
	ownBuffers      = "the filesystem store picks its own buffer sizes"
	noFormatInspect = "uploaded data is not inspected"
)

// options is the table of every typed option, bound to c's fields. The
// defaults are Glance's (or its libraries') unless a comment says why not.
func (c *Config) options() []option {
	d, st := &c.Default, &c.Store
	return append([]option{
		// Glance binds 0.0.0.0; with no-auth as the default mode, loopback
		// is the safe choice until an operator says otherwise.
		strOpt(secDefault, "bind_host", "127.0.0.1", &d.BindHost).checked(checkHost),
		intOpt(secDefault, "bind_port", "9292", 0, 65535, &d.BindPort),
		intOpt(secDefault, "workers", "0", 0, noMax, &d.Workers).notYet("one process serves every request on all cores"),
		boolOpt(secDefault, "debug", "false", &d.Debug),
		strOpt(secDefault, "log_file", "", &d.LogFile).alias(secDefault, "logfile"),
		strOpt(secDefault, "log_dir", "", &d.LogDir).alias(secDefault, "logdir"),
		boolOpt(secDefault, "use_stderr", "false", &d.UseStderr),
		strOpt(secDefault, "public_endpoint", "", &d.PublicEndpoint),
		strOpt(secDefault, "worker_self_reference_url", "", &d.WorkerSelfReferenceURL).notYet(noImport),
		intOpt(secDefault, "max_request_id_length", "64", 0, noMax, &d.MaxRequestIDLength),
		intOpt(secDefault, "max_header_line", "16384", 0, noMax, &d.MaxHeaderLine),
		boolOpt(secDefault, "http_keepalive", "true", &d.HTTPKeepalive).notYet("connections are always kept alive"),
		intOpt(secDefault, "client_socket_timeout", "900", 0, noMax, &d.ClientSocketTimeout),

		// Glance's bound is 2^63, one past what an int64 holds.
		intOpt(secDefault, "image_size_cap", "1099511627776", 1, noMax, &d.ImageSizeCap),
		sizeOpt(secDefault, "user_storage_quota", "0", &d.UserStorageQuota),
		boolOpt(secDefault, "use_keystone_limits", "false", &d.UseKeystoneLimits),
		intOpt(secDefault, "image_member_quota", "128", noMin, noMax, &d.ImageMemberQuota),
		intOpt(secDefault, "image_property_quota", "128", noMin, noMax, &d.ImagePropertyQuota),
		intOpt(secDefault, "image_tag_quota", "128", noMin, noMax, &d.ImageTagQuota),
		intOpt(secDefault, "image_location_quota", "10", noMin, noMax, &d.ImageLocationQuota),
		intOpt(secDefault, "api_limit_max", "1000", 1, noMax, &d.APILimitMax),
		intOpt(secDefault, "limit_param_default", "25", 1, noMax, &d.LimitParamDefault),

		boolOpt(secDefault, "show_image_direct_url", "false", &d.ShowImageDirectURL),
		boolOpt(secDefault, "show_multiple_locations", "false", &d.ShowMultipleLocations),
		choiceOpt(secDefault, "location_strategy", "location_order", locationStrategies, &d.LocationStrategy),
		listOpt(secStoreType, "store_type_preference", "", &d.StoreTypePreference),
		choiceOpt(secDefault, "hashing_algorithm", "sha512", hashAlgorithms, &d.HashingAlgorithm),
		choiceListOpt(secDefault, "enabled_import_methods", "glance-direct,web-download,copy-image",
			importMethods, &d.EnabledImportMethods),
		strOpt(secDefault, "node_staging_uri", "file:///tmp/staging/", &d.NodeStagingURI).checked(checkFileURI).notYet(noImport),
		dictOpt(secDefault, "enabled_backends", "", &d.EnabledBackends),
		boolOpt(secDefault, "delayed_delete", "false", &d.DelayedDelete),
		strOpt(secDefault, "image_cache_dir", "", &d.ImageCacheDir).notYet(noCache),
		intOpt(secDefault, "image_cache_max_size", "10737418240", 0, noMax, &d.ImageCacheMaxSize).notYet(noCache),
		boolOpt(secDefault, "allow_anonymous_access", "false", &d.AllowAnonymousAccess),
		strOpt(secDefault, "property_protection_file", "", &d.PropertyProtectionFile),
		choiceOpt(secDefault, "property_protection_rule_format", "roles", ruleFormats, &d.PropertyProtectionRuleFormat),
		strOpt(secDefault, "transport_url", "", &d.TransportURL).notYet(noMessaging),

		// Glance keeps its database elsewhere by default; an embedded
		// SQLite file lets the server start with no database service.
		strOpt(secDatabase, "connection", "sqlite:////var/lib/glance/glance.sqlite", &c.Database.Connection),
		// oslo.db leaves it to SQLAlchemy's 30 s (pysqlite's busy wait is
		// 5 s); a few seconds answers 503 before clients give up.
		intOpt(secDatabase, "pool_timeout", "5", 1, noMax, &c.Database.PoolTimeout),

		choiceOpt(secStore, "default_store", "file", defaultStores, &st.DefaultStore),
		listOpt(secStore, "stores", "file,http", &st.Stores),
		strOpt(secStore, "filesystem_store_datadir", defaultDataDir, &st.FilesystemStoreDatadir),
		intOpt(secStore, "filesystem_store_chunk_size", defaultChunkSize, 1, noMax, &st.FilesystemStoreChunkSize).notYet(ownBuffers),
		intOpt(secStore, "filesystem_store_file_perm", "0", 0, 7777, &st.FilesystemStoreFilePerm),
		strOpt(secStore, "default_backend", "", &st.DefaultBackend),

		strOpt(secStaging, "filesystem_store_datadir", "/var/lib/glance/"+secStaging,
			&c.StagingStore.DataDir).checked(checkNotEmpty).notYet(noImport),
		intOpt(secStaging, "filesystem_store_chunk_size", defaultChunkSize, 1, noMax, &c.StagingStore.ChunkSize).notYet(noImport),
		strOpt(secTasks, "filesystem_store_datadir", "/var/lib/glance/"+secTasks,
			&c.TasksStore.DataDir).checked(checkNotEmpty).notYet(noImport),
		intOpt(secTasks, "filesystem_store_chunk_size", defaultChunkSize, 1, noMax, &c.TasksStore.ChunkSize).notYet(noImport),

		strOpt(secPaste, "flavor", "", &c.Paste.Flavor).checked(checkFlavor),

		listOpt(secFormat, "disk_formats", "ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop",
			&c.ImageFormat.DiskFormats).alias(secDefault, "disk_formats"),
		listOpt(secFormat, "container_formats", "ami,ari,aki,bare,ovf,ova,docker,compressed",
			&c.ImageFormat.ContainerFormats).alias(secDefault, "container_formats"),
		boolOpt(secFormat, "require_image_format_match", "true", &c.ImageFormat.RequireImageFormatMatch).notYet(noFormatInspect),

		strOpt(secPolicy, "policy_file", "policy.yaml", &c.Policy.PolicyFile),
		listOpt(secPolicy, "policy_dirs", "policy.d", &c.Policy.PolicyDirs),
		boolOpt(secPolicy, "enforce_new_defaults", "true", &c.Policy.EnforceNewDefaults),
		boolOpt(secPolicy, "enforce_scope", "true", &c.Policy.EnforceScope),

		boolOpt(secMiddleware, "enable_proxy_headers_parsing", "false",
			&c.Middleware.EnableProxyHeadersParsing).notYet("X-Forwarded-* and Forwarded headers are ignored"),

		multiOpt(secNotify, "driver", &c.Notification.Drivers),
		listOpt(secNotify, "topics", "notifications", &c.Notification.Topics).notYet(noMessaging),
		strOpt(secNotify, "transport_url", "", &c.Notification.TransportURL).notYet(noMessaging),
		intOpt(secNotify, "retry", "-1", noMin, noMax, &c.Notification.Retry).notYet(noMessaging),

		// Rules for web-download sources.
		listOpt(secFiltering, "allowed_schemes", "http,https", &c.ImportFiltering.AllowedSchemes).notYet(noImport),
		listOpt(secFiltering, "disallowed_schemes", "", &c.ImportFiltering.DisallowedSchemes).notYet(noImport),
		listOpt(secFiltering, "allowed_hosts", "", &c.ImportFiltering.AllowedHosts).notYet(noImport),
		listOpt(secFiltering, "disallowed_hosts", "", &c.ImportFiltering.DisallowedHosts).notYet(noImport),
		listOpt(secFiltering, "allowed_ports", "80,443", &c.ImportFiltering.AllowedPorts).notYet(noImport),
		listOpt(secFiltering, "disallowed_ports", "", &c.ImportFiltering.DisallowedPorts).notYet(noImport),
	}, append(c.authtokenOptions(), c.limitOptions()...)...)
}

// checkHost accepts what oslo.config's HostAddressOpt does: an IP address
// or a host name.
func checkHost(v string) string {
	if _, err := netip.ParseAddr(v); err == nil || isHostname(v) {
		return ""
	}
	return "is not an IP address or host name"
}

func isHostname(v string) bool {
	v = strings.TrimSuffix(v, ".")
	if v == "" || len(v) > 253 {
		return false
	}
	labels := strings.Split(v, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	// An all-digit last label would be a malformed address, not a name.
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// checkFileURI holds node_staging_uri to the only form Glance's import can
// stage to: file:// followed by an absolute path.
func checkFileURI(v string) string {
	if strings.HasPrefix(v, "file:///") {
		return ""
	}
	return "is not file:// followed by an absolute path"
}

func checkNotEmpty(v string) string {
	if v != "" {
		return ""
	}
	return "is empty; a directory is required"
}
