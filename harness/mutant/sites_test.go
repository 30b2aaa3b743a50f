package mutant

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// site is one place in the harness's source that gives a finding its
// kind: a Finding literal whose Kind is a constant, a call that passes a
// kind constant to a function building a Finding from its parameter, or an
// assignment of a kind constant to a finding's Kind.
type site struct {
	Where string // file (relative to harness/) and enclosing function: "tricks.go:trickProbe"
	Kind  string // the kind's value: "role-trick"
}

// sourceScan is what scanSites reads from the harness's non-test Go files.
type sourceScan struct {
	Kinds      map[string]string // package dir + constant name ("api.KindAuthBypass", ".KindRoleTrick") -> value, for every constant of type Kind
	Sites      []site            // every kind-giving place, resolved to constants
	Unresolved []string          // places whose kind the scan could not resolve to constants
}

// scanSites parses every non-test Go file under dir (the harness package
// and its subpackages) without type-checking: the scan knows constants by
// package and name (harness/api's KindCrossTenantRead is not the
// harness's: a bare name resolves in its own file's package, pkg.Name in
// the package of that name), constructors by package, name and the
// position of their kind parameter, and resolves a kind passed as a local
// variable, a parameter passed on, or a field (probe.kind) to every
// constant assigned to it.
func scanSites(t *testing.T, dir string) sourceScan {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		// harness/apiclient runs harness/api's property against a user's
		// own service: harness/api's kinds and oracle rules (scanned in
		// harness/api), restated over HTTP in its own judge and finding
		// (apiclient/run.go). The kill matrix never runs that path (rows
		// api:NAME run harness/api's), so counting an api mutant as
		// reaching it would claim what the matrix does not prove: it stays
		// out, proven by its own tests (TestServicesOverHTTP: the service
		// mutants over HTTP, a silent write for the digest).
		if d != nil && d.IsDir() && path == filepath.Join(dir, "apiclient") {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || path == filepath.Join(dir, "mutant")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)

	// pkgOf: each file's package, as its directory relative to dir ("."
	// for the harness); pkgDir: a package's name as code imports it
	// ("harness", "api") -> its directory.
	pkgOf, pkgDir := map[string]string{}, map[string]string{}
	for _, n := range names {
		pkgOf[n] = filepath.ToSlash(filepath.Dir(n))
		pkgDir[files[n].Name.Name] = pkgOf[n]
	}
	out := sourceScan{Kinds: map[string]string{}}
	// 1. The kind constants.
	for _, n := range names {
		for _, d := range files[n].Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if !isKindType(vs.Type) {
					continue
				}
				for i, id := range vs.Names {
					v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					if err != nil {
						t.Fatalf("%s: kind constant %s: %v", n, id.Name, err)
					}
					key := pkgOf[n] + "." + id.Name
					if _, dup := out.Kinds[key]; dup {
						t.Fatalf("kind constant %s declared twice in one package", key)
					}
					out.Kinds[key] = v
				}
			}
		}
	}
	// constIn resolves a kind constant named in package pkg: a bare name
	// in pkg, pkg2.Name in the package imported as pkg2.
	constIn := func(pkg string) func(ast.Expr) (string, bool) {
		return func(e ast.Expr) (string, bool) {
			switch x := e.(type) {
			case *ast.Ident:
				v, ok := out.Kinds[pkg+"."+x.Name]
				return v, ok
			case *ast.SelectorExpr:
				if p, ok := x.X.(*ast.Ident); ok {
					if d, ok := pkgDir[p.Name]; ok {
						v, ok := out.Kinds[d+"."+x.Sel.Name]
						return v, ok
					}
				}
			}
			return "", false
		}
	}
	// fieldValues: every constant given to a struct field of that name in
	// a composite literal or assigned to x.field (probe{kind: ...}).
	fieldValues := map[string][]string{}
	for _, n := range names {
		constOf := constIn(pkgOf[n])
		ast.Inspect(files[n], func(nd ast.Node) bool {
			switch x := nd.(type) {
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok {
					if v, ok := constOf(x.Value); ok && k.Name != "Kind" {
						fieldValues[k.Name] = append(fieldValues[k.Name], v)
					}
				}
			}
			return true
		})
	}

	// 2. Constructors: functions (or closures assigned to a name) that
	// build a Finding whose Kind is one of their parameters, by package,
	// name and the parameter's position; grown to a fixpoint over functions that
	// pass their own kind parameter on to a constructor.
	type fn struct {
		file, pkg, name string
		typ             *ast.FuncType
		body            *ast.BlockStmt
	}
	var fns []fn
	for _, n := range names {
		for _, d := range files[n].Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fns = append(fns, fn{n, pkgOf[n], fd.Name.Name, fd.Type, fd.Body})
			ast.Inspect(fd.Body, func(nd ast.Node) bool {
				as, ok := nd.(*ast.AssignStmt)
				if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
					return true
				}
				if id, ok := as.Lhs[0].(*ast.Ident); ok {
					if fl, ok := as.Rhs[0].(*ast.FuncLit); ok {
						fns = append(fns, fn{n, pkgOf[n], fd.Name.Name + "." + id.Name, fl.Type, fl.Body})
					}
				}
				return true
			})
		}
	}
	paramIndex := func(ft *ast.FuncType, name string) int {
		i := 0
		for _, f := range ft.Params.List {
			if len(f.Names) == 0 {
				i++
				continue
			}
			for _, id := range f.Names {
				if id.Name == name {
					return i
				}
				i++
			}
		}
		return -1
	}
	// ctorKey: "pkg name" of a function or named closure.
	ctorKey := func(f fn) string { return f.pkg + " " + f.name[strings.LastIndexByte(f.name, '.')+1:] }
	ctors := map[string][]int{} // constructor key -> kind parameter positions (one per same-named constructor)
	for _, f := range fns {
		ast.Inspect(f.body, func(nd ast.Node) bool {
			cl, ok := nd.(*ast.CompositeLit)
			if !ok || !isFindingType(cl.Type) {
				return true
			}
			if id, ok := kindField(cl).(*ast.Ident); ok {
				if i := paramIndex(f.typ, id.Name); i >= 0 {
					ctors[ctorKey(f)] = appendUnique(ctors[ctorKey(f)], i)
				}
			}
			return true
		})
	}
	// calleeKinds: the kind parameter positions of the constructor a call
	// in package pkg calls: name in pkg, or pkg2.Name; a method (x.Name)
	// by its name in any package.
	calleeKinds := func(c *ast.CallExpr, pkg string) []int {
		switch x := c.Fun.(type) {
		case *ast.Ident:
			return ctors[pkg+" "+x.Name]
		case *ast.SelectorExpr:
			if p, ok := x.X.(*ast.Ident); ok {
				if d, ok := pkgDir[p.Name]; ok {
					return ctors[d+" "+x.Sel.Name]
				}
			}
			var out []int
			for k, is := range ctors {
				if strings.HasSuffix(k, " "+x.Sel.Name) {
					for _, i := range is {
						out = appendUnique(out, i)
					}
				}
			}
			return out
		}
		return nil
	}
	for changed := true; changed; {
		changed = false
		for _, f := range fns {
			ast.Inspect(f.body, func(nd ast.Node) bool {
				c, ok := nd.(*ast.CallExpr)
				if !ok {
					return true
				}
				for _, i := range calleeKinds(c, f.pkg) {
					if i >= len(c.Args) {
						continue
					}
					if id, ok := c.Args[i].(*ast.Ident); ok {
						if j := paramIndex(f.typ, id.Name); j >= 0 && !contains(ctors[ctorKey(f)], j) && strings.Contains(strings.ToLower(id.Name), "kind") {
							ctors[ctorKey(f)] = appendUnique(ctors[ctorKey(f)], j)
							changed = true
						}
					}
				}
				return true
			})
		}
	}

	// 3. The sites, each kind expression resolved to constants (a named
	// closure is its own function, not part of the one around it).
	closures := map[*ast.BlockStmt]bool{}
	for _, f := range fns {
		if strings.Contains(f.name, ".") {
			closures[f.body] = true
		}
	}
	for _, f := range fns {
		where := f.file + ":" + f.name
		constOf := constIn(f.pkg)
		locals := localKinds(f.body, constOf)
		resolve := func(e ast.Expr) {
			if v, ok := constOf(e); ok {
				out.Sites = append(out.Sites, site{where, v})
				return
			}
			var vals []string
			switch x := e.(type) {
			case *ast.Ident:
				if paramIndex(f.typ, x.Name) >= 0 && contains(ctors[ctorKey(f)], paramIndex(f.typ, x.Name)) {
					return // passed on: the callers are the sites
				}
				vals = locals[x.Name]
			case *ast.SelectorExpr:
				vals = fieldValues[x.Sel.Name]
			}
			if len(vals) == 0 {
				out.Unresolved = append(out.Unresolved, where+": "+exprString(e))
			}
			for _, v := range vals {
				out.Sites = append(out.Sites, site{where, v})
			}
		}
		ast.Inspect(f.body, func(nd ast.Node) bool {
			switch x := nd.(type) {
			case *ast.FuncLit:
				return f.body == x.Body || !closures[x.Body]
			case *ast.CompositeLit:
				if isFindingType(x.Type) {
					if k := kindField(x); k != nil {
						resolve(k)
					}
				}
			case *ast.CallExpr:
				for _, i := range calleeKinds(x, f.pkg) {
					if i < len(x.Args) && isKindArg(x.Args[i], constOf) {
						resolve(x.Args[i])
					}
				}
			case *ast.AssignStmt:
				for i, l := range x.Lhs {
					if s, ok := l.(*ast.SelectorExpr); ok && s.Sel.Name == "Kind" && i < len(x.Rhs) {
						if v, ok := constOf(x.Rhs[i]); ok {
							out.Sites = append(out.Sites, site{where, v})
						}
					}
				}
			}
			return true
		})
	}
	out.Sites = uniqueSites(out.Sites)
	return out
}

// isKindArg reports whether a call argument in a constructor's kind
// position is a kind: a constant, or a name that says it is one (another
// same-named constructor may take something else there).
func isKindArg(e ast.Expr, constOf func(ast.Expr) (string, bool)) bool {
	if _, ok := constOf(e); ok {
		return true
	}
	switch x := e.(type) {
	case *ast.Ident:
		return strings.Contains(strings.ToLower(x.Name), "kind")
	case *ast.SelectorExpr:
		return strings.Contains(strings.ToLower(x.Sel.Name), "kind")
	}
	return false
}

// localKinds maps each local name of a function body to the kind
// constants assigned to it (kind := KindX; kind = KindY; a, kind = ..., KindZ).
func localKinds(body *ast.BlockStmt, constOf func(ast.Expr) (string, bool)) map[string][]string {
	out := map[string][]string{}
	ast.Inspect(body, func(nd ast.Node) bool {
		as, ok := nd.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok {
				if v, ok := constOf(as.Rhs[i]); ok {
					out[id.Name] = appendUnique(out[id.Name], v)
				}
			}
		}
		return true
	})
	return out
}

func isKindType(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "Kind"
	case *ast.SelectorExpr:
		return x.Sel.Name == "Kind" && exprString(x.X) == "harness"
	}
	return false
}

func isFindingType(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "Finding"
	case *ast.SelectorExpr:
		return x.Sel.Name == "Finding" && exprString(x.X) == "harness"
	}
	return false
}

// kindField is the value of a Finding literal's Kind field, or nil.
func kindField(cl *ast.CompositeLit) ast.Expr {
	for _, e := range cl.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Kind" {
				return kv.Value
			}
		}
	}
	return nil
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return "?"
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func appendUnique[T comparable](xs []T, x T) []T {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

func uniqueSites(ss []site) []site {
	sort.Slice(ss, func(i, j int) bool {
		if ss[i].Where != ss[j].Where {
			return ss[i].Where < ss[j].Where
		}
		return ss[i].Kind < ss[j].Kind
	})
	var out []site
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}
