package main

import (
	"fmt"
	"os"
	"strings"
)

// checkPinecone refuses --vector pinecone without an index host or
// PINECONE_API_KEY before anything starts (exit 2, one line): a gate whose
// vector properties were silently skipped must not end green. The message
// names what is missing, never the key's value. It checks presence only:
// a wrong host or key fails later, when the index is reached.
func checkPinecone(o options) error {
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
