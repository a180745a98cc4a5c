#!/usr/bin/env bash
# bench-peer.sh runs Skirmish and its peer, Colyseus 0.16 (../shared/peers/
# colyseus, or PEER), under the same load, one after the other in one run,
# and prints one table: server CPU, server CPU per client per tick, latency
# percentiles (command to the tick that carries its effect), ticks missed,
# the bots' CPU, and Skirmish's ratio to Colyseus on every row.
#
# Load, as in the peer's README: rooms/matches of 20 at 60 Hz, 2 commands
# per bot per second, bots on the same machine. Each side gets the same
# window (SECONDS, default 30) after its joins.
#
#   scripts/bench-peer.sh                 # 400 and 1000 bots
#   scripts/bench-peer.sh 400             # one load
#   PIN=1 scripts/bench-peer.sh 1000      # servers on CPU 0, bots on CPU 1
#   BIN=/tmp/old scripts/bench-peer.sh    # skirmishd and skirmish-bots from BIN
#
# Server CPU is utime+stime from /proc over the window. Colyseus's own
# samples (every 5 s, steady state) give its figure: the median of those
# that fall in the window. Ticks missed: for Skirmish, skirmish-bots'
# missed_ticks; for Colyseus, the ticks its rooms should have run in the
# window less those they ran (from the same samples).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${SECONDS_:-${WINDOW:-30}}
PIN=${PIN:-0}
GO=${GO:-go}
PEER=${PEER:-../shared/peers/colyseus}
loads=("$@")
[ ${#loads[@]} -gt 0 ] || loads=(400 1000)
[ -x "$PEER/run.sh" ] || { echo "bench-peer: no peer at $PEER (set PEER)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench-peer: the peer needs Node 20 and npm" >&2; exit 2; }

tmp=$(mktemp -d)
srv=''
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	pkill -f "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${BIN:-}" ]; then
	cp "$BIN/skirmishd" "$BIN/skirmish-bots" "$tmp/"
else
	CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots
fi
server_cpus='' bots_cpus=''
if [ "$PIN" = 1 ]; then
	server_cpus='taskset -c 0' bots_cpus='taskset -c 1'
fi
hz=$(getconf CLK_TCK)

# skirmish N: one Skirmish run of N bots; its results in $tmp/skirmish-N.json.
skirmish() {
	local n=$1 port
	$server_cpus "$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$tmp/replays-$n" -log-level warn \
		-max-players 20 -max-matches-per-ip 0 -max-conns-per-ip 0 -max-conns 0 2>"$tmp/server-$n.log" &
	srv=$!
	for _ in $(seq 100); do
		port=$(ss -ltnpH 2>/dev/null | grep "pid=$srv," | grep -o '127.0.0.1:[0-9]*' | head -1 || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "bench-peer: skirmishd did not start" >&2; cat "$tmp/server-$n.log" >&2; exit 1; }
	$bots_cpus "$tmp/skirmish-bots" -url "ws://$port/ws" -bots "$n" -matches $((n / 20)) -rate 2 -ramp 10s \
		-duration "${SECONDS_}s" -server-pid "$srv" -progress off -json "$tmp/skirmish-$n.json" >"$tmp/skirmish-$n.txt" 2>&1 || true
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	srv=''
}

# colyseus N: one peer run of N bots; its results in $tmp/colyseus-N.json.
colyseus() {
	local n=$1 watcher
	PORT=${PEER_PORT:-25670} bash "$PEER/run.sh" "$n" "$SECONDS_" 2 60 20 >"$tmp/colyseus-$n.txt" 2>&1 &
	local run=$!
	# Pin the peer's processes as they appear, and sample the bots' CPU
	# (they exit at the end of the run, taking their counters with them).
	# Each bot process's last reading counts, also after it has exited.
	(
		declare -A seen=()
		while kill -0 "$run" 2>/dev/null; do
			for p in $(pgrep -f 'node arena-server.js' || true); do
				[ -n "$server_cpus" ] && taskset -acp 0 "$p" >/dev/null 2>&1
			done
			for p in $(pgrep -f 'node latency-bots.js' || true); do
				[ -n "$bots_cpus" ] && taskset -acp 1 "$p" >/dev/null 2>&1
				c=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true)
				[ -n "$c" ] && seen[$p]=$c
			done
			sum=0
			for c in "${seen[@]}"; do sum=$((sum + c)); done
			echo "$sum" >"$tmp/colyseus-bots-cpu-$n"
			sleep 0.2
		done
	) &
	watcher=$!
	local t0=$SECONDS
	wait "$run" || true
	echo $((SECONDS - t0)) >"$tmp/colyseus-elapsed-$n"
	wait "$watcher" || true
	local work=${WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/skirmish-peer-colyseus}
	cp "$work/server.log" "$tmp/colyseus-server-$n.log"
}

for n in "${loads[@]}"; do
	echo "bench-peer: $n bots, Skirmish" >&2
	skirmish "$n"
	echo "bench-peer: $n bots, Colyseus" >&2
	colyseus "$n"
done

python3 - "$tmp" "$SECONDS_" "$hz" "$PIN" "${loads[@]}" <<'PY'
import json, os, re, statistics, sys
tmp, window, hz, pin = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
loads = [int(a) for a in sys.argv[5:]]
rows = []
def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"
def fmt(v, f="{:.1f}"):
    return f.format(v) if v is not None else "-"
for n in loads:
    s = json.load(open(f"{tmp}/skirmish-{n}.json"))
    sk = {
        "cpu": s.get("server_cpu_percent"),
        "us": s.get("server_cpu_per_frame_us") or (s["server_cpu_s"] * 1e6 / s["frames"] if s.get("server_cpu_s") else None),
        "p50": s["latency_ms"]["p50"], "p99": s["latency_ms"]["p99"], "p999": s["latency_ms"]["p999"],
        "missed": s["missed_ticks"],
        "bots_cpu": 100 * s["bots_cpu_s"] / s["duration_s"] if s.get("bots_cpu_s") is not None else None,
        "extra": f"{s['connected']} connected, {s['disconnects']} disconnects, {s['desyncs']} desyncs, "
                 f"{s.get('full_bots', 'all')} full + {s.get('blind_bots', 0)} blind bots",
    }
    # The peer: its JSON line, its 5-second samples, and the bots' CPU.
    out = open(f"{tmp}/colyseus-{n}.txt").read()
    res = json.loads([l for l in out.splitlines() if l.startswith('{"peer"')][-1])
    samples = [json.loads(l) for l in open(f"{tmp}/colyseus-server-{n}.log") if l.startswith('{"t"')]
    # Samples in the window: the peer's bots measure from 2 s after the
    # last join until the end; the last sample covers the leaving.
    steady = [x for x in samples if x["cmds_per_s"] > 0.8 * 2 * n] or samples
    cpu = statistics.median(x["cpu_pct"] for x in steady)
    ticks = statistics.median(x["ticks_per_s"] for x in steady)
    rooms = -(-n // 20)
    frames_per_s = ticks * 20  # each room's tick reaches its 20 clients
    bots_ticks = float(open(f"{tmp}/colyseus-bots-cpu-{n}").read()) if os.path.exists(f"{tmp}/colyseus-bots-cpu-{n}") else None
    co = {
        "cpu": cpu,
        "us": cpu / 100 * 1e6 / frames_per_s if frames_per_s else None,
        "p50": res["latency_ms"]["p50"], "p99": res["latency_ms"]["p99"], "p999": res["latency_ms"]["p999"],
        "missed": max(0, round((rooms * 60 - ticks) * window)),
        # The peer's bots' CPU is averaged over their whole run, joins included.
        "bots_cpu": None if bots_ticks is None else 100 * bots_ticks / hz / float(open(f"{tmp}/colyseus-elapsed-{n}").read()),
        "extra": f"{res['joined']} joined, {res['failed']} failed; {ticks:.0f} of {rooms * 60} ticks/s",
    }
    rows.append((n, sk, co))

print(f"\nbench-peer: rooms/matches of 20 at 60 Hz, 2 commands/s per bot, {window:.0f} s windows, "
      f"{os.cpu_count()} CPUs{', servers on CPU 0 and bots on CPU 1' if pin == '1' else ''}\n")
print("| bots | | server CPU % of a core | server µs per client per tick | p50 ms | p99 ms | p999 ms | missed ticks | bots CPU % |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for n, sk, co in rows:
    print(f"| {n} | Skirmish | {fmt(sk['cpu'])} | {fmt(sk['us'], '{:.2f}')} | {sk['p50']:.1f} | {sk['p99']:.1f} | {sk['p999']:.1f} | {sk['missed']} | {fmt(sk['bots_cpu'])} |")
    print(f"| {n} | Colyseus | {fmt(co['cpu'])} | {fmt(co['us'], '{:.2f}')} | {co['p50']:.1f} | {co['p99']:.1f} | {co['p999']:.1f} | {co['missed']} | {fmt(co['bots_cpu'])} |")
    print(f"| {n} | ratio | {ratio(sk['cpu'], co['cpu'])} | {ratio(sk['us'], co['us'])} | {ratio(sk['p50'], co['p50'])} | "
          f"{ratio(sk['p99'], co['p99'])} | {ratio(sk['p999'], co['p999'])} | | {ratio(sk['bots_cpu'], co['bots_cpu'])} |")
print()
for n, sk, co in rows:
    print(f"{n} bots: Skirmish {sk['extra']}; Colyseus {co['extra']}")
PY
