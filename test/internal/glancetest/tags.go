package glancetest

// serverTags are the build tags of this test binary that change what
// the server serves (the files setting them carry the same tags), so
// that the server under test is built as the tests were: with
// -tags ceph,pacific the tests and the server both have the rbd store.
var serverTags []string
