package catalog

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Membership is membership tenancy: the identity in the context is a
// user, and a user belongs to the tenants named in the rows of a
// membership table (account_user(user_id, account_id, role)). A user sees
// the rows of every tenant it is a member of; "foreign" rows are those of
// tenants it is not.
type Membership struct {
	Table        *Relation
	UserColumn   string // the user's id (references auth.users, typically)
	TenantColumn string // the tenant the user belongs to
	// Users is the table UserColumn references ("" when none).
	Users string
	By    string // "detected" or "--membership"
	// Why says what the detection saw (or that the flag named it).
	Why string
}

// String renders the membership as the flag takes it:
// account_user(user_id, account_id).
func (m *Membership) String() string {
	return fmt.Sprintf("%s(%s, %s)", m.Table, m.UserColumn, m.TenantColumn)
}

// OwnSet is the SQL a tenant key is compared with (key = OwnSet) to hold
// for the tenants the user belongs to, as the membership table says at
// the time it runs (so memberships the schema's own triggers created,
// such as a personal account, count too).
func (m *Membership) OwnSet(userLit string) string {
	return "ANY (ARRAY(SELECT " + QuoteIdent(m.TenantColumn) + " FROM " + m.Table.QualifiedName() +
		" WHERE " + QuoteIdent(m.UserColumn) + " = " + userLit + "))"
}

// TenancyModel says, in one line, how rows are attributed to tenants and
// who the context names: "column (tenant_id)", "column (tenant_id) and
// parent", or "membership: account_user(user_id, account_id), detected:
// ..." (the summary's tenancy line and report scope.tenancy_model).
func (c *Catalog) TenancyModel() string {
	parent := false
	for _, r := range c.Relations {
		if r.Parent != nil {
			parent = true
		}
	}
	model := "column (" + c.TenantColumn + ")"
	if parent {
		model += " and parent (foreign-key paths)"
	}
	if m := c.Membership; m != nil {
		return "membership: users belong to tenants through " + m.String() + " (" + m.By + ": " + m.Why + "); rows by " + model
	}
	return model + ": the context names a tenant"
}

var membershipFlagRE = regexp.MustCompile(`^\s*([\w$."]+)\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*$`)

// declareMembership resolves --membership 'TABLE(user_col, tenant_col)'.
func (c *Catalog) declareMembership(spec string) error {
	m := membershipFlagRE.FindStringSubmatch(spec)
	if m == nil {
		return fmt.Errorf("--membership %q: write it as TABLE(user_column, tenant_column), e.g. account_user(user_id, account_id)", spec)
	}
	r := c.Relation(strings.ReplaceAll(m[1], `"`, ""))
	if r == nil || !r.IsTable() {
		return fmt.Errorf("--membership %s: no table %s in the schema", spec, m[1])
	}
	for _, col := range []string{m[2], m[3]} {
		if r.Column(col) == nil {
			return fmt.Errorf("--membership %s: %s has no column %q", spec, r, col)
		}
	}
	if !c.Owned(r) {
		return fmt.Errorf("--membership %s: %s belongs to no tenant (no %q column, no foreign key to a tenant table): pass the --tenant-column its tenant column is", spec, r, c.TenantColumn)
	}
	c.Membership = &Membership{Table: r, UserColumn: m[2], TenantColumn: m[3], Users: r.refTable(m[2]), By: "--membership", Why: "named by the flag"}
	return nil
}

// refTable is the table a single-column foreign key on col references.
func (r *Relation) refTable(col string) string {
	for _, fk := range r.ForeignKeys {
		if len(fk.Columns) == 1 && fk.Columns[0] == col {
			return fk.RefTable
		}
	}
	return ""
}

// detectMembership finds a membership table: a table with the tenant
// column (or a key to the tenants table) and a user column (a foreign key
// to a table that belongs to no tenant, such as auth.users) that the
// policies read, directly (a subquery or join in USING / WITH CHECK) or
// through a function they call (typically a SECURITY DEFINER helper such
// as has_role_on_account(account_id)). It is found only when some policy
// also reads the user identity (auth.uid(), or a setting through a
// function the harness sees reading the table).
//
// Limits: names are matched as words in the policy text and function
// bodies, one call deep; a membership read through dynamic SQL or two
// helper functions deep is not seen (pass --membership). With several
// candidates, the one most policies read wins, then the first by name.
func (c *Catalog) detectMembership() {
	type cand struct {
		r               *Relation
		user, tenant    string
		direct, through []string // policy tables reading it, helper functions
	}
	var cands []*cand
	for _, r := range c.Relations {
		if !r.IsTable() || r == c.TenantsTable || !c.Owned(r) {
			continue
		}
		tenant := r.TenantColumn
		if tenant == "" && c.TenantsTable != nil {
			for _, fk := range r.ForeignKeys {
				if len(fk.Columns) == 1 && fk.RefTable == c.TenantsTable.Schema+"."+c.TenantsTable.Name {
					tenant = fk.Columns[0]
				}
			}
		}
		if tenant == "" {
			continue
		}
		user := ""
		for _, fk := range r.ForeignKeys {
			ref := c.Relation(fk.RefTable)
			if len(fk.Columns) == 1 && fk.Columns[0] != tenant && ref != nil && !c.Owned(ref) && r.notNull(fk.Columns) {
				user = fk.Columns[0]
				break
			}
		}
		if user == "" {
			continue
		}
		cands = append(cands, &cand{r: r, user: user, tenant: tenant})
	}
	if len(cands) == 0 {
		return
	}
	for _, cd := range cands {
		name := regexp.MustCompile(`(?i)(^|[^\w$])` + regexp.QuoteMeta(cd.r.Name) + `($|[^\w$])`)
		var helpers []*Function
		for _, f := range c.Functions {
			if f.Schema != "auth" && f.Schema != "extensions" && name.MatchString(f.Source) {
				helpers = append(helpers, f)
			}
		}
		seenFn := map[string]bool{}
		for _, r := range c.Relations {
			for _, p := range r.Policies {
				text := p.Using + " " + p.WithCheck
				if !readsUser(text) && !callsAny(text, helpers) {
					continue
				}
				if name.MatchString(text) && r != cd.r {
					cd.direct = append(cd.direct, r.String())
				}
				for _, f := range helpers {
					if calls(text, f) && !seenFn[f.Name] {
						seenFn[f.Name] = true
						what := f.Name + "()"
						if f.SecurityDefiner {
							what += " (SECURITY DEFINER)"
						}
						cd.through = append(cd.through, what)
					}
				}
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		return len(cands[i].direct)+len(cands[i].through) > len(cands[j].direct)+len(cands[j].through)
	})
	best := cands[0]
	if len(best.direct)+len(best.through) == 0 {
		return
	}
	var why []string
	if len(best.through) > 0 {
		why = append(why, "policies call "+strings.Join(best.through, ", ")+", which read "+best.r.String())
	}
	if len(best.direct) > 0 {
		why = append(why, "policies on "+strings.Join(uniq(best.direct), ", ")+" read "+best.r.String()+" directly")
	}
	c.Membership = &Membership{Table: best.r, UserColumn: best.user, TenantColumn: best.tenant,
		Users: best.r.refTable(best.user), By: "detected", Why: strings.Join(why, "; ")}
}

var userIdentityRE = regexp.MustCompile(`(?i)auth\.uid\(\)|current_user_id|request\.jwt|user_id`)

// readsUser reports whether policy text reads a user identity.
func readsUser(text string) bool { return userIdentityRE.MatchString(text) }

func callsAny(text string, fs []*Function) bool {
	for _, f := range fs {
		if calls(text, f) {
			return true
		}
	}
	return false
}

func calls(text string, f *Function) bool {
	return regexp.MustCompile(`(?i)(^|[^\w$])` + regexp.QuoteMeta(f.Name) + `\s*\(`).MatchString(text)
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
