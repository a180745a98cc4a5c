#!/usr/bin/env bash
# fleet.sh starts a fleet of three skirmishd nodes on loopback (the first
# runs the embedded NATS JetStream node, the others join through it) and a
# skirmish-projector, sends BOTS bots to the first node only for SECONDS,
# and prints the fleet's matches and nodes as another node sees them, the
# leaderboard of the whole fleet (from the projector, through a node), and
# the replays the fleet stored once the nodes stopped. docs/FLEET.md
# explains what it shows.
#
#   scripts/fleet.sh [BOTS [SECONDS]]
set -euo pipefail
bots=${1:-60}
secs=${2:-20}
GO=${GO:-go}
. "$(dirname "$0")/lib.sh"

CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots ./cmd/skirmish-projector

# Every bot comes from 127.0.0.1: lift the per-address limits.
limits=(-max-matches-per-ip 0 -max-conns-per-ip 0 -max-players 10 -log-level info)
start() { # start N FLAGS...: start node N in the background
	local n=$1
	shift
	mkdir -p "$tmp/n$n"
	"$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$tmp/n$n/replays" -node-id "node$n" "${limits[@]}" "$@" \
		>/dev/null 2>"$tmp/n$n/log" &
	pids+=($!)
}
addr() { waitlog "$tmp/n$1/log" 'ws://127\.0\.0\.1:[0-9]+/ws' | sed 's|ws://||; s|/ws||'; }

# The projector's port is chosen first, so that the nodes can be told it.
freeport() { # a port nothing listens on now (bash's /dev/tcp connects to it or not)
	while :; do
		local p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
proj=127.0.0.1:$(freeport)
start 1 -nats-listen 127.0.0.1:0 -projector "http://$proj"
nats=$(waitlog "$tmp/n1/log" 'nats://127\.0\.0\.1:[0-9]+')
start 2 -nats "$nats" -projector "http://$proj"
start 3 -nats "$nats" -projector "http://$proj"
"$tmp/skirmish-projector" -nats "$nats" -addr "$proj" -dir "$tmp/projector" >/dev/null 2>"$tmp/projector.log" &
pids+=($!)
n1=$(addr 1) n2=$(addr 2) n3=$(addr 3)
echo "fleet: node1 http://$n1 (embedded NATS $nats), node2 http://$n2, node3 http://$n3"
sleep 2 # a refresh or two, so that every node lists the others

echo "$bots bots to node1 only, $secs s..."
"$tmp/skirmish-bots" -url "ws://$n1/ws" -bots "$bots" -matches "$((bots / 10))" -rate 2 \
	-ramp 5s -duration "${secs}s" -progress off -json "$tmp/bots.json" >"$tmp/bots.txt" 2>&1 &
bots_pid=$!
sleep $((secs / 2 + 5))

echo
echo "GET http://$n2/api/matches (node2 answers for the fleet):"
curl -s "http://$n2/api/matches" | awk -F'"' '
	/"id"/ { id = $4 } /"players"/ { gsub(/[^0-9]/, "", $3); p = $3 } /"node"/ { node = $4 }
	/"state"/ { st = $4 } /"tick"/ { gsub(/[^0-9]/, "", $3); t = $3 }
	/}/ && id != "" { printf "  %-10s %-7s %2s players  tick %-6s %s\n", id, node, p, t, st; id = "" }'
echo
echo "GET http://$n3/api/nodes:"
curl -s "http://$n3/api/nodes" | awk -F'"' '
	/"id"/ { id = $4 } /"matches"/ { gsub(/[^0-9]/, "", $3); m = $3 } /"sessions"/ { gsub(/[^0-9]/, "", $3); s = $3 }
	/}/ && id != "" { printf "  %-7s %2s matches %3s sessions\n", id, m, s; id = "" }'

wait "$bots_pid" || true
echo
grep -E 'bots|latency|disconnect|desync' "$tmp/bots.txt" | head -8 || true
echo
echo "GET http://$n3/api/leaderboard?limit=5 (node3 passes it to the projector, which reads every node's matches):"
curl -s "http://$n3/api/leaderboard?limit=5" | awk -F'"' '
	/"matches": [0-9]/ && !p { gsub(/[^0-9]/, "", $3); printf "  %s matches counted\n", $3 }
	/"players"/ { p = 1 } p && /"name"/ { n = $4 } p && /"kills"/ { gsub(/[^0-9]/, "", $3); k = $3 }
	p && /"deaths"/ { gsub(/[^0-9]/, "", $3); printf "  %-10s %3s kills %3s deaths\n", n, k, $3 }'


# Stop node3 then node2 (each uploads its replays), and list the fleet's
# replays through node1.
for i in 2 1; do kill -TERM "${pids[$i]}"; wait "${pids[$i]}" || true; done
echo
echo "GET http://$n1/api/replays (stored by every node):"
curl -s "http://$n1/api/replays" | grep -oE '"id": "[^"]+"|"node": "[^"]+"' | paste - - | sed 's/^/  /' | head -20
