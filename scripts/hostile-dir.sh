#!/usr/bin/env bash
# hostile-dir.sh measures skirmishd while its read models catch up over a
# hostile replay directory (issue 11): a match of 4 bots plays for SECONDS
# while the server reads 5 event bombs (replay/testdata/bomb.skr), the same
# 5 without their footer, 6 floods at the format's limits (4096 events every
# tick), links to /etc/passwd and to a flood, and a named pipe. It prints the
# ticks the bots saw missed, the server's tick overruns (every 2 s), its peak
# RSS and how long the catch-up took.
#
#   scripts/hostile-dir.sh [SECONDS]          (default 40)
#
# SKIRMISHD and BOTS name other builds to measure (an older version, say);
# by default this tree's are built. The directory is made with this tree's
# skirmish-replay either way.
set -euo pipefail
secs=${1:-40}
GO=${GO:-go}
tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	# release any reader left blocked on the pipe before removing it
	[ -p "$tmp/replays/pipe.skr" ] && timeout 1 sh -c "exec 3<>'$tmp/replays/pipe.skr'" || true
	rm -rf "$tmp"
}
trap cleanup EXIT

CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots ./cmd/skirmish-replay
SKIRMISHD=${SKIRMISHD:-$tmp/skirmishd}
BOTS=${BOTS:-$tmp/skirmish-bots}

# The directory.
dir="$tmp/replays"
mkdir "$dir"
bomb=replay/testdata/bomb.skr
info=$("$tmp/skirmish-replay" info -json "$bomb")
field() { echo "$info" | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
footer=$(($(field header_size) + $(field chunk_bytes)))
for i in 1 2 3 4 5; do
	cp "$bomb" "$dir/bomb-$i.skr"
	head -c "$footer" "$bomb" >"$dir/crashed-bomb-$i.skr"
done
for i in 1 2 3 4 5 6; do
	"$tmp/skirmish-replay" gen -players 2 -minutes 0.25 -flood 4096 -seed "$i" -o "$dir/flood-$i.skr" >/dev/null
done
ln -s /etc/passwd "$dir/passwd.skr"
ln -s flood-1.skr "$dir/twin.skr"
mkfifo "$dir/pipe.skr"
touch -d '1 hour ago' "$dir"/*-*.skr # history, not live matches

"$SKIRMISHD" -addr 127.0.0.1:0 -replay-dir "$dir" -log-level info 2>"$tmp/server.log" &
srv=$!
port=
for _ in $(seq 100); do
	port=$(ss -ltnpH "( sport > :1024 )" 2>/dev/null | grep "pid=$srv," | grep -o '127.0.0.1:[0-9]*' | head -1 || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "skirmishd did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
metric() { curl -s "http://$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

"$BOTS" -url "ws://$port/ws" -bots 4 -matches 1 -rate 2 -ramp 1s -duration "${secs}s" -progress off \
	-json "$tmp/bots.json" >"$tmp/bots.txt" 2>&1 &
bots=$!
series=
n=0
while kill -0 "$bots" 2>/dev/null; do
	n=$((n + 1))
	[ $((n % 4)) -eq 0 ] && series="$series $(metric skirmish_tick_overruns_total)"
	sleep 0.5
done
wait "$bots" || true
num() { sed -n "s/^  \"$1\": \([0-9.]*\).*/\1/p" "$tmp/bots.json" | head -1; }
latency() { sed -n '/"latency_ms"/,/}/p' "$tmp/bots.json" | sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p"; }
echo "missed ticks      $(num missed_ticks) (bots' view; $(num matches_observed) match)"
echo "latency           p99 $(latency p99) ms, max $(latency max) ms"
echo "tick overruns     $(metric skirmish_tick_overruns_total) (every 2 s:$series)"
echo "peak RSS          $(awk '/VmHWM/ { print $2, $3 }' "/proc/$srv/status")"
echo "catch-up          $(grep -o 'projection: caught up.*' "$tmp/server.log" | head -1)"
