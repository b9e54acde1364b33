//go:build !faultinject

package fault

// Crash does nothing: the binary was built without faultinject.
func Crash(step string) {}
