package main

import "testing"

// TestCheckPinecone: checkPinecone passes with a host and a key, and for
// every other backend without either.
func TestCheckPinecone(t *testing.T) {
	t.Setenv("PINECONE_API_KEY", "pk-v7-secret")
	if err := checkPinecone(options{vector: "pinecone", pineconeHost: "localhost:5081"}); err != nil {
		t.Errorf("host and key given: %v", err)
	}
	if err := checkPinecone(options{vector: "pinecone"}); err == nil {
		t.Error("no host: accepted")
	}
	if err := checkPinecone(options{vector: "pinecone", pineconeHost: "localhost:5081"}); err != nil {
		t.Errorf("host and key given: %v", err)
	}
	t.Setenv("PINECONE_API_KEY", "")
	for _, v := range []string{"fake", "none", ""} {
		if err := checkPinecone(options{vector: v}); err != nil {
			t.Errorf("--vector %q: %v", v, err)
		}
	}
}
