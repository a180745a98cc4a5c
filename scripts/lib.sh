# lib.sh is sourced by the scripts that start servers of their own: a
# scratch directory ($tmp) removed at exit, with every process added to
# $pids killed first, and waitlog.

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# waitlog FILE PATTERN: the first match of PATTERN (an extended regexp) in
# FILE, once it appears; the script fails after 30 s without one.
waitlog() {
	for _ in $(seq 300); do
		if v=$(grep -oE "$2" "$1" 2>/dev/null | head -1) && [ -n "$v" ]; then
			echo "$v"
			return
		fi
		sleep 0.1
	done
	echo "$(basename "$0"): no \"$2\" in $1:" >&2
	cat "$1" >&2
	exit 1
}
