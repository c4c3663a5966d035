// Command exports counts a package's exported names and says, for each, who
// uses it outside the package:
//
//	go run ./scripts/exports ./internal/handoff
//
// A name is every exported top-level func, type, var and const (each name of
// a const or var group counts), every exported method (of a named type, and
// of an interface type the package declares) and every exported field of a
// struct type the package declares at top level. Each line reads
//
//	kind  name  use
//
// where use is "product" when non-test code of another package refers to the
// name, "tests" when only test files outside the package do (another
// package's tests or the package's own external _test package), and
// "package-only" when nothing outside the package refers to it: a name the
// package could unexport. The last line counts the names (top-level and
// methods, as issue 30 counted them: 88 names, 44 package-only) and, apart,
// the struct fields. A method named like one of the standard library's
// interface methods (Error, String, MarshalJSON...) is marked "interface?",
// since a caller may reach it through the interface without naming it.
//
// The whole module is loaded with its tests, so a run takes a few seconds.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// name is one exported name of the package measured.
type name struct {
	kind    string // const, var, func, type, method, field
	display string // Type.Method, Type.Field or the top-level name
	product bool   // non-test code of another package refers to it
	tests   bool   // test code outside the package refers to it
}

// interfaceMethods are method names a caller may reach through a standard
// interface (error, fmt.Stringer, json.Marshaler...) without naming them.
var interfaceMethods = map[string]bool{
	"Error": true, "String": true, "GoString": true, "Format": true, "Unwrap": true, "Is": true, "As": true,
	"MarshalJSON": true, "UnmarshalJSON": true, "MarshalText": true, "UnmarshalText": true,
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/exports PACKAGE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "exports:", err)
		os.Exit(1)
	}
}

func run(pattern string) error {
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Tests: true,
	}
	target, err := packages.Load(&packages.Config{Mode: packages.NeedName}, pattern)
	if err != nil {
		return err
	}
	if len(target) != 1 {
		return fmt.Errorf("%s names %d packages, want one", pattern, len(target))
	}
	path := target[0].PkgPath
	all, err := packages.Load(cfg, "./...")
	if err != nil {
		return err
	}
	if packages.PrintErrors(all) > 0 {
		return fmt.Errorf("the module does not load")
	}
	var pkg *packages.Package
	for _, p := range all {
		if p.PkgPath == path && p.ID == path {
			pkg = p
		}
	}
	if pkg == nil {
		return fmt.Errorf("%s is not in the module", path)
	}
	names, order := declared(pkg)
	seen := map[token.Position]bool{}
	for _, p := range all {
		if p.PkgPath == path || strings.HasSuffix(p.ID, ".test") {
			continue // the package itself (its internal tests too) and generated test mains
		}
		for id, obj := range p.TypesInfo.Uses {
			obj = origin(obj)
			if obj == nil || obj.Pkg() == nil || strings.TrimSuffix(obj.Pkg().Path(), "_test") != path {
				continue
			}
			n := names[p.Fset.Position(obj.Pos())]
			if n == nil {
				continue
			}
			at := p.Fset.Position(id.Pos())
			if seen[at] {
				continue
			}
			seen[at] = true
			if strings.HasSuffix(at.Filename, "_test.go") {
				n.tests = true
			} else {
				n.product = true
			}
		}
	}
	var tally, fields count
	for _, n := range order {
		use := "package-only"
		switch {
		case n.product:
			use = "product"
		case n.tests:
			use = "tests"
		}
		if n.kind == "field" {
			fields.add(use)
		} else {
			tally.add(use)
		}
		if n.kind == "method" && interfaceMethods[n.display[strings.LastIndex(n.display, ".")+1:]] {
			use += " interface?"
		}
		fmt.Printf("%-6s  %-40s  %s\n", n.kind, n.display, use)
	}
	fmt.Printf("%s: exported names (top-level and methods): %s; exported struct fields besides: %s\n",
		filepath.Base(path), tally, fields)
	return nil
}

// declared lists the package's exported names in source order, keyed by the
// position of each declaration.
func declared(pkg *packages.Package) (map[token.Position]*name, []*name) {
	byPos := map[token.Position]*name{}
	var order []*name
	add := func(pos token.Pos, kind, display string) {
		n := &name{kind: kind, display: display}
		byPos[pkg.Fset.Position(pos)] = n
		order = append(order, n)
	}
	for _, f := range pkg.Syntax {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					add(d.Name.Pos(), "func", d.Name.Name)
					continue
				}
				recv := receiverName(d.Recv.List[0].Type)
				add(d.Name.Pos(), "method", recv+"."+d.Name.Name)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.IsExported() {
								add(id.Pos(), d.Tok.String(), id.Name)
							}
						}
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						add(s.Name.Pos(), "type", s.Name.Name)
						members(s, add)
					}
				}
			}
		}
	}
	return byPos, order
}

// members adds the exported fields of a struct type and the exported methods
// of an interface type.
func members(s *ast.TypeSpec, add func(token.Pos, string, string)) {
	var list *ast.FieldList
	kind := "field"
	switch t := s.Type.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list, kind = t.Methods, "method"
	default:
		return
	}
	for _, f := range list.List {
		if len(f.Names) == 0 { // embedded
			if id := embeddedName(f.Type); id != nil && id.IsExported() {
				add(id.Pos(), kind, s.Name.Name+"."+id.Name)
			}
			continue
		}
		for _, id := range f.Names {
			if id.IsExported() {
				add(id.Pos(), kind, s.Name.Name+"."+id.Name)
			}
		}
	}
}

func receiverName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

func embeddedName(e ast.Expr) *ast.Ident {
	switch t := e.(type) {
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel
	case *ast.Ident:
		return t
	}
	return nil
}

// count tallies names by use.
type count struct{ product, tests, only int }

func (c *count) add(use string) {
	switch use {
	case "product":
		c.product++
	case "tests":
		c.tests++
	default:
		c.only++
	}
}

func (c count) String() string {
	return fmt.Sprintf("%d (%d used by other packages' product code, %d only by tests outside, %d package-only)",
		c.product+c.tests+c.only, c.product, c.tests, c.only)
}

// origin maps a use of an instantiated generic's field or method back to the
// declaration.
func origin(obj types.Object) types.Object {
	switch o := obj.(type) {
	case *types.Func:
		return o.Origin()
	case *types.Var:
		return o.Origin()
	}
	return obj
}
