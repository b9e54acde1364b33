// Package notifier tells the notification bus what happened to images,
// after it happened: decorators around the domain services emit Glance's
// events (image.create, image.update, ...) once an operation succeeded,
// and never fail the request. Sinks deliver them.
package notifier
