// Package rbacmatrix is the RBAC matrix of the Image API: every image,
// data, tag and member operation × the admin, member and reader of the
// owner's project and of another project × an image that is private,
// shared with the other project (pending, accepted, rejected),
// community or public, under the secure-RBAC and the legacy policy
// defaults.
//
// The expected outcome of every cell comes from one description of
// Glance's (Zed's) semantics in model.go: who passes which policy rule,
// whether the caller sees the image at all, and the checks each
// operation makes in Glance's order, 404-vs-403 masking included. The
// cells are the full cross product, so none can be forgotten. Run
// performs the cells against a keystone-flavored server with real
// Keystone tokens, each on an image set up for it, and Check compares
// what came back with the description, printing the table of a mode
// where any cell differs.
package rbacmatrix
