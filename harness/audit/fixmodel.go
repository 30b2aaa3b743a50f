package audit

import (
	"sort"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// Suggested fixes speak the schema's own tenancy: when its policies tie
// rows to the caller through a function of the tenant key (a membership
// helper, has_role_on_account(account_id), or a claim function, account_id
// = current_account()), a fix uses that same predicate instead of
// assuming where the tenant id lives (app_metadata.tenant_id, a setting).

// tenancyCall is the schema's tenancy predicate: the user function that
// reads the caller which the application's policies most often apply to
// (or compare with) the tenant key, read with PostgreSQL's parser. Zero
// when no policy does.
func (e *env) tenancyCall() (sqltree.KeyCall, bool) {
	if e.keyCall != nil {
		return *e.keyCall, e.keyCall.Name != ""
	}
	count := map[sqltree.KeyCall]int{}
	for _, x := range e.appExprs() {
		key := e.tenantKey(x.rel)
		if key == "" {
			continue
		}
		kcs, err := sqltree.KeyCalls(x.expr)
		if err != nil {
			continue
		}
		for _, kc := range kcs {
			if kc.Column == key && e.caller(kc.Call) && kc.Name != "current_setting" {
				kc.Column = ""
				count[kc]++
			}
		}
	}
	var best []sqltree.KeyCall
	for kc := range count {
		best = append(best, kc)
	}
	sort.Slice(best, func(i, j int) bool {
		if count[best[i]] != count[best[j]] {
			return count[best[i]] > count[best[j]]
		}
		return best[i].String() < best[j].String()
	})
	e.keyCall = &sqltree.KeyCall{}
	if len(best) > 0 {
		e.keyCall = &best[0]
	}
	return *e.keyCall, e.keyCall.Name != ""
}

// tenancyPredicate is the schema's tenancy predicate over r's tenant key
// ("public.has_role_on_account(account_id)", "account_id =
// public.current_account()"); ok is false when the schema has none or r
// has no key column of its own.
func (e *env) tenancyPredicate(r *catalog.Relation) (string, bool) {
	kc, ok := e.tenancyCall()
	key := e.tenantKey(r)
	if !ok || key == "" {
		return "", false
	}
	fn := kc.String()
	if kc.Schema != "" {
		fn = catalog.QuoteQualified(kc.Schema, kc.Name)
	}
	if kc.Compared {
		return catalog.QuoteIdent(key) + " = " + fn + "()", true
	}
	return fn + "(" + catalog.QuoteIdent(key) + ")", true
}

// callerPredicate is what ties rows of r to the caller, for a function
// body's WHERE: the schema's tenancy predicate, else the isolating one.
func (e *env) callerPredicate(r *catalog.Relation) string {
	return e.isolating(r)
}
