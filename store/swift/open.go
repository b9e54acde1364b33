package swift

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/ini.v1"

	"github.com/go-glance/glance/store"
)

// Glance's defaults for the options Open reads.
const (
	defaultContainer       = "glance"
	defaultLargeObjectSize = 5 * 1024 // MiB
	defaultChunkSize       = 200      // MiB
	defaultReference       = "ref1"
	mib                    = 1 << 20
)

func init() { store.Register("swift", Open) }

// Open builds the store of type "swift" from its section, with
// glance_store's option names. The account is that of the
// default_swift_reference section of swift_store_config_file (auth_address,
// user, key, auth_version, user_domain_id/name, project_domain_id/name)
// when that file is set, else swift_store_auth_address,
// swift_store_auth_version (1, tempauth-style, or 3, Keystone),
// swift_store_user (account:user, or project:user for Keystone) and
// swift_store_key. swift_store_region, swift_store_endpoint_type and
// swift_store_endpoint pick the storage URL; swift_store_container,
// swift_store_create_container_on_put, swift_store_large_object_size
// and swift_store_large_object_chunk_size (MiB),
// swift_store_retry_get_count, swift_store_auth_insecure and
// swift_store_cacert act as in Glance. Auth version 2 and the
// multi-tenant mode are refused rather than ignored, as data would go
// elsewhere than the operator meant.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	if mt, err := opts.Bool("swift_store_multi_tenant", false); err != nil {
		return nil, err
	} else if mt {
		return nil, errors.New("swift_store_multi_tenant = True is not supported: images would go to each project's own account; set it to False")
	}
	o := Options{BackendID: backendID, Container: opts.String("swift_store_container", defaultContainer)}
	var caveats []string
	defVersion := strings.TrimSpace(opts.String("swift_store_auth_version", ""))
	if file := strings.TrimSpace(opts.String("swift_store_config_file", "")); file != "" {
		o.Reference = strings.TrimSpace(opts.String("default_swift_reference", defaultReference))
		refs, err := readReferences(file, defVersion)
		if err != nil {
			return nil, err
		}
		def, ok := refs[o.Reference]
		if !ok {
			return nil, fmt.Errorf("option default_swift_reference: swift_store_config_file %s has no section [%s] with auth_address, user and key", file, o.Reference)
		}
		o.AuthAddress, o.AuthVersion, o.User, o.Key = def.AuthAddress, def.AuthVersion, def.User, def.Key
		o.UserDomainID, o.UserDomainName = def.UserDomainID, def.UserDomainName
		o.ProjectDomainID, o.ProjectDomainName = def.ProjectDomainID, def.ProjectDomainName
		o.References = refs
		for _, name := range []string{"swift_store_auth_address", "swift_store_user", "swift_store_key"} {
			if _, set := opts[name]; set {
				caveats = append(caveats, name+" is set but not acted on: the account of ["+o.Reference+"] in swift_store_config_file is used")
			}
		}
	} else {
		v, err := authVersion("swift_store_auth_version", defVersion)
		if err != nil {
			return nil, err
		}
		o.AuthAddress = opts.String("swift_store_auth_address", "")
		o.AuthVersion = v
		o.User = opts.String("swift_store_user", "")
		o.Key = opts.String("swift_store_key", "")
	}
	switch v := opts.String("swift_store_endpoint_type", "publicURL"); v {
	case "publicURL", "public":
		o.Interface = "public"
	case "internalURL", "internal":
		o.Interface = "internal"
	case "adminURL", "admin":
		o.Interface = "admin"
	default:
		return nil, fmt.Errorf("option swift_store_endpoint_type: %q is not one of publicURL, internalURL, adminURL", v)
	}
	o.Region = opts.String("swift_store_region", "")
	o.Endpoint = strings.TrimSpace(opts.String("swift_store_endpoint", ""))
	var err error
	if o.CreateContainer, err = opts.Bool("swift_store_create_container_on_put", false); err != nil {
		return nil, err
	}
	if o.LargeObjectSize, err = opts.Int("swift_store_large_object_size", defaultLargeObjectSize); err != nil {
		return nil, err
	}
	if o.ChunkSize, err = opts.Int("swift_store_large_object_chunk_size", defaultChunkSize); err != nil {
		return nil, err
	}
	o.LargeObjectSize *= mib
	o.ChunkSize *= mib
	retries, err := opts.Int("swift_store_retry_get_count", 0)
	if err != nil {
		return nil, err
	}
	o.RetryGetCount = int(retries)
	if o.TLS, err = tlsConfig(opts); err != nil {
		return nil, err
	}
	d, err := New(o)
	if err != nil {
		return nil, err
	}
	d.caveats = append(caveats, ignored(opts)...)
	return d, nil
}

// authVersion reads an auth version: 1 or 3 ("" is 1).
func authVersion(option, v string) (int, error) {
	switch v {
	case "", "1", "1.0":
		return 1, nil
	case "3", "3.0":
		return 3, nil
	case "2", "2.0":
		return 0, fmt.Errorf("option %s: 2 (Keystone v2) is not supported: set 3 for Keystone v3, or 1 for tempauth-style auth", option)
	}
	return 0, fmt.Errorf("option %s: %q is not supported: only 1 (tempauth-style) and 3 (Keystone) are", option, v)
}

// readReferences reads the accounts of a swift references file, as
// glance_store does: each section with auth_address, user and key (keys
// of [DEFAULT] apply to every section); auth_version defaults to
// defVersion.
func readReferences(file, defVersion string) (map[string]Account, error) {
	f, err := ini.LoadSources(ini.LoadOptions{IgnoreInlineComment: true}, file)
	if err != nil {
		return nil, fmt.Errorf("option swift_store_config_file: %v", err)
	}
	def := f.Section(ini.DefaultSection)
	refs := map[string]Account{}
	for _, s := range f.Sections() {
		if s.Name() == ini.DefaultSection {
			continue
		}
		get := func(key string) string {
			if s.HasKey(key) {
				return s.Key(key).String()
			}
			return def.Key(key).String()
		}
		a := Account{
			AuthAddress: get("auth_address"), User: get("user"), Key: get("key"),
			UserDomainID: get("user_domain_id"), UserDomainName: get("user_domain_name"),
			ProjectDomainID: get("project_domain_id"), ProjectDomainName: get("project_domain_name"),
		}
		if a.AuthAddress == "" || a.User == "" || a.Key == "" {
			continue
		}
		v := get("auth_version")
		if v == "" {
			v = defVersion
		}
		if a.AuthVersion, err = authVersion("auth_version of ["+s.Name()+"] in "+file, strings.TrimSpace(v)); err != nil {
			return nil, err
		}
		refs[s.Name()] = a
	}
	return refs, nil
}

// tlsConfig is the TLS of swift_store_auth_insecure and
// swift_store_cacert; nil for Go's defaults.
func tlsConfig(opts store.Options) (*tls.Config, error) {
	insecure, err := opts.Bool("swift_store_auth_insecure", false)
	if err != nil {
		return nil, err
	}
	cacert := strings.TrimSpace(opts.String("swift_store_cacert", ""))
	if !insecure && cacert == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // the operator asked for it
	if cacert != "" && !insecure {
		pem, err := os.ReadFile(cacert)
		if err != nil {
			return nil, fmt.Errorf("option swift_store_cacert: %v", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("option swift_store_cacert: %s holds no PEM certificate", cacert)
		}
	}
	return c, nil
}

// ignored lists the options glance_store reads that this driver does
// not act on, when they are set to other than their defaults.
func ignored(opts store.Options) []string {
	var out []string
	for _, c := range []struct{ name, def, why string }{
		{"swift_store_service_type", "object-store", "the catalog's object-store endpoint is used"},
		{"swift_store_multiple_containers_seed", "0", "every image goes to swift_store_container"},
		{"swift_store_admin_tenants", "", "it applies only to the multi-tenant mode"},
		{"swift_store_ssl_compression", "true", "TLS compression is never used"},
		{"swift_store_use_trusts", "true", "it applies only to the multi-tenant mode"},
		{"swift_store_expire_soon_interval", "60", "the token is renewed a minute before it expires, or when refused"},
		{"swift_buffer_on_upload", "false", "segments are streamed, never buffered on disk"},
		{"swift_upload_buffer_dir", "", "segments are streamed, never buffered on disk"},
	} {
		if v, set := opts[c.name]; set && !strings.EqualFold(strings.TrimSpace(v), c.def) {
			out = append(out, c.name+" is set but not acted on in this version: "+c.why)
		}
	}
	return out
}
