package store

import (
	"net"
	"strings"
)

// NormalizeHost returns an index host as go-pinecone wants it. A host with
// a scheme is kept; one without a scheme is a loopback Pinecone Local index
// (whose describe_index hosts come without one) when it names localhost or
// a loopback address, and gets http:// (plaintext gRPC); any other host is
// left for go-pinecone to reach over TLS.
func NormalizeHost(host string) string {
	host = strings.TrimSpace(host)
	if host == "" || strings.Contains(host, "://") {
		return host
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return "http://" + host
	}
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil && ip.IsLoopback() {
		return "http://" + host
	}
	return host
}
