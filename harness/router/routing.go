package router

import (
	"context"

	"github.com/tenantfuzz/tenantfuzz/harness"
	"pgregory.net/rapid"
)

// RoutingIsolation is the property: for any world of 2-5 tenants with
// random tiers (shared; dedicated, each in a database of its own; or a
// tier outside the contract, whose rows sit in a dedicated database) and
// any sequence of requests with the hosts browsers send (each tenant's
// own host, or a slug nobody has), reading every tenant table and
// sometimes writing a document and a chunk:
//   - a request for an unknown host, slug or tier is refused, and a
//     request of a shared or dedicated tenant is served;
//   - a served request runs on its tenant's database, with its tenant's
//     context, and sees exactly its tenant's rows there;
//   - a connection borrowed for a request carries no earlier context, and
//     no tenant id or slug reaches the SQL text the router sends;
//   - after every request, each database holds rows only of the tenants
//     whose home it is (the shared directory excepted).
//
// Where a request ran and as whom is read from the server inside the
// request (tenantfuzz.database, app.tenant_id), never taken from the
// router. Limits: requests run one at a time (the migration property has
// concurrent ones); the router's lookups of the directory are checked for
// formatting but not for their own isolation.
var RoutingIsolation = &Property{
	Name:    "routing-isolation",
	Title:   "each request runs only in its tenant's database, and tiers keep their rows apart",
	Labels:  []string{"routing", "level3", "soc2:CC6.1"},
	Subject: "router",
	check: func(ctx context.Context, env *Env, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		return requestsCheck(ctx, env, opts, st, "routing-isolation", plainCallGen)
	},
}

// HostileHosts is the property: Host values bent by the tricks of docs/leaks.md entry 39
// (upper and mixed case, a trailing dot, a port, extra labels such as
// evil.enterprise-client.example.test, another zone, unicode look-alikes
// and letters that fold to ASCII, empty, double dots, userinfo) reach at
// most the tenant the unbent host names, on that tenant's database, and
// hosts that name no tenant are refused. Refusing a name-preserving
// variant (case, dot, port) is allowed. Every check of RoutingIsolation
// applies too. Limits: the variants are those listed; internationalised
// (punycode) enterprise hosts are not modelled.
var HostileHosts = &Property{
	Name:    "hostile-hosts",
	Title:   "a hostile Host value never reaches another tenant's data",
	Labels:  []string{"routing", "level3", "hostile", "soc2:CC6.1"},
	Subject: "router",
	check: func(ctx context.Context, env *Env, opts harness.RunOptions, st *harness.CheckState) func(*rapid.T) {
		return requestsCheck(ctx, env, opts, st, "hostile-hosts", hostileCallGen)
	},
}

// requestsCheck is the body both request properties share: a world, then
// requests drawn by gen, each judged and followed by the placement check.
func requestsCheck(ctx context.Context, env *Env, opts harness.RunOptions, st *harness.CheckState, name string,
	gen func(*world, string) *rapid.Generator[hostCall]) func(*rapid.T) {
	sb := &shrinkBudget{limit: opts.ShrinkTime}
	return func(rt *rapid.T) {
		if st.Expired(opts.Deadline) || sb.spent() {
			return
		}
		w := worldGen(env, worldOptions{maxTenants: 5, outside: len(env.Dedicated)}).Draw(rt, "world")
		c, err := newChecker(ctx, env, w, name)
		if err != nil {
			sb.failed()
			st.Fail(rt, nil, err)
			return
		}
		n := rapid.IntRange(1, 2*opts.Statements).Draw(rt, "requests")
		for i := 0; i < n; i++ {
			call := gen(w, env.Zone).Draw(rt, "request")
			f, err := c.step(ctx, call)
			if err != nil || f != nil {
				st.Count(c.stats)
				sb.failed()
				st.Fail(rt, f, err)
				return
			}
		}
		st.Count(c.stats)
	}
}

// step serves one request synchronously, judges it against where its
// tenant's rows are, and checks the placement invariant.
func (c *checker) step(ctx context.Context, call hostCall) (*harness.Finding, error) {
	c.w.serial++
	want, expect := "", map[string]int{}
	if call.Names >= 0 {
		want, expect = c.home(call.Names), c.expected(call.Names)
	}
	o := c.run(ctx, call, c.w.serial)
	if f, err := c.judge(o, want, expect); err != nil || f != nil {
		return f, err
	}
	return c.placement(ctx)
}
