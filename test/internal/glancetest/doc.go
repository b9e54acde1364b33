// Package glancetest runs image servers as real processes for the
// end-to-end and interoperability tests: it builds the glance binary once
// per test process, writes glance-api.conf files, starts servers on free
// loopback ports, waits until they answer, stops them at the end of the
// test and shows their logs when a test fails. It also has a small HTTP
// client for the Image API v2 calls those tests make.
package glancetest
