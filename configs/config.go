package configs

// Config is everything the service reads from glance-api.conf, one field
// per oslo.config section.
type Config struct {
	Default  DefaultSection // [DEFAULT]
	Database Database       // [database]
	Store    Store          // [glance_store]
	// Backends are the multi-store backends of [DEFAULT] enabled_backends in
	// their configured order, each with its own section; nil when
	// multi-store is off.
	Backends []Backend
	// StagingStore and TasksStore are the file stores Glance reserves for
	// itself in multi-store mode ([os_glance_staging_store],
	// [os_glance_tasks_store]).
	StagingStore Backend
	TasksStore   Backend
	Paste        Paste         // [paste_deploy]
	ImageFormat  ImageFormat   // [image_format]
	Policy       Policy        // [oslo_policy]
	Middleware   Middleware    // [oslo_middleware]
	Notification Notifications // [oslo_messaging_notifications]
	// ImportFiltering is [import_filtering_opts], web-download's source rules.
	ImportFiltering ImportFiltering
	Authtoken       Authtoken // [keystone_authtoken]
	OsloLimit       OsloLimit // [oslo_limit]

	// Sources are the files read, in the order they were applied.
	Sources []string
	// Unknown lists options no part of the service reads, as
	// "[section] name", in order of first appearance; callers log them.
	Unknown []string
	// Deprecated lists old option names that were used, with the name that
	// replaces them; callers log them as warnings.
	Deprecated []string
	// NotActedOn says, one message per option, which options a file
	// sets that the service reads but does not act on yet, and why;
	// callers log them as warnings. Defaults nobody set are not listed.
	NotActedOn []string

	set map[key]bool // the options some file sets; see IsSet
}

// DefaultSection is the [DEFAULT] section.
type DefaultSection struct {
	BindHost  string
	BindPort  int
	Workers   int // accepted for compatibility; one process serves all
	Debug     bool
	LogFile   string
	LogDir    string
	UseStderr bool

	PublicEndpoint         string
	WorkerSelfReferenceURL string
	MaxRequestIDLength     int
	MaxHeaderLine          int
	HTTPKeepalive          bool
	ClientSocketTimeout    int // seconds; 0 waits forever

	ImageSizeCap     int64 // bytes
	UserStorageQuota int64 // bytes; 0 is unlimited
	// UseKeystoneLimits enforces the unified limits of [oslo_limit]
	// instead of UserStorageQuota.
	UseKeystoneLimits  bool
	ImageMemberQuota   int // negative is unlimited
	ImagePropertyQuota int // negative is unlimited
	ImageTagQuota      int // negative is unlimited
	ImageLocationQuota int // negative is unlimited
	APILimitMax        int
	LimitParamDefault  int

	ShowImageDirectURL    bool
	ShowMultipleLocations bool
	// LocationStrategy is location_order or store_type.
	LocationStrategy string
	// StoreTypePreference is [store_type_location_strategy]
	// store_type_preference.
	StoreTypePreference  []string
	HashingAlgorithm     string
	EnabledImportMethods []string
	NodeStagingURI       string
	// EnabledBackends is the raw enabled_backends dict (backend name, store
	// type) in written order; Config.Backends is the checked form.
	EnabledBackends []Pair
	DelayedDelete   bool

	ImageCacheDir     string // "" disables the image cache
	ImageCacheMaxSize int64  // bytes

	AllowAnonymousAccess         bool
	PropertyProtectionFile       string
	PropertyProtectionRuleFormat string
	TransportURL                 string
}

// Pair is one key:value entry of an oslo dict option.
type Pair struct {
	Key, Value string
}

// Database is the [database] section.
type Database struct {
	// Connection is an SQLAlchemy-style URL (sqlite:///path,
	// mysql+pymysql://user:pass@host/db).
	Connection string
	// PoolTimeout is oslo.db's pool_timeout in seconds, here the bound
	// on every wait for the database (a connection, the write lock, a
	// row lock, a MySQL server's answer); past it requests get 503.
	PoolTimeout int
}

// Store is the [glance_store] section. Outside multi-store mode it also
// configures the single filesystem store.
type Store struct {
	DefaultStore             string
	Stores                   []string
	FilesystemStoreDatadir   string
	FilesystemStoreChunkSize int
	// FilesystemStoreFilePerm is the mode of image files written, in
	// octal digits as Glance reads it (640 is rw-r-----); 0 keeps the
	// umask's.
	FilesystemStoreFilePerm int
	// DefaultBackend names the multi-store backend used when a request
	// names none.
	DefaultBackend string
	// Options is the section as strings (last value of each option,
	// references expanded), for the single store's driver to read its
	// own options from.
	Options map[string]string
}

// Backend is one multi-store backend: a name from enabled_backends, its
// store type and its section.
type Backend struct {
	Name string
	Type string // one of StoreTypes
	// Options is the backend's section as strings (last value of each
	// option), for drivers whose options are not typed here.
	Options map[string]string
	// DataDir and ChunkSize are set for file backends only.
	DataDir   string
	ChunkSize int
}

// Paste is the [paste_deploy] section.
type Paste struct {
	// Flavor selects the auth mode and image cache as Glance's paste
	// pipelines do; see Config.AuthMode and Config.Caching.
	Flavor string
}

// ImageFormat is the [image_format] section.
type ImageFormat struct {
	DiskFormats             []string
	ContainerFormats        []string
	RequireImageFormatMatch bool
}

// Policy is the [oslo_policy] section.
type Policy struct {
	// PolicyFile may be relative to the directory of a config file;
	// see PolicyFiles.
	PolicyFile string
	// PolicyDirs hold more policy files, read after PolicyFile.
	PolicyDirs         []string
	EnforceNewDefaults bool
	EnforceScope       bool
}

// Middleware is the [oslo_middleware] section.
type Middleware struct {
	// EnableProxyHeadersParsing trusts X-Forwarded-* and Forwarded headers
	// from a front proxy when building absolute URLs.
	EnableProxyHeadersParsing bool
}

// Notifications is the [oslo_messaging_notifications] section.
type Notifications struct {
	// Drivers are the notification drivers (messagingv2, log, noop, ...);
	// the option may be repeated. None means notifications are off.
	Drivers []string
	Topics  []string
	// TransportURL overrides [DEFAULT] transport_url for notifications;
	// see Config.NotificationTransportURL.
	TransportURL string
	Retry        int // -1 retries forever
}

// ImportFiltering is the [import_filtering_opts] section: which URLs
// web-download may fetch. Ports are kept as written.
type ImportFiltering struct {
	AllowedSchemes, DisallowedSchemes []string
	AllowedHosts, DisallowedHosts     []string
	AllowedPorts, DisallowedPorts     []string
}
