package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
)

// checkPinecone refuses --vector pinecone without an index host or
// PINECONE_API_KEY before anything starts (exit 2, one line): a gate whose
// vector properties were silently skipped must not end green. The message
// names what is missing, never the key's value. It checks presence only:
// a wrong host or key fails later, when the index is reached.
//
// --pinecone-metric must name a metric, and only with --vector pinecone:
// the fake index's metric is the harness's own.
func checkPinecone(o options) error {
	if o.pineconeMetric != "" {
		if o.vector != "pinecone" {
			return fmt.Errorf("--pinecone-metric applies to --vector pinecone only (the fake index is cosine); drop it or add --vector pinecone")
		}
		if !slices.Contains([]string{fake.Cosine, fake.DotProduct, fake.Euclidean}, o.pineconeMetric) {
			return fmt.Errorf("--pinecone-metric %q: want cosine, dotproduct or euclidean, the metric the index was created with", o.pineconeMetric)
		}
	}
	if o.vector != "pinecone" {
		return nil
	}
	var missing []string
	if o.pineconeHost == "" {
		missing = append(missing, "--pinecone-host")
	}
	if os.Getenv("PINECONE_API_KEY") == "" {
		missing = append(missing, "PINECONE_API_KEY")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("--vector pinecone needs %s (an index host, and any key for Pinecone Local); use --vector fake or --vector none to run without Pinecone",
		strings.Join(missing, " and "))
}
