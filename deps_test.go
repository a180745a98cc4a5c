package skirmish_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/skirmishgg/skirmish"

// A rule constrains what the packages it covers depend on, directly or not.
// Package names are relative to the module; "x/..." is x and every package
// under it.
type rule struct {
	pkgs string
	// only, when not nil, lists the module packages the covered packages
	// may depend on (besides themselves). With std, nothing outside the
	// standard library and those is allowed either.
	only []string
	std  bool
	// not lists module packages they must not depend on.
	not []string
}

// rules is DESIGN.md's dependency rule (the package doc has it in words).
// Every package of the module must be covered by a rule, so that a new
// tree is a decision, not an accident.
var rules = []rule{
	{pkgs: "", only: []string{}, std: true},
	{pkgs: "sim", only: []string{}, std: true},
	{pkgs: "sim/brain", only: []string{"sim"}, std: true},
	// What tests of several packages build worlds from.
	{pkgs: "sim/simtest", only: []string{"sim"}, std: true},
	{pkgs: "assets", only: []string{}, std: true},
	{pkgs: "protocol/mpack", only: []string{}},
	{pkgs: "protocol", only: []string{"sim", "protocol/mpack"}},
	{pkgs: "replay", only: []string{"sim", "protocol/..."}},
	{pkgs: "replay/projection", only: []string{"sim", "protocol/...", "replay"}},
	{pkgs: "replay/synth", only: []string{"sim/...", "protocol/...", "replay"}},
	// The server runs sim/brain's brains for the players of a forked match
	// that no client has taken.
	{pkgs: "server", only: []string{"sim/...", "protocol/...", "replay/projection", "replay", "assets"}},
	// The fleet implements server.Fleet on NATS; the server never sees it.
	{pkgs: "server/fleet", only: []string{"server", "sim/...", "protocol/...", "replay/...", "assets"}},
	{pkgs: "client/...", not: []string{"server/...", "cmd/..."}},
	// The client's leaves: the keyboard, the settings file and the
	// browser's data need nothing of the game; sound needs only what is on
	// screen (client/scene).
	{pkgs: "client/keys", only: []string{}, std: true},
	{pkgs: "client/settings", only: []string{"sim"}, std: true},
	{pkgs: "client/browse", only: []string{}, std: true},
	{pkgs: "client/audio", only: []string{"sim", "client/scene"}, std: true},
	// The menu asks the server browser and names the game's keys; it does
	// not play, watch or draw.
	{pkgs: "client/menu", not: []string{"client/viewer", "client/ui", "client/bots"}},
	// Watching shares what it draws with playing (client/scene), not the
	// live-play stack.
	{pkgs: "client/viewer", not: []string{"client/link", "client/session", "client/predict", "client/game"}},
	{pkgs: "cmd/...", not: []string{}},
}

// heavy are external libraries that only some packages may link: Ebiten
// and oto (its sound backend, which the client uses directly: see
// client/ui's sound.go) need cgo and a desktop's libraries, which the
// server, bots and replay tool must build without; NATS (client and
// embedded server) belongs to the fleet, so the desktop client, whose
// practice server is a server.Server, stays free of it.
var heavy = []struct {
	name, path string // path: the module; every package under it counts
	allowed    []string
}{
	{"Ebiten", "github.com/hajimehoshi/ebiten", []string{"client/ui", "cmd/skirmish"}},
	{"oto", "github.com/ebitengine/oto", []string{"client/ui", "cmd/skirmish"}},
	{"NATS", "github.com/nats-io", []string{"server/fleet", "cmd/skirmishd", "cmd/skirmish-projector"}},
}

// covers reports whether pattern (a package, or a tree "x/...") names pkg.
func covers(pattern, pkg string) bool {
	if tree, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == tree || strings.HasPrefix(pkg, tree+"/")
	}
	return pkg == pattern
}

func coversAny(patterns []string, pkg string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return covers(p, pkg) })
}

// listed is a package as go list describes it.
type listed struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// graph lists the module's packages and everything they depend on, as the
// go command resolves them for this platform.
func graph(t *testing.T) map[string]*listed {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go") // go test may run with a PATH without go
	}
	cmd := exec.Command(goTool, "list", "-e", "-deps", "-json=ImportPath,Standard,Imports,Deps,Error,DepsErrors", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]*listed{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(listed)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		for _, e := range p.DepsErrors {
			t.Fatalf("go list: %s: %s", p.ImportPath, e.Err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// rel returns a module package's path relative to the module ("" for the
// root), and whether path is in the module.
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// chain returns the shortest import path from pkg to dep, as "a → b → c".
func chain(pkgs map[string]*listed, pkg, dep string) string {
	prev := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == dep {
			var path []string
			for ; p != ""; p = prev[p] {
				name, ok := rel(p)
				if !ok {
					name = p
				}
				path = append(path, name)
			}
			slices.Reverse(path)
			return strings.Join(path, " → ")
		}
		if l := pkgs[p]; l != nil {
			for _, q := range l.Imports {
				if _, seen := prev[q]; !seen {
					prev[q] = p
					queue = append(queue, q)
				}
			}
		}
	}
	return pkg + " → … → " + dep
}

// TestDependencyRule checks every package of the module against the rules:
// what it may depend on, directly or not, and who may depend on Ebiten.
func TestDependencyRule(t *testing.T) {
	t.Parallel()
	pkgs := graph(t)
	var mine []string
	for path := range pkgs {
		if _, ok := rel(path); ok {
			mine = append(mine, path)
		}
	}
	slices.Sort(mine)
	if len(mine) < 10 {
		t.Fatalf("go list found %d packages of the module: %v", len(mine), mine)
	}
	for _, r := range rules {
		if strings.HasSuffix(r.pkgs, "/...") {
			continue
		}
		path := module
		if r.pkgs != "" {
			path += "/" + r.pkgs
		}
		if pkgs[path] == nil {
			t.Errorf("the rule for %q names no package: update the rules", r.pkgs)
		}
	}
	for _, path := range mine {
		name, _ := rel(path)
		p := pkgs[path]
		ruled := false
		for _, r := range rules {
			if !covers(r.pkgs, name) {
				continue
			}
			ruled = true
			for _, dep := range p.Deps {
				d, inModule := rel(dep)
				switch {
				case inModule && r.only != nil && !coversAny(r.only, d):
					t.Errorf("%s may depend only on %v: %s", name, r.only, chain(pkgs, path, dep))
				case inModule && coversAny(r.not, d):
					t.Errorf("%s must not depend on %s: %s", name, d, chain(pkgs, path, dep))
				case !inModule && r.std && !pkgs[dep].Standard:
					t.Errorf("%s may depend only on the standard library: %s", name, chain(pkgs, path, dep))
				}
			}
		}
		if !ruled {
			t.Errorf("no rule covers %s: add it to the rules (and to the package doc)", name)
		}
		for _, h := range heavy {
			if slices.Contains(h.allowed, name) {
				continue
			}
			for _, dep := range p.Deps {
				if dep == h.path || strings.HasPrefix(dep, h.path+"/") {
					t.Errorf("%s depends on %s, which only %v may: %s", name, h.name, h.allowed, chain(pkgs, path, dep))
					break
				}
			}
		}
	}
}
