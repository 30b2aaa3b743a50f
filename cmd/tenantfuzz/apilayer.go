package main

import (
	"context"
	"fmt"

	"github.com/tenantfuzz/tenantfuzz/harness/api"
	"github.com/tenantfuzz/tenantfuzz/harness/pg"
)

// openAPI starts the API layer's environment (its own database with the
// reference schema, from the run's provider) unless --api=false, a user
// schema, overlays or a DSN make the reference service beside the point
// (apiOff says why). The service itself is started per property run on
// loopback and stopped after it.
func openAPI(ctx context.Context, o options, provider string) (*api.Env, error) {
	if apiOff(o, provider) != "" || !o.wantsAPI() {
		return nil, nil
	}
	var start func(context.Context) (*pg.Database, error)
	if provider == "docker" {
		start = func(ctx context.Context) (*pg.Database, error) { return pg.StartDocker(ctx, pg.DockerOptions{}) }
	}
	env, err := api.NewEnv(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("start the API layer's database: %w", err)
	}
	return env, nil
}

// wantsAPI reports whether the run selects an API property (all when
// --property is not given): no database is started for a run that checks
// none.
func (o options) wantsAPI() bool {
	if len(o.properties) == 0 {
		return true
	}
	for _, n := range o.properties {
		if api.PropertyByName(n) != nil {
			return true
		}
	}
	return false
}

// apiOff says why a run has no API service under test ("" when it has
// one).
func apiOff(o options, provider string) string {
	switch {
	case !o.apiLayer:
		return "--api=false"
	case o.schema != "":
		return "the API properties check the reference service, which serves the reference schema's documents; a custom schema (--schema) has no such service here (tenantfuzz api --url checks your own service)"
	case provider == "dsn":
		return "the API layer starts its own server (embedded or docker) with the reference schema, which a --dsn run cannot"
	case len(o.overlays) > 0:
		return "the overlays change the reference schema, and the API layer's database is built from the reference schema alone"
	}
	return ""
}
