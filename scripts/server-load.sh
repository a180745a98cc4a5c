#!/usr/bin/env bash
# server-load.sh measures skirmishd under a load of real clients, as issue 4
# asks: by default 20 matches of 16 players at 60 Hz for 30 s, each bot
# sending 2 commands a second. It prints the server's CPU per connected
# player, the tick duration p99 (from the server's own histogram, so to its
# bucket resolution) and the allocations per tick (all of the process's
# allocations, sessions and sockets included, divided by the ticks run).
#
#   scripts/server-load.sh [BOTS [MATCHES [SECONDS]]]
set -euo pipefail
bots=${1:-320}
matches=${2:-20}
secs=${3:-30}
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null || true; rm -rf "$tmp"' EXIT

CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots
# Every bot comes from 127.0.0.1: lift the per-address limits.
"$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$tmp/replays" -log-level warn \
	-max-players 20 -max-matches-per-ip 0 -max-conns-per-ip 0 -max-conns 0 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 100); do
	port=$(ss -ltnpH "( sport > :1024 )" 2>/dev/null | grep "pid=$srv," | grep -o '127.0.0.1:[0-9]*' | head -1 || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "skirmishd did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }

metric() { # metric NAME: the value of an unlabelled metric
	curl -s "http://$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
buckets() { curl -s "http://$port/metrics" | grep '^skirmish_tick_duration_seconds_bucket'; }
cpu() { awk '{ print $14 + $15 }' "/proc/$srv/stat"; } # utime+stime in clock ticks
hz=$(getconf CLK_TCK)

# Ramp up, then measure over the window only.
"$tmp/skirmish-bots" -url "ws://$port/ws" -bots "$bots" -matches "$matches" -rate 2 \
	-ramp 10s -duration "$((secs + 12))s" -progress off -json "$tmp/bots.json" >"$tmp/bots.txt" 2>&1 &
bots_pid=$!
sleep 11
c0=$(cpu); m0=$(metric go_memstats_mallocs_total); t0=$(metric skirmish_tick_duration_seconds_count)
buckets >"$tmp/b0"
sleep "$secs"
c1=$(cpu); m1=$(metric go_memstats_mallocs_total); t1=$(metric skirmish_tick_duration_seconds_count)
buckets >"$tmp/b1"
sessions=$(metric skirmish_sessions)
overruns=$(metric skirmish_tick_overruns_total)
wait "$bots_pid" || true

awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v secs="$secs" -v n="$sessions" \
	-v m0="$m0" -v m1="$m1" -v t0="$t0" -v t1="$t1" -v over="$overruns" -v bots="$bots" -v matches="$matches" '
BEGIN {
	cpu = (c1 - c0) / hz
	printf "load              %d bots in %d matches, 60 Hz, 2 commands/s each, %d s window\n", bots, matches, secs
	printf "connected         %d sessions\n", n
	printf "server CPU        %.2f s in %d s = %.1f%% of one core\n", cpu, secs, 100 * cpu / secs
	printf "CPU per player    %.3f%% of a core (%.0f us per second)\n", 100 * cpu / secs / n, 1e6 * cpu / secs / n
	printf "ticks             %d (%.0f per second over all matches)\n", t1 - t0, (t1 - t0) / secs
	printf "allocations       %.1f per tick (%.0f per second, whole process)\n", (m1 - m0) / (t1 - t0), (m1 - m0) / secs
	printf "tick overruns     %d since start\n", over
}'
# p99 from the histogram deltas: the first bucket holding 99% of the window's ticks.
paste "$tmp/b0" "$tmp/b1" | awk '{
	split($1, a, "le=\""); split(a[2], b, "\""); le = b[1]
	d[++n] = $4 - $2; les[n] = le
} END {
	total = d[n]
	for (i = 1; i <= n; i++) if (d[i] >= 0.99 * total) { printf "tick p99          <= %s s (histogram bucket)\n", les[i]; exit }
}'
tail -n 25 "$tmp/bots.txt"
