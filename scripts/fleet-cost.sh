#!/usr/bin/env bash
# fleet-cost.sh measures what being in a fleet costs a node: the same load
# of BOTS bots (MATCHES matches, 60 Hz, 2 commands/s each) against a
# standalone skirmishd and against a fleet node whose NATS runs in another
# process, alternating RUNS times; it prints the node's CPU in each run and
# the directory's traffic per match and second (from the node's metrics).
#
#   scripts/fleet-cost.sh [BOTS [MATCHES [SECONDS [RUNS]]]]
set -euo pipefail
bots=${1:-200}
matches=${2:-10}
secs=${3:-30}
runs=${4:-3}
GO=${GO:-go}
. "$(dirname "$0")/lib.sh"
CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots

limits=(-max-matches-per-ip 0 -max-conns-per-ip 0 -max-conns 0 -log-level warn)

# The NATS server: skirmishd -nats-only, in a process of its own.
"$tmp/skirmishd" -nats-only -replay-dir "$tmp/nats-host" -nats-listen 127.0.0.1:0 \
	-log-level info >/dev/null 2>"$tmp/nats.log" &
pids+=($!)
nats=$(waitlog "$tmp/nats.log" 'nats://127\.0\.0\.1:[0-9]+')

# run KIND FLAGS...: one measured run; prints "KIND CPU% WRITES BYTES".
run() {
	local kind=$1
	shift
	local dir="$tmp/$kind-$RANDOM"
	mkdir -p "$dir"
	"$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$dir/replays" "${limits[@]}" -log-level info "$@" \
		>/dev/null 2>"$dir/log" &
	local pid=$!
	pids+=($pid)
	local addr
	addr=$(waitlog "$dir/log" '"skirmishd listening" url=ws://[0-9.:]+' | grep -oE '[0-9.]+:[0-9]+')
	metric() { curl -s "http://$addr/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
	"$tmp/skirmish-bots" -url "ws://$addr/ws" -bots "$bots" -matches "$matches" -rate 2 -ramp 5s \
		-duration "${secs}s" -progress off -server-pid "$pid" -json "$dir/bots.json" >/dev/null 2>&1 &
	local b=$!
	sleep 6
	local w0 b0
	w0=$(metric skirmish_fleet_directory_writes_total)
	b0=$(metric skirmish_fleet_directory_write_bytes_total)
	sleep "$secs"
	local w1 b1
	w1=$(metric skirmish_fleet_directory_writes_total)
	b1=$(metric skirmish_fleet_directory_write_bytes_total)
	wait "$b" || true
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	local cpu
	cpu=$(grep -oE '"server_cpu_percent": [0-9.]+' "$dir/bots.json" | grep -oE '[0-9.]+$')
	awk -v k="$kind" -v c="$cpu" -v w0="${w0:-0}" -v w1="${w1:-0}" -v b0="${b0:-0}" -v b1="${b1:-0}" \
		-v s="$secs" -v m="$matches" 'BEGIN {
		printf "%-10s %6.1f%% of a core", k, c
		if (w1 > 0) printf "   directory: %.2f writes and %.0f bytes per match per second", (w1 - w0) / s / m, (b1 - b0) / s / m
		printf "\n" }'
}

echo "$bots bots in $matches matches, 60 Hz, 2 commands/s, ${secs} s windows, $(nproc) cores, $(date -u +%F)"
for i in $(seq "$runs"); do
	run standalone
	run fleet -nats "$nats" -node-id "loaded$i"
done
