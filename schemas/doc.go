// Package schemas holds the JSON schemas the API serves at /v2/schemas/*
// and validates request bodies against. They are kept as the documents
// Glance serves, key order included, because clients (glanceclient in
// particular) download them and validate their own requests with them.
package schemas
