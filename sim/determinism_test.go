package sim

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The determinism rules of DESIGN.md, checked on the package's own source:
// the non-test files that the go command builds (so gen_trig.go, which is
// //go:build ignore and uses math, is left out), parsed and type-checked.

type source struct {
	fset  *token.FileSet
	pkg   *build.Package
	files []*ast.File
	info  *types.Info
	err   error
}

var loadSource = sync.OnceValue(func() *source {
	s := &source{fset: token.NewFileSet()}
	s.pkg, s.err = build.Default.ImportDir(".", 0)
	if s.err != nil {
		return s
	}
	for _, name := range s.pkg.GoFiles {
		f, err := parser.ParseFile(s.fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			s.err = err
			return s
		}
		s.files = append(s.files, f)
	}
	s.info = &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: importer.ForCompiler(s.fset, "source", nil)}
	_, s.err = conf.Check(s.pkg.ImportPath, s.fset, s.files, s.info)
	return s
})

func (s *source) pos(p token.Pos) string {
	return s.fset.Position(p).String()
}

// TestNoFloatingPoint fails on any floating-point or complex type, value or
// literal in the simulation, and on importing math (math/bits is integer
// only). Go may fuse x*y+z into one instruction on some machines, so float
// results differ between them (DESIGN.md, determinism rules).
func TestNoFloatingPoint(t *testing.T) {
	t.Parallel()
	s := loadSource()
	if s.err != nil {
		t.Fatal(s.err)
	}
	if len(s.files) < 5 {
		t.Fatalf("only %d files found: %v", len(s.files), s.pkg.GoFiles)
	}
	var bad []string
	for _, f := range s.files {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if (path == "math" || strings.HasPrefix(path, "math/")) && path != "math/bits" {
				bad = append(bad, fmt.Sprintf("%s: imports %q", s.pos(imp.Pos()), path))
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && (lit.Kind == token.FLOAT || lit.Kind == token.IMAG) {
				bad = append(bad, fmt.Sprintf("%s: literal %s", s.pos(lit.Pos()), lit.Value))
			}
			return true
		})
	}
	// Every expression, declared type, conversion and call result, including
	// those that come from other packages (a float64 returned by a standard
	// library function has no float in its spelling here).
	for expr, tv := range s.info.Types {
		if tv.Type != nil && hasFloat(tv.Type, nil) {
			bad = append(bad, fmt.Sprintf("%s: %s has type %s", s.pos(expr.Pos()), types.ExprString(expr), tv.Type))
		}
	}
	for id, obj := range s.info.Defs {
		if obj != nil && obj.Type() != nil && hasFloat(obj.Type(), nil) {
			bad = append(bad, fmt.Sprintf("%s: %s has type %s", s.pos(id.Pos()), id.Name, obj.Type()))
		}
	}
	report(t, "floating point in sim", bad)
}

// hasFloat reports whether t is or contains a floating-point or complex type.
func hasFloat(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	if seen == nil {
		seen = map[types.Type]bool{}
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Basic:
		return t.Info()&(types.IsFloat|types.IsComplex) != 0
	case *types.Named:
		return hasFloat(t.Underlying(), seen)
	case *types.Alias:
		return hasFloat(types.Unalias(t), seen)
	case *types.Pointer:
		return hasFloat(t.Elem(), seen)
	case *types.Slice:
		return hasFloat(t.Elem(), seen)
	case *types.Array:
		return hasFloat(t.Elem(), seen)
	case *types.Chan:
		return hasFloat(t.Elem(), seen)
	case *types.Map:
		return hasFloat(t.Key(), seen) || hasFloat(t.Elem(), seen)
	case *types.Struct:
		for i := range t.NumFields() {
			if hasFloat(t.Field(i).Type(), seen) {
				return true
			}
		}
	case *types.Tuple:
		for i := range t.Len() {
			if hasFloat(t.At(i).Type(), seen) {
				return true
			}
		}
	case *types.Signature:
		return hasFloat(t.Params(), seen) || hasFloat(t.Results(), seen)
	}
	return false
}

// TestStandardLibraryOnly: sim builds on every platform Go does, with
// nothing but the standard library, and imports no other package of this
// module (DESIGN.md: sim is at the bottom of the dependency graph). Its
// tests read the maps as files for the same reason.
func TestStandardLibraryOnly(t *testing.T) {
	t.Parallel()
	s := loadSource()
	if s.err != nil {
		t.Fatal(s.err)
	}
	if len(s.pkg.Imports) == 0 {
		t.Fatal("no imports found: the check would pass vacuously")
	}
	check := func(kind string, imports []string) {
		var bad []string
		for _, path := range imports {
			first, _, _ := strings.Cut(path, "/")
			switch {
			case path == "C":
				bad = append(bad, path+" (cgo)")
			case strings.Contains(first, "."):
				bad = append(bad, path+" (not standard library)")
			default:
				if p, err := build.Default.Import(path, "", build.FindOnly); err != nil || !p.Goroot {
					bad = append(bad, path+" (not in GOROOT)")
				}
			}
		}
		report(t, kind+" import outside the standard library", bad)
	}
	check("package", s.pkg.Imports)
	check("test", append(s.pkg.TestImports, s.pkg.XTestImports...))
}

// TestNoNondeterminism checks the other rules of DESIGN.md that the source
// shows: no goroutines, no select, no iteration over maps, no clock, no
// global random source, no environment, and no state outside the World:
// package-level variables are tables, never written after initialisation
// (a counter kept there would survive Restore and differ between a world
// and its rolled-back copy).
func TestNoNondeterminism(t *testing.T) {
	t.Parallel()
	s := loadSource()
	if s.err != nil {
		t.Fatal(s.err)
	}
	forbidden := map[string]string{
		"time": "the clock", "math/rand": "a global random source", "math/rand/v2": "a global random source",
		"crypto/rand": "randomness", "os": "the environment", "sync": "concurrency", "sync/atomic": "concurrency",
		"runtime": "the runtime", "unsafe": "memory layout", "reflect": "reflection", "maps": "map iteration",
	}
	var bad []string
	for _, f := range s.files {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, no := forbidden[path]; no {
				bad = append(bad, fmt.Sprintf("%s: imports %q (%s)", s.pos(imp.Pos()), path, why))
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				bad = append(bad, s.pos(n.Pos())+": go statement")
			case *ast.SelectStmt:
				bad = append(bad, s.pos(n.Pos())+": select statement")
			case *ast.RangeStmt:
				if tv, ok := s.info.Types[n.X]; ok {
					if _, isMap := tv.Type.Underlying().(*types.Map); isMap {
						bad = append(bad, s.pos(n.Pos())+": range over a map: "+types.ExprString(n.X))
					}
				}
				if n.Tok == token.ASSIGN {
					bad = append(bad, s.packageWrites(n.Key, n.Value)...)
				}
			case *ast.AssignStmt:
				bad = append(bad, s.packageWrites(n.Lhs...)...)
			case *ast.IncDecStmt:
				bad = append(bad, s.packageWrites(n.X)...)
			case *ast.UnaryExpr:
				if n.Op == token.AND { // &global lets anything write it
					bad = append(bad, s.packageWrites(n.X)...)
				}
			}
			return true
		})
	}
	report(t, "nondeterminism in sim", bad)
}

// packageWrites reports the expressions among exprs that write (a part of)
// a package-level variable.
func (s *source) packageWrites(exprs ...ast.Expr) []string {
	var bad []string
	for _, e := range exprs {
		root := e
		for {
			switch x := root.(type) {
			case *ast.IndexExpr:
				root = x.X
				continue
			case *ast.SelectorExpr:
				root = x.X
				continue
			case *ast.StarExpr:
				root = x.X
				continue
			case *ast.ParenExpr:
				root = x.X
				continue
			}
			break
		}
		id, ok := root.(*ast.Ident)
		if !ok {
			continue
		}
		if v, ok := s.info.Uses[id].(*types.Var); ok && v.Parent() != nil && v.Parent().Parent() == types.Universe {
			bad = append(bad, fmt.Sprintf("%s: writes package-level variable %s", s.pos(e.Pos()), id.Name))
		}
	}
	return bad
}

func report(t *testing.T, what string, bad []string) {
	t.Helper()
	if len(bad) == 0 {
		return
	}
	slices.Sort(bad) // found by ranging over maps: sort for a stable message
	t.Errorf("%s (%d):\n\t%s", what, len(bad), strings.Join(bad, "\n\t"))
}

// TestSyncRollback is ggrs's sync test: play a seeded random match, and at
// every tick roll back K ticks, re-simulate them with the same inputs and
// compare each tick's hash with the first run's. It catches state that a
// snapshot or a copy misses, and anything else that makes the same inputs
// give different results. Rollbacks alternate between the two ways clients
// roll back: Restore from snapshot bytes, and CopyFrom a saved world.
//
// It rolls back at every one of the 10,000 ticks (2,000 with -short).
func TestSyncRollback(t *testing.T) {
	t.Parallel()
	const (
		K       = 8 // ticks rolled back
		players = 16
		ring    = K + 1
	)
	ticks := 10000
	if testing.Short() {
		ticks = 2000
	}
	m := loadMap(t, "arena")
	w := newWorld(t, m, 60)
	s := newScript(20240601, players)

	// Ring buffers by tick: the state after tick T (bytes and a copy), its
	// hash, and the inputs of tick T.
	var (
		snaps  [ring][]byte
		saved  [ring]World
		hashes [ring]uint64
		inputs [ring][]Input
	)
	save := func(w *World) {
		i := w.Tick % ring
		snaps[i] = w.AppendSnapshot(snaps[i][:0])
		saved[i].CopyFrom(w)
		hashes[i] = w.Hash()
	}
	save(w)
	var scratch World
	stats := struct{ kills, leaves, maxProjectiles, maxAlive int }{}
	for tick := uint32(1); tick <= uint32(ticks); tick++ {
		i := tick % ring
		inputs[i] = s.inputs(w, inputs[i][:0])
		nPlayers, deaths := len(w.Players), totalDeaths(w)
		Step(w, inputs[i])
		if len(w.Players) < nPlayers {
			stats.leaves++
		}
		if d := totalDeaths(w) - deaths; d > 0 {
			stats.kills += d
		}
		stats.maxProjectiles = max(stats.maxProjectiles, len(w.Projectiles))
		stats.maxAlive = max(stats.maxAlive, alive(w))
		save(w)
		if tick%100 == 0 {
			if err := checkInvariants(w); err != nil {
				t.Fatalf("tick %d: %v\n%s", tick, err, describe(w))
			}
		}
		if tick < K {
			continue
		}
		from := tick - K
		var r *World
		if tick%2 == 0 {
			var err error
			if r, err = Restore(m, snaps[from%ring]); err != nil {
				t.Fatalf("tick %d: restoring tick %d: %v", tick, from, err)
			}
		} else {
			scratch.CopyFrom(&saved[from%ring])
			r = &scratch
		}
		if h := r.Hash(); h != hashes[from%ring] {
			t.Fatalf("tick %d: the world restored at tick %d hashes %016x, saved %016x", tick, from, h, hashes[from%ring])
		}
		for re := from + 1; re <= tick; re++ {
			Step(r, inputs[re%ring])
			if h := r.Hash(); h != hashes[re%ring] {
				t.Fatalf("tick %d: rolled back to %d, re-simulated tick %d hashes %016x, first run %016x\n%s",
					tick, from, re, h, hashes[re%ring], snapDiff(snaps[re%ring], r.AppendSnapshot(nil)))
			}
		}
	}
	t.Logf("%d ticks, each rolled back %d: %d kills, %d leaves, up to %d players alive and %d projectiles",
		ticks, K, stats.kills, stats.leaves, stats.maxAlive, stats.maxProjectiles)
	// The match must have exercised the rules, or the test proves little.
	if stats.kills < ticks/500 || stats.leaves < ticks/2500 || stats.maxAlive < players/2 || stats.maxProjectiles < 8 {
		t.Errorf("the scripted match was too quiet: %+v", stats)
	}
}

func totalDeaths(w *World) int {
	n := 0
	for i := range w.Players {
		n += int(w.Players[i].Deaths)
	}
	return n
}

func alive(w *World) int {
	n := 0
	for i := range w.Players {
		if w.Players[i].Alive {
			n++
		}
	}
	return n
}

// snapDiff describes where two snapshots differ.
func snapDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return "snapshots equal"
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(0, i-8)
	return fmt.Sprintf("snapshots (%d and %d bytes) differ from byte %d:\n want …%x\n  got …%x",
		len(want), len(got), i, want[lo:min(len(want), i+16)], got[lo:min(len(got), i+16)])
}
