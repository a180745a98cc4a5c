# Skirmish build and test entry points. `make help` lists the targets.

GO       ?= go
FUZZTIME ?= 10s
ARGS     ?=

# Packages that depend on Ebiten (client/ui and cmd/skirmish, as deps_test.go
# checks) need cgo and X11 headers to build and a display to test; everything
# else must build with CGO_ENABLED=0 and is tested without one.
EBITEN := github.com/hajimehoshi/ebiten

# The commands that build without cgo or X11: everything but the desktop client.
CMDS := ./cmd/skirmishd ./cmd/skirmish-projector ./cmd/skirmish-bots ./cmd/skirmish-replay ./cmd/skirmish-wsbaseline ./cmd/skirmish-bench

.PHONY: help deps vet test test-plain test-ebiten crossarch fuzz bench bench-peer soak fleet server play build clean

help:
	@echo "make play       play against practice bots on a server inside the client"
	@echo "make test       install deps, vet, test (race, Xvfb for Ebiten), then crossarch"
	@echo "make crossarch  run the sim tests on 386 and on arm64 under qemu"
	@echo "make fuzz       run every fuzz target for FUZZTIME (default $(FUZZTIME))"
	@echo "make bench      micro-benchmarks, then the 1000-bot load test against skirmishd and the bare broadcast"
	@echo "make bench-peer Skirmish and Colyseus 0.16 under the same load, one table with the ratios (LOADS, PIN=1, WINDOW)"
	@echo "make soak       bots against skirmishd for DURATION (default 10m): RSS, goroutines, fds over time, a verdict"
	@echo "make fleet      three skirmishd nodes on NATS JetStream, 60 bots through the first (docs/FLEET.md)"
	@echo "make server     run the dedicated server (ARGS=... passes flags)"
	@echo "make build      build the CGO_ENABLED=0 commands into ./bin/"
	@echo "make deps       install missing Debian packages (apt; sudo when not root)"
	@echo "make vet        go vet ./..."
	@echo "make clean      remove ./bin/"

deps:
	@bash scripts/deps.sh

vet: deps
	$(GO) vet ./...

# test vets everything, runs the race-enabled tests (the Ebiten packages under
# Xvfb), then checks determinism on other architectures. make deps installs
# nginx, so the spectator cache test (client/viewer) must run, not skip.
test: deps
	$(GO) vet ./...
	@SKIRMISH_REQUIRE_NGINX=1 $(MAKE) --no-print-directory test-plain test-ebiten
	@$(MAKE) --no-print-directory crossarch

# pkglist prints "PACKAGE 0|1" for every package in the module, 1 when the package
# or its tests (in-package or external) depend on Ebiten, directly or not.
define pkglist
$(GO) list -test -f '{{.ImportPath}} {{join .Deps " "}}' ./... | awk -v ebiten='$(EBITEN)' '\
	{ p = $$1; \
	  if (NF > 1 && substr($$2, 1, 1) == "[") { p = substr($$2, 2, length($$2) - 2) } \
	  sub(/\.test$$/, "", p); \
	  if (!(p in seen)) { seen[p] = 1; order[n++] = p; uses[p] = 0 } \
	  for (i = 2; i <= NF; i++) if ($$i == ebiten || index($$i, ebiten "/") == 1) uses[p] = 1 } \
	END { for (i = 0; i < n; i++) print order[i], uses[order[i]] }'
endef

test-plain:
	@set -e; list=$$($(pkglist)); \
	pkgs=$$(printf '%s\n' "$$list" | awk '$$2 == 0 { print $$1 }'); \
	if [ -z "$$pkgs" ]; then echo "no packages to test"; exit 0; fi; \
	echo "$(GO) test -race" $$pkgs; \
	$(GO) test -race $$pkgs

test-ebiten:
	@set -e; list=$$($(pkglist)); \
	pkgs=$$(printf '%s\n' "$$list" | awk '$$2 == 1 { print $$1 }'); \
	if [ -z "$$pkgs" ]; then echo "no Ebiten packages yet; skipping the Xvfb tests"; exit 0; fi; \
	echo "xvfb-run -a $(GO) test -race" $$pkgs; \
	xvfb-run -a $(GO) test -race $$pkgs

# crossarch runs the sim tests (golden hashes included) on 386 and on arm64;
# see scripts/crossarch.sh.
crossarch:
	@GO=$(GO) bash scripts/crossarch.sh

# fuzz runs every fuzz target of every package for FUZZTIME each, one at a time
# (go test -fuzz takes a single package and a single target).
fuzz:
	@set -e; \
	for pkg in $$($(GO) list ./...); do \
		names=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); \
		for name in $$names; do \
			echo "== $$pkg $$name ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$${name}$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# bench prints one table: the micro-benchmarks of sim and replay, then a load
# test on this machine (skirmishd and skirmish-bots as separate processes:
# 1000 bots in 50 matches of 20 at 60 Hz for 30 s, 2 commands/s each) and the
# same load against skirmish-wsbaseline, the bare WebSocket broadcast, with
# the ratios and the targets. BENCHFLAGS passes flags to cmd/skirmish-bench
# (go run ./cmd/skirmish-bench -h lists them), e.g. BENCHFLAGS=-skip-micro.
BENCHFLAGS ?=
bench:
	$(GO) run ./cmd/skirmish-bench -go "$(GO)" $(BENCHFLAGS)

# bench-peer runs skirmishd and the Colyseus peer (../shared/peers/colyseus,
# or PEER) under the same bots' load one after the other, for each of LOADS,
# and prints one table with Skirmish's ratio to Colyseus on every row. PIN=1
# puts the servers on CPU 0 and the bots on CPU 1. Needs Node 20 and npm.
LOADS ?= 400 1000
bench-peer:
	@GO=$(GO) bash scripts/bench-peer.sh $(LOADS)

# soak runs skirmishd under a steady load of bots plus churn for DURATION
# (default 10m; DURATION=1h for the long run) and prints its RSS, goroutines
# and open files over time with a verdict: flat, 0 desyncs, 0 disconnects.
# BOTS, MATCHES, CHURN and SAMPLES tune it; see scripts/soak.sh.
DURATION ?= 10m
soak:
	@DURATION=$(DURATION) GO=$(GO) bash scripts/soak.sh

# fleet starts three skirmishd nodes on loopback, the first running the
# embedded NATS JetStream node, sends 60 bots to the first only, and prints
# the fleet's matches and nodes from the others; see scripts/fleet.sh.
fleet:
	@GO=$(GO) bash scripts/fleet.sh

server:
	$(GO) run ./cmd/skirmishd $(ARGS)

play: deps
	$(GO) run ./cmd/skirmish play $(ARGS)

# build checks on the way that the server, bots and replay tool need neither cgo
# nor X11.
build:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -o bin/ $(CMDS)

clean:
	rm -rf bin
