// Package gateway is the HTTP face of the image service: echo routing,
// version negotiation, request decoding and schema checks, response
// shaping, the one error-to-HTTP table and the auth middleware. It knows
// the domain's services and the schemas, never the database or stores.
package gateway
