#!/usr/bin/env bash
# crossarch.sh runs the deterministic packages' tests (golden hashes included)
# on 386 and on arm64. A stray float, an int that overflows on 32 bits or an
# architecture-dependent result changes the hashes there.
#
# 386 runs natively where the kernel can execute 32-bit binaries; some
# kernels (microVMs) are built without that, and then qemu-i386-static runs
# it, as qemu-aarch64-static always runs arm64 (go test -exec; no binfmt).
# Under qemu the Go runtime needs asynchronous preemption off: its signals
# crash the emulated process. That changes scheduling only, not results.
set -euo pipefail
GO=${GO:-go}
pkgs=(./sim/...)

need() {
	command -v "$1" >/dev/null 2>&1 && return
	echo "crossarch: $1 not found; run 'make deps' (Debian package qemu-user-static)" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'package main\n\nfunc main() {}\n' >"$tmp/main.go"
GOARCH=386 CGO_ENABLED=0 "$GO" build -o "$tmp/probe" "$tmp/main.go"
if "$tmp/probe" 2>/dev/null; then
	echo "GOARCH=386 go test ${pkgs[*]}   (native)"
	GOARCH=386 CGO_ENABLED=0 "$GO" test "${pkgs[@]}"
else
	need qemu-i386-static
	echo "GOARCH=386 go test -exec qemu-i386-static ${pkgs[*]}   (this kernel cannot run 32-bit binaries)"
	GODEBUG=asyncpreemptoff=1 GOARCH=386 CGO_ENABLED=0 "$GO" test -exec qemu-i386-static "${pkgs[@]}"
fi

need qemu-aarch64-static
echo "GOARCH=arm64 go test -exec qemu-aarch64-static ${pkgs[*]}"
GODEBUG=asyncpreemptoff=1 GOARCH=arm64 CGO_ENABLED=0 "$GO" test -exec qemu-aarch64-static "${pkgs[@]}"
