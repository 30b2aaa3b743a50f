package reports

import "testing"

// TestWithLoadedWorld: merged settings take the load figures of the shard
// that loaded the large world, without changing either shard's settings.
func TestWithLoadedWorld(t *testing.T) {
	none := &Settings{Checks: 5, LargeWorld: &LargeWorld{Tenants: 10, RowsPerTenant: 2, Checks: 5}}
	loaded := &Settings{Checks: 5, LargeWorld: &LargeWorld{Tenants: 10, RowsPerTenant: 2, Checks: 5, RowsLoaded: 70, LoadSeconds: 0.5}}
	got := withLoadedWorld(none, loaded)
	if got.LargeWorld.RowsLoaded != 70 || got.LargeWorld.LoadSeconds != 0.5 || none.LargeWorld.RowsLoaded != 0 {
		t.Errorf("merged %+v, first shard now %+v", got.LargeWorld, none.LargeWorld)
	}
	if got := withLoadedWorld(loaded, none); got != loaded {
		t.Errorf("a loaded world's figures were replaced: %+v", got.LargeWorld)
	}
	if got := withLoadedWorld(&Settings{}, loaded); got.LargeWorld != nil {
		t.Errorf("a run without a large world got one: %+v", got.LargeWorld)
	}
}
