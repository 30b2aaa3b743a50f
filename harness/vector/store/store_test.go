package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantfuzz/tenantfuzz/harness/vector/fake"
	"github.com/tenantfuzz/tenantfuzz/harness/vector/store"
)

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:5081":                   "http://localhost:5081",
		"127.0.0.1:5082":                   "http://127.0.0.1:5082",
		"[::1]:5083":                       "http://[::1]:5083",
		"http://localhost:5081":            "http://localhost:5081",
		"https://idx-abc.svc.pinecone.io":  "https://idx-abc.svc.pinecone.io",
		"idx-abc.svc.us-east1.pinecone.io": "idx-abc.svc.us-east1.pinecone.io",
		" localhost ":                      "http://localhost",
		"":                                 "",
	} {
		if got := store.NormalizeHost(in); got != want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func start(t *testing.T, opts fake.Options) *fake.Server {
	t.Helper()
	srv, err := fake.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestAdapterRoundTripWithSettle(t *testing.T) {
	srv := start(t, fake.Options{Dimension: 3, APIKey: "k"})
	ctx := context.Background()
	// The settle path polls the consistent fake: every wait ends at once.
	s, err := store.NewPinecone(srv.Host(), "k", store.Options{Settle: time.Second, PollEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs := []store.Record{
		{ID: "a", Values: []float32{1, 0, 0}, Metadata: store.Metadata{"genre": "x", "tags": []any{"p", "q"}, "n": 2.5, "ok": true}},
		{ID: "b", Values: []float32{0, 1, 0}},
	}
	if n, err := s.Upsert(ctx, "", recs); err != nil || n != 2 {
		t.Fatalf("upsert = %d, %v", n, err)
	}
	got, err := s.Fetch(ctx, store.DefaultNamespace, []string{"a", "b", "zz"})
	if err != nil || len(got) != 2 || got["a"].Metadata["genre"] != "x" || got["a"].Metadata["n"] != 2.5 {
		t.Fatalf("fetch = %+v, %v", got, err)
	}
	ms, err := s.Query(ctx, "", store.Query{Vector: []float32{1, 0.1, 0}, TopK: 1, IncludeMetadata: true})
	if err != nil || len(ms) != 1 || ms[0].ID != "a" || ms[0].Metadata["ok"] != true {
		t.Fatalf("query = %+v, %v", ms, err)
	}
	if err := s.Update(ctx, "", "a", []float32{0, 0, 1}, store.Metadata{"genre": "y"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFilter(ctx, "", store.Filter{"genre": "y"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIDs(ctx, "", []string{"b"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Total != 0 || st.Dimension != 3 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
}

func TestAdapterNeedsTheKeyTheServerWants(t *testing.T) {
	srv := start(t, fake.Options{APIKey: "right"})
	s, err := store.NewPinecone(srv.Host(), "wrong", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Stats(context.Background()); err == nil {
		t.Fatal("a wrong api key was accepted")
	}
}

func TestNoHost(t *testing.T) {
	if _, err := store.NewPinecone("", "", store.Options{}); err != store.ErrNoHost {
		t.Fatalf("err = %v, want ErrNoHost", err)
	}
}
