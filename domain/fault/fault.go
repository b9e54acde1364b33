// Package fault lets tests stop the process at a named step of its work,
// as a crash (kill -9, power loss) would, to check what a restart makes
// of the state left behind. A real crash cannot be scheduled, so the
// code that writes durable state names its steps with Crash.
//
// Without the faultinject build tag Crash does nothing and costs
// nothing. A binary built with -tags faultinject kills itself with
// SIGKILL at the step named by the GLANCE_FAULT_CRASH environment
// variable.
package fault

// Steps of an upload, in order.
const (
	UploadSaving  = "upload-saving"  // the image row moved to saving
	UploadPartial = "upload-partial" // part of the data written
	UploadSynced  = "upload-synced"  // all data synced, not yet named
	UploadLinked  = "upload-linked"  // the data has its final name
	UploadStored  = "upload-stored"  // the store returned its location
	UploadActive  = "upload-active"  // the row is active, no reply yet
)
