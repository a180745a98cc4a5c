#!/usr/bin/env bash
# soak.sh runs skirmishd under bots for a long time and watches it for leaks:
# a steady load (BOTS bots in MATCHES matches, 2 commands/s each, for the
# whole DURATION) plus churn (runs of CHURN bots in two new matches, 20 s
# each, back to back, so that sessions and matches keep starting and
# ending). It samples the server's RSS, open files (from /proc) and
# goroutines, heap, sessions and matches (from /metrics) SAMPLES times,
# prints them as a table, and ends with a verdict: PASS when RSS,
# goroutines and open files are flat (the second half of the samples after
# the warm-up no higher than the first half, within a tolerance), the server
# counted no desync, no bot saw one and no bot was disconnected, and the
# server shut down cleanly. It exits 1 otherwise.
#
#   scripts/soak.sh                       # 10 minutes
#   DURATION=1h scripts/soak.sh           # or: make soak DURATION=1h
#   DURATION=2m BOTS=40 MATCHES=2 CHURN=10 SAMPLES=12 scripts/soak.sh
set -euo pipefail
DURATION=${DURATION:-10m}
BOTS=${BOTS:-200}
MATCHES=${MATCHES:-10}
CHURN=${CHURN:-20}
SAMPLES=${SAMPLES:-20}
GO=${GO:-go}

# seconds DURATION: a Go-style duration (90s, 10m, 1h, 1h30m) in seconds.
seconds() {
	local d=$1 total=0 n unit
	while [[ $d =~ ^([0-9]+)([hms])(.*)$ ]]; do
		n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
		case $unit in h) total=$((total + n * 3600)) ;; m) total=$((total + n * 60)) ;; s) total=$((total + n)) ;; esac
	done
	[ -z "$d" ] && [ "$total" -gt 0 ] || { echo "soak: DURATION=$1: want a duration like 90s, 10m or 1h" >&2; exit 2; }
	echo "$total"
}
secs=$(seconds "$DURATION")
[ "$secs" -ge 60 ] || { echo "soak: DURATION=$DURATION: want at least 1m" >&2; exit 2; }
# Samples fall within the steady load, which ends about a second early.
every=$(((secs - 10) / SAMPLES))

tmp=$(mktemp -d)
srv='' steady='' churner=''
cleanup() {
	for p in $churner $steady $srv; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

CGO_ENABLED=0 "$GO" build -o "$tmp/" ./cmd/skirmishd ./cmd/skirmish-bots
# Every bot comes from 127.0.0.1: lift the per-address limits.
"$tmp/skirmishd" -addr 127.0.0.1:0 -replay-dir "$tmp/replays" -max-players 20 \
	-max-matches-per-ip 0 -max-conns-per-ip 0 -max-conns 0 2>"$tmp/server.log" &
srv=$!
url=''
for _ in $(seq 100); do
	url=$(grep -o 'url=ws://[^ ]*' "$tmp/server.log" | head -1 | cut -d= -f2 || true)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { echo "soak: skirmishd did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
base=${url%/ws}
base=http${base#ws}

echo "soak: skirmishd (pid $srv) at $url for $DURATION: $BOTS bots in $MATCHES matches, churn $CHURN bots every 20 s; a sample every ${every}s" >&2
SECONDS=0
"$tmp/skirmish-bots" -url "$url" -bots "$BOTS" -matches "$MATCHES" -match-prefix steady -rate 2 \
	-ramp 10s -duration "$((secs - 12))s" -progress off -json "$tmp/steady.json" >"$tmp/steady.txt" 2>&1 &
steady=$!
(
	i=0
	while [ $((SECONDS + 25)) -lt "$secs" ]; do
		i=$((i + 1))
		"$tmp/skirmish-bots" -url "$url" -bots "$CHURN" -matches 2 -match-prefix "churn$i" -rate 2 \
			-ramp 2s -duration 20s -progress off -json "$tmp/churn$i.json" >"$tmp/churn$i.txt" 2>&1 || true
	done
) &
churner=$!

metric() { # metric NAME: an unlabelled metric of the server
	curl -s "$base/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
sample() {
	local rss fds
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$srv/status")
	fds=$(find "/proc/$srv/fd" -mindepth 1 -maxdepth 1 | wc -l)
	printf '%d %.1f %.1f %d %d %d %d\n' "$SECONDS" "$(echo "$rss" | awk '{ print $1 / 1024 }')" \
		"$(metric go_memstats_heap_inuse_bytes | awk '{ print $1 / 1048576 }')" \
		"$(metric go_goroutines)" "$fds" "$(metric skirmish_sessions)" "$(metric skirmish_matches)"
}
for k in $(seq "$SAMPLES"); do
	wait_s=$((k * every - SECONDS)) # on schedule, however long a sample takes
	[ "$wait_s" -gt 0 ] && sleep "$wait_s"
	sample | tee -a "$tmp/samples" | awk '{ printf "soak: %5ds rss %7.1f MiB, %5d goroutines, %4d fds, %4d sessions\n", $1, $2, $4, $5, $6 }' >&2
done
wait "$steady" || true
wait "$churner" || true
desyncs=$(metric skirmish_desyncs_total)
overruns=$(metric skirmish_tick_overruns_total)
replays=$(find "$tmp/replays" -maxdepth 1 -name '*.skr' | wc -l)
kill -TERM "$srv"
clean=yes
wait "$srv" || clean=no
srv=''

# The bots' own counts, over every run.
bot_totals=$(cat "$tmp"/steady.json "$tmp"/churn*.json 2>/dev/null | tr ',{}' '\n\n\n' | awk -F: '
	/"disconnects"/ { d += $2 } /"desyncs"/ { s += $2 } /"connect_errors"/ { e += $2 } /"connected"/ { c += $2 }
	END { printf "%d %d %d %d\n", c, d, s, e }')
read -r bots_connected bots_disconnects bots_desyncs bots_connect_errors <<<"$bot_totals"
churn_runs=$(find "$tmp" -maxdepth 1 -name 'churn*.json' | wc -l)

echo
echo "| elapsed | RSS MiB | heap MiB | goroutines | open fds | sessions | matches |"
echo "|--------:|--------:|---------:|-----------:|---------:|---------:|--------:|"
awk '{ printf "| %5d s | %7.1f | %8.1f | %10d | %8d | %8d | %7d |\n", $1, $2, $3, $4, $5, $6, $7 }' "$tmp/samples"
echo
awk -v desyncs="$desyncs" -v overruns="$overruns" -v clean="$clean" -v replays="$replays" \
	-v bc="$bots_connected" -v bd="$bots_disconnects" -v bs="$bots_desyncs" -v be="$bots_connect_errors" \
	-v runs="$churn_runs" -v dur="$DURATION" -v bots="$BOTS" -v matches="$MATCHES" -v churn="$CHURN" '
{ t[NR] = $1; rss[NR] = $2; gor[NR] = $4; fds[NR] = $5 }
END {
	# Drop the first fifth (the ramp and the first churn runs), then
	# compare the means of the two halves of the rest.
	from = int(NR / 5) + 1; n = NR - from + 1; mid = from + int(n / 2)
	for (i = from; i <= NR; i++) {
		h = (i < mid) ? 1 : 2; c[h]++; r[h] += rss[i]; g[h] += gor[i]; f[h] += fds[i]
	}
	for (h = 1; h <= 2; h++) { r[h] /= c[h]; g[h] /= c[h]; f[h] /= c[h] }
	bad = ""
	# Tolerances: RSS 10% + 8 MiB (the heap breathes with GC), goroutines and
	# files 5% + 20 (the churn is at a different point at each sample).
	if (r[2] > r[1] * 1.10 + 8) bad = bad sprintf(" RSS grew %.1f -> %.1f MiB;", r[1], r[2])
	if (g[2] > g[1] * 1.05 + 20) bad = bad sprintf(" goroutines grew %.0f -> %.0f;", g[1], g[2])
	if (f[2] > f[1] * 1.05 + 20) bad = bad sprintf(" open files grew %.0f -> %.0f;", f[1], f[2])
	if (desyncs + 0 != 0) bad = bad sprintf(" server counted %d desyncs;", desyncs)
	if (bs != 0) bad = bad sprintf(" bots saw %d desyncs;", bs)
	if (bd != 0) bad = bad sprintf(" %d bots disconnected;", bd)
	if (be != 0) bad = bad sprintf(" %d bots could not connect;", be)
	if (clean != "yes") bad = bad " unclean shutdown;"
	printf "load          %d bots in %d matches for %s, plus %d churn runs of %d bots\n", bots, matches, dur, runs, churn
	printf "RSS           %.1f MiB -> %.1f MiB (means of the halves after the warm-up)\n", r[1], r[2]
	printf "goroutines    %.0f -> %.0f\n", g[1], g[2]
	printf "open files    %.0f -> %.0f\n", f[1], f[2]
	printf "bots          %d connected, %d disconnected, %d desyncs, %d connect errors\n", bc, bd, bs, be
	printf "server        %d desyncs, %d tick overruns, %d replays, shutdown clean: %s\n", desyncs, overruns, replays, clean
	if (bad == "") { print "verdict       PASS: flat, 0 desyncs, 0 disconnects"; exit 0 }
	print "verdict       FAIL:" bad; exit 1
}' "$tmp/samples"
