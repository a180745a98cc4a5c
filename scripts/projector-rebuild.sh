#!/usr/bin/env bash
# projector-rebuild.sh measures how fast a new skirmish-projector rebuilds
# the read models from a fleet's event log: MATCHES synthetic matches of 16
# players, MINUTES each, are published to a JetStream chunk stream by a
# skirmishd node, then a projector with an empty directory, pinned to one
# core, catches up over the stream; the same projector is then timed over
# the files alone (its mirror kept, its checkpoints removed). It prints both
# rates in match time per wall time.
#
#   scripts/projector-rebuild.sh [MATCHES [MINUTES]]
set -euo pipefail
matches=${1:-100}
minutes=${2:-1}
GO=${GO:-go}
. "$(dirname "$0")/lib.sh"
CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-projector ./cmd/skirmish-replay

metric() { curl -s "$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

echo "generating $matches matches of 16 players, $minutes min each..."
mkdir -p "$tmp/node"
for i in $(seq "$matches"); do
	"$tmp/skirmish-replay" gen -players 16 -minutes "$minutes" -rate 2 -seed "$i" -o "$tmp/node/gen-$i.skr" >/dev/null
done
ticks=$((matches * minutes * 60 * 60))

"$tmp/skirmishd" -nats-only -replay-dir "$tmp/nats" -nats-listen 127.0.0.1:0 -log-level info >/dev/null 2>"$tmp/nats.log" &
pids+=($!)
nats=$(waitlog "$tmp/nats.log" 'nats://127\.0\.0\.1:[0-9]+')
# The node publishes its finished files at start; it is done when the
# stream's count stops growing.
"$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$tmp/node" -nats "$nats" -node-id gen -log-level info \
	>/dev/null 2>"$tmp/node.log" &
node=$!
pids+=($node)
addr=$(waitlog "$tmp/node.log" '"skirmishd listening" url=ws://[0-9.:]+' | grep -oE '[0-9.]+:[0-9]+')
last=-1
while :; do
	sleep 2
	n=$(metric "http://$addr" 'skirmish_fleet_chunks_published_total{result="published"}')
	[ "${n:-0}" = "$last" ] && break
	last=${n:-0}
done
kill "$node"
wait "$node" 2>/dev/null || true
echo "published: $last parts"

# run DIR LABEL: time a projector over DIR until its read models have
# simulated every tick.
run() {
	local dir=$1 label=$2
	local start end
	start=$(date +%s.%N)
	taskset -c 1 "$tmp/skirmish-projector" -nats "$nats" -dir "$dir" -addr 127.0.0.1:0 -log-level warn \
		-log-format text >/dev/null 2>"$tmp/proj-$label.log" &
	local p=$!
	pids+=($p)
	# The address is logged at info; ask the kernel instead.
	local port=""
	for _ in $(seq 100); do
		port=$(ss -ltnpH 2>/dev/null | grep "pid=$p," | grep -o '127.0.0.1:[0-9]*' | head -1 || true)
		[ -n "$port" ] && break
		sleep 0.05
	done
	while :; do
		t=$(metric "http://$port" skirmish_projector_ticks_total)
		[ "${t%.*}" -ge "$ticks" ] 2>/dev/null && break
		sleep 0.05
	done
	end=$(date +%s.%N)
	kill "$p"
	wait "$p" 2>/dev/null || true
	awk -v s="$start" -v e="$end" -v t="$ticks" -v l="$label" 'BEGIN {
		w = e - s; printf "%-22s %7.2f s for %d ticks (%.0f s of matches): %.0fx real time\n", l, w, t, t / 60, t / 60 / w }'
}
echo "$(nproc) cores, projector pinned to core 1, $(date -u +%F)"
run "$tmp/proj" "from the stream"
rm -rf "$tmp/proj/projections"
run "$tmp/proj" "from the mirror's files"
