// Package policy decides, per API operation, whether a caller may act,
// using Glance's rule names (get_image, modify_image, ...) evaluated by a
// casbin enforcer, and decorates the domain services with those checks.
package policy
