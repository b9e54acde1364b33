// Package configs reads glance-api.conf, the oslo.config INI file Glance
// and Kolla already use, into typed structs.
//
// Option, section and file semantics follow oslo.config so an existing
// deployment's files load unchanged: --config-file values are read in order
// and a later file overrides an earlier one, every *.conf file of a
// --config-dir is read after them in name order, section names other than
// DEFAULT are case-insensitive, option names are not, and the last value of
// a repeated option wins. Options that are not set take Glance's defaults,
// so the server runs with no file at all.
//
// Every option the service understands is one line in a declarative table
// (options.go); values are checked against Glance's bounds and choices when
// loading, so a bad value stops startup with a message naming the section,
// the option and the value. Options nobody reads are reported, not refused.
package configs
