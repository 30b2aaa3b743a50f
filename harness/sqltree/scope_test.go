package sqltree_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantfuzz/tenantfuzz/harness/sqltree"
)

// readsCaller stands for the audit's resolution: auth.uid() and the
// membership helper read who is asking.
func readsCaller(c sqltree.Call) bool {
	return c.Name == "uid" || c.Name == "has_role_on_account" || c.Name == "current_setting"
}

func accesses(t *testing.T, lang, src string) []string {
	t.Helper()
	as, err := sqltree.Accesses(lang, src, readsCaller)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s %s tied=%v", a.Kind, a.Table, a.Tied))
	}
	return out
}

func plpgsql(body string) string {
	return "CREATE FUNCTION f(account_id uuid) RETURNS void LANGUAGE plpgsql AS $$\n" + body + "\n$$"
}

// TestAccesses: statements tied to the caller (a WHERE conjunct relating
// rows to auth.uid() or a membership helper, an IF guard that raises, an
// enclosing IF) are told from those that are not (no such conjunct, a
// test of the caller alone, an OR with an open branch, a guard that only
// checks the caller is signed in).
func TestAccesses(t *testing.T) {
	cases := []struct {
		name, lang, src string
		want            []string
	}{
		{"where ties", "sql", "SELECT account_id FROM account_user wu WHERE wu.user_id = auth.uid() AND wu.account_role = $1",
			[]string{"SELECT account_user tied=true"}},
		{"exists subquery", "sql", "SELECT EXISTS (SELECT 1 FROM account_user wu WHERE wu.user_id = auth.uid() AND wu.account_id = $1)",
			[]string{"SELECT account_user tied=true"}},
		{"helper in where", "sql", "SELECT * FROM notes n WHERE has_role_on_account(n.account_id)",
			[]string{"SELECT notes tied=true"}},
		{"join condition ties", "sql", "SELECT n.* FROM notes n JOIN account_user au ON au.account_id = n.account_id AND au.user_id = auth.uid()",
			[]string{"SELECT notes tied=true", "SELECT account_user tied=true"}},
		{"untied", "sql", "SELECT * FROM accounts a WHERE a.slug = $1",
			[]string{"SELECT accounts tied=false"}},
		{"caller alone", "sql", "SELECT * FROM notes WHERE auth.uid() IS NOT NULL",
			[]string{"SELECT notes tied=false"}},
		{"open OR", "sql", "SELECT account_id FROM account_user wu WHERE wu.user_id = auth.uid() OR $1 IS NULL",
			[]string{"SELECT account_user tied=false"}},
		{"update and delete", "sql", "UPDATE notes SET body = '' WHERE id = $1; DELETE FROM notes WHERE has_role_on_account(account_id)",
			[]string{"UPDATE notes tied=false", "DELETE notes tied=true"}},
		{"guard", "plpgsql", plpgsql("BEGIN IF NOT has_role_on_account(f.account_id) THEN RAISE EXCEPTION 'no'; END IF; UPDATE notes SET body = '' WHERE notes.account_id = f.account_id; END;"),
			[]string{"UPDATE notes tied=true"}},
		{"signed-in guard", "plpgsql", plpgsql("BEGIN IF auth.uid() IS NULL THEN RAISE EXCEPTION 'no'; END IF; PERFORM 1 FROM notes n WHERE n.account_id = f.account_id; END;"),
			[]string{"SELECT notes tied=false"}},
		{"enclosing IF", "plpgsql", plpgsql("BEGIN IF NEW.owner = auth.uid() THEN INSERT INTO account_user VALUES (NEW.id, auth.uid()); END IF; INSERT INTO log VALUES (1); END;"),
			[]string{"INSERT account_user tied=true", "INSERT log tied=false"}},
		{"statement before the guard", "plpgsql", plpgsql("BEGIN PERFORM 1 FROM notes; IF NOT has_role_on_account(f.account_id) THEN RAISE EXCEPTION 'no'; END IF; END;"),
			[]string{"SELECT notes tied=false"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := accesses(t, c.lang, c.src); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if _, err := sqltree.Accesses("plpython3u", "return 1", readsCaller); err == nil {
		t.Error("a body in another language is read without an error")
	}
}

// TestKeyCalls: a policy's tie of a column to a function, in both forms.
func TestKeyCalls(t *testing.T) {
	kcs, err := sqltree.KeyCalls("(public.has_role_on_account(account_id) AND (owner_id = auth.uid()) AND (team_id = (current_team())::uuid))")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range kcs {
		got = append(got, fmt.Sprintf("%s %s %v", k.Call, k.Column, k.Compared))
	}
	want := []string{"public.has_role_on_account account_id false", "auth.uid owner_id true", "current_team team_id true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestBlankComments: comments become spaces (newlines kept), wherever the
// server's scanner finds them: also inside dollar-quoted bodies, never
// inside strings or quoted identifiers; a dollar-quoted string that is
// not SQL is kept as it is.
func TestBlankComments(t *testing.T) {
	src := "a -- b 'c\n'd -- e' /* f\ng */ h $$ x -- y\n $$ \"q--\" E'\\'--' $t$ it's /* z */ $t$"
	// the last dollar-quoted string is not SQL (an unbalanced quote): kept
	want := "a        \n'd -- e'     \n     h $$ x     \n $$ \"q--\" E'\\'--' $t$ it's /* z */ $t$"
	if got := sqltree.BlankComments(src); got != want {
		t.Errorf("BlankComments:\n got %q\nwant %q", got, want)
	}
}

// TestColumnRefs: each reference carries the FROM lists around it,
// innermost first, so that callers resolve bare names as PostgreSQL does.
func TestColumnRefs(t *testing.T) {
	refs, err := sqltree.ColumnRefs("(EXISTS (SELECT 1 FROM account_user m WHERE ((m.user_id = auth.uid()) AND (m.account_id = account_id)))) AND (notes.body <> ''::text)")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		s := r.Qualifier + "." + r.Name
		for _, sc := range r.Scopes {
			for _, tb := range sc {
				s += " in " + tb.Name + " as " + tb.Alias
			}
		}
		got = append(got, s)
	}
	want := []string{"m.user_id in account_user as m", "m.account_id in account_user as m", ".account_id in account_user as m", "notes.body"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestInsertRows: an INSERT's access carries its target columns, its
// VALUES (which read the caller, which are bare variables) and the
// variables RETURNING ... INTO fills, for the audit to tell a team's
// creation from a write into any tenant.
func TestInsertRows(t *testing.T) {
	src := `CREATE FUNCTION create_account(p_slug text, p_name text) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE new_id uuid;
BEGIN
    INSERT INTO public.accounts (slug, name, primary_owner_user_id) VALUES (p_slug, p_name, auth.uid()) RETURNING id INTO new_id;
    INSERT INTO account_user (account_id, user_id, account_role) VALUES (new_id, auth.uid(), 'owner') ON CONFLICT (user_id, account_id) DO UPDATE SET account_role = 'owner';
    RETURN new_id;
END $$`
	as, err := sqltree.Accesses("plpgsql", src, readsCaller)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Insert == nil || as[1].Insert == nil {
		t.Fatalf("accesses %+v, want two INSERTs", as)
	}
	acc, mem := as[0].Insert, as[1].Insert
	if strings.Join(acc.Returning, ",") != "id" || strings.Join(acc.Into, ",") != "new_id" || acc.Upsert {
		t.Errorf("accounts insert: returning %v into %v upsert %v", acc.Returning, acc.Into, acc.Upsert)
	}
	if v, ok := acc.Value(0, "primary_owner_user_id", nil); !ok || v.Caller != "auth.uid()" {
		t.Errorf("primary_owner_user_id value %+v, %v: want the caller", v, ok)
	}
	if v, ok := acc.Value(0, "slug", nil); !ok || v.Var != "p_slug" || v.Caller != "" {
		t.Errorf("slug value %+v, %v: want the variable p_slug", v, ok)
	}
	if v, ok := mem.Value(0, "account_id", nil); !ok || v.Var != "new_id" || !mem.Upsert {
		t.Errorf("account_user insert: account_id %+v, %v, upsert %v", v, ok, mem.Upsert)
	}
}

// TestParams: which parameters a function body reads (by name, qualified
// with the function's name, or by position), in SQL and PL/pgSQL; a name
// qualified with a table alias is the table's column, not the parameter.
func TestParams(t *testing.T) {
	for _, c := range []struct{ def, want string }{
		{`CREATE FUNCTION public.has_role_on_account(account_id uuid, account_role text DEFAULT NULL) RETURNS boolean LANGUAGE sql AS $$
  SELECT EXISTS (SELECT 1 FROM account_user wu WHERE wu.user_id = auth.uid() AND wu.account_id = has_role_on_account.account_id
    AND (has_role_on_account.account_role IS NULL OR wu.account_role = has_role_on_account.account_role)) $$`, "account_id:true account_role:true"},
		{`CREATE FUNCTION public.has_role_on_account(account_id uuid, account_role text DEFAULT NULL) RETURNS boolean LANGUAGE sql AS $$
  SELECT EXISTS (SELECT 1 FROM account_user wu WHERE wu.user_id = auth.uid()
    AND (has_role_on_account.account_role IS NULL OR wu.account_role = has_role_on_account.account_role)) $$`, "account_id:false account_role:true"},
		{`CREATE FUNCTION f(uuid, OUT n int) LANGUAGE sql AS $$ SELECT count(*) FROM t WHERE t.k = $1 $$`, ":true"},
		{`CREATE FUNCTION g(p_account uuid, p_unused int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF p_account IS NULL THEN RETURN false; END IF;
  RETURN EXISTS (SELECT 1 FROM m WHERE m.account_id = p_account);
END $$`, "p_account:true p_unused:false"},
	} {
		ps, err := sqltree.Params(c.def)
		if err != nil {
			t.Fatalf("%s: %v", c.def, err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, fmt.Sprintf("%s:%v", p.Name, p.Read))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.def, strings.Join(got, " "), c.want)
		}
	}
	args, err := sqltree.ColumnArgs(`has_role_on_account(account_id, 'owner'::account_role) OR EXISTS (SELECT 1 FROM x WHERE f(x.a))`)
	if err != nil || len(args) != 1 || args[0].Column != "account_id" || args[0].Index != 0 || args[0].Name != "has_role_on_account" {
		t.Errorf("ColumnArgs: %+v, %v; want account_id at 0 of has_role_on_account (subqueries left out)", args, err)
	}
}
