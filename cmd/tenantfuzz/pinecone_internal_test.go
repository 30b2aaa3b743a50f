package main

import (
	"strings"
	"testing"
)

// TestCheckPinecone: checkPinecone passes with a host and a key, and for
// every other backend without either; --pinecone-metric takes the three
// metrics, with --vector pinecone only.
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
	t.Setenv("PINECONE_API_KEY", "pk-v7-secret")
	for _, m := range []string{"cosine", "dotproduct", "euclidean"} {
		if err := checkPinecone(options{vector: "pinecone", pineconeHost: "localhost:5081", pineconeMetric: m}); err != nil {
			t.Errorf("--pinecone-metric %s: %v", m, err)
		}
	}
	for _, o := range []options{
		{vector: "pinecone", pineconeHost: "localhost:5081", pineconeMetric: "hamming"},
		{vector: "fake", pineconeMetric: "dotproduct"},
	} {
		if err := checkPinecone(o); err == nil || !strings.Contains(err.Error(), "--pinecone-metric") {
			t.Errorf("%+v: %v, want a refusal naming --pinecone-metric", o, err)
		}
	}
	o := options{vector: "pinecone", pineconeHost: "localhost:5081", pineconeMetric: "euclidean"}
	if got := o.replayBase(); !strings.Contains(got, "--pinecone-metric euclidean") {
		t.Errorf("the replay line loses the metric: %s", got)
	}
}
