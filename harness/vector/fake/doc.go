// Package fake is an in-process fake of Pinecone's data plane: a gRPC
// server on loopback (plaintext) that the real go-pinecone client talks to
// unmodified, so the adapter in harness/vector/store is exercised for real
// and the same code runs against Pinecone or Pinecone Local by changing the
// host.
//
// No copy of Pinecone's .proto or generated code lives here: importing
// go-pinecone's pinecone package registers its file descriptors, the server
// looks the VectorService up in protoregistry.GlobalFiles by name and serves
// it with dynamicpb messages and a hand-built grpc.ServiceDesc. Requests are
// turned into plain Go values through protojson, so the semantics (index.go,
// filter.go, metric.go, limits.go) are ordinary Go code.
//
// Semantics reproduced, from Pinecone's documentation (and, where marked
// "observed", from public bug reports): namespaces created on first upsert,
// "" and "__default__" are one namespace; ids unique per namespace, upsert
// replaces the record, update merges metadata; fetch, list, delete and query
// by id are scoped to one namespace; the filter language ($eq $ne $gt $gte
// $lt $lte $in $nin $exists $and $or, a bare value meaning $eq, string lists
// matching any element); the metrics cosine, dotproduct (higher first) and
// euclidean (squared distance, lower first); the documented limits, refused
// with gRPC codes (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
// UNAUTHENTICATED). The fake is strongly consistent: what Pinecone makes
// visible eventually, it makes visible at once.
package fake
