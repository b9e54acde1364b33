// Package domain holds the image service's entities, the services that
// operate on them, and the ports (repositories, stores, sinks) that the
// outer packages implement. It imports only the standard library: every
// other package of the service points inward to this one.
package domain
