package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// fileReferences maps each non-test file of dir to the other files it
// names: a package-level name (a function, type, variable or constant) or an
// unexported method defined there. A local name that happens to match, or a
// method name two types share, counts too, which only makes the graph
// stricter.
func fileReferences(t *testing.T, dir string) map[string]map[string][]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	defined := map[string]string{}   // package-level name -> file
	methods := map[string][]string{} // unexported method name -> the files defining one
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		files[name] = f
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					defined[d.Name.Name] = name
				} else if !unicode.IsUpper(rune(d.Name.Name[0])) {
					methods[d.Name.Name] = append(methods[d.Name.Name], name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						defined[s.Name.Name] = name
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.Name != "_" {
								defined[n.Name] = name
							}
						}
					}
				}
			}
		}
	}
	refs := map[string]map[string][]string{}
	add := func(from, to, what string) {
		if to == "" || to == from {
			return
		}
		if refs[from] == nil {
			refs[from] = map[string][]string{}
		}
		if !slices.Contains(refs[from][to], what) {
			refs[from][to] = append(refs[from][to], what)
		}
	}
	for name, f := range files {
		selected := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				selected[n.Sel] = true
				for _, in := range methods[n.Sel.Name] {
					add(name, in, "."+n.Sel.Name) // a name two types share counts for both
				}
			case *ast.CompositeLit:
				switch n.Type.(type) {
				case *ast.MapType, *ast.ArrayType: // keys are values: they count
				default: // a struct's (or a named type's) keys are field names
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok {
								selected[k] = true
							}
						}
					}
				}
			case *ast.Ident:
				if !selected[n] {
					add(name, defined[n.Name], n.Name)
				}
			}
			return true
		})
	}
	return refs
}

// TestFileReferencesRunOneWay holds the package's layout: the resource's
// type and its methods in resource_check.go hand over to phase files, which
// never name the resource back, and no two files reach each other in a loop
// of references. A file that names one above it fails here with the loop.
func TestFileReferencesRunOneWay(t *testing.T) {
	refs := fileReferences(t, ".")
	state := map[string]int{} // 0 unseen, 1 on the current path, 2 done
	var path []string
	var visit func(f string)
	visit = func(f string) {
		state[f] = 1
		path = append(path, f)
		for _, to := range slices.Sorted(maps.Keys(refs[f])) {
			switch state[to] {
			case 1:
				i := slices.Index(path, to)
				var steps []string
				loop := append(slices.Clone(path[i:]), to)
				for j := 0; j+1 < len(loop); j++ {
					steps = append(steps, loop[j]+" names "+strings.Join(refs[loop[j]][loop[j+1]], ", ")+" of "+loop[j+1])
				}
				t.Errorf("files reach each other in a loop: %s", strings.Join(steps, "; "))
			case 0:
				visit(to)
			}
		}
		path = path[:len(path)-1]
		state[f] = 2
	}
	for _, f := range slices.Sorted(maps.Keys(refs)) {
		if state[f] == 0 {
			visit(f)
		}
	}
	for from, to := range refs {
		if strings.HasPrefix(from, "resource_check_") && to["resource_check.go"] != nil {
			t.Errorf("%s names %s of resource_check.go: a phase gets the provider's data as an argument, not the resource", from, strings.Join(to["resource_check.go"], ", "))
		}
	}
}
