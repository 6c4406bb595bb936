#!/usr/bin/env bash
# Whole-process benchmark of vigil serve on this machine: every Windows rule
# of Elastic's corpus, raw winlog records from ../shared/data/winlog
# re-stamped with the current time, sent over loopback by bench/serveload.
#   1. unbounded: the sustained rate of acknowledged documents;
#   2. at half that rate: latency from acknowledgement to a marker's alert
#      being stored;
# then the server's peak RSS. Bounded: each phase lasts $DURATION (default
# 60s). Run from the repository root:  bash bench/serve.sh
# Each phase also reports the server's CPU-seconds and documents per
# CPU-second: on a shared machine the rate follows the CPU the server gets,
# the cost per document does not.
# /api/stats is printed at the end of each phase (ordering buffer,
# events not held, early evaluations, the log and the carry log), and the
# largest log and carry log sizes sampled every 10 s at the end.
# SERVE_FLAGS adds flags to vigil serve (e.g. "--log-max-bytes 1073741824"
# for a shorter proxy of the 10-minute run).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${VIGIL_SHARED:-../shared}"
DURATION="${DURATION:-60s}"
PORT="${PORT:-19201}"
tmp=$(mktemp -d)
sampler=
trap 'pkill -P $pid 2>/dev/null || true; [ -z "$sampler" ] || kill $sampler 2>/dev/null || true; rm -rf "$tmp"' EXIT
# VIGIL_BIN=/path/to/vigil runs a binary built elsewhere (an older commit,
# to compare side by side); SERVELOAD_BIN likewise for the load generator
# (default: this tree's).
if [ -n "${VIGIL_BIN:-}" ]; then cp "$VIGIL_BIN" "$tmp/vigil"; else go build -o "$tmp/vigil" ./cmd/vigil; fi
if [ -n "${SERVELOAD_BIN:-}" ]; then cp "$SERVELOAD_BIN" "$tmp/serveload"; else go build -o "$tmp/serveload" ./bench/serveload; fi
rules=()
for d in "$SHARED/corpus/detection-rules/rules" "$SHARED/corpus/detection-rules/rules_building_block"; do rules+=(--rules "$d"); done
# Windows rules only: the corpus' rules for other systems see no event here
# but would cost nothing either; keep the set the issue names.
/usr/bin/time -v -o "$tmp/time.txt" "$tmp/vigil" serve --data "$tmp/data" --listen "127.0.0.1:$PORT" \
  --durability "${DURABILITY:-request}" "${rules[@]}" --log-level warn --pprof ${SERVE_FLAGS:-} &
pid=$!
sleep 0.5
pgrep -P $pid >/dev/null || { echo "vigil serve did not start (port $PORT taken?)"; exit 1; }
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
vpid=$(pgrep -P $pid)
# cpu prints the server's CPU-seconds so far (user + system).
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/t}' "/proc/$vpid/stat"; }
# evaluated prints how many documents the server has decoded and judged.
evaluated() { curl -s "http://127.0.0.1:$PORT/api/stats" | sed -n 's/.*"evaluated_on_arrival":\([0-9]*\).*/\1/p'; }
# phase reports a phase's CPU-seconds and decoded documents per CPU-second.
phase() {
  local c1 e1; c1=$(cpu); e1=$(evaluated)
  echo "serve.sh: $1: $(awk -v a="$2" -v b="$c1" 'BEGIN{printf "%.2f", b-a}') CPU-seconds, $((e1 - $3)) documents decoded, $(awk -v a="$2" -v b="$c1" -v n=$((e1 - $3)) 'BEGIN{printf "%.0f", n/(b-a)}') per CPU-second"
}
echo "serve.sh: load before phase one: $(uptime)"
# Every 10 s: the log's and the carry log's bytes and the log's
# checkpoint, to show what the disk holds over the run (the largest
# figures are printed at the end).
( while sleep 10; do
    curl -s "http://127.0.0.1:$PORT/api/stats" | /usr/bin/python3 -c 'import json,sys
s=json.load(sys.stdin); c=s.get("carry",{})
print(s["log"]["bytes"], c.get("bytes",0), s["log"]["checkpoint"], s["events"]["acknowledged"])' 2>/dev/null || true
  done ) >"$tmp/disk.txt" &
sampler=$!
c0=$(cpu); e0=$(evaluated)
out=$("$tmp/serveload" -url "http://127.0.0.1:$PORT" -corpus "$SHARED/data/winlog" -duration "$DURATION")
phase "phase one" "$c0" "$e0"
# What holds the memory at the end of the unbounded phase.
curl -s "http://127.0.0.1:$PORT/debug/pprof/heap" -o "${HEAP_PROFILE:-$tmp/heap.pprof}" || true
echo "$out"
curl -s "http://127.0.0.1:$PORT/api/stats" ; echo
acked=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) acknowledged documents\/s/\1/p')
evald=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) decoded documents\/s.*/\1/p')
rate=$(( acked < evald ? acked : evald ))
half=$(( ${rate:-2000} / 2 ))
# Let the service drain what phase one left queued before measuring
# latency: _refresh returns once everything acknowledged is evaluated and
# its alerts stored. Without it phase two measures the backlog.
t0=$(date +%s.%N)
curl -s -m 600 -X POST "http://127.0.0.1:$PORT/_refresh" >/dev/null || true
echo "serve.sh: backlog of phase one drained in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
c0=$(cpu); e0=$(evaluated)
"$tmp/serveload" -url "http://127.0.0.1:$PORT" -corpus "$SHARED/data/winlog" -duration "$DURATION" -rate "$half"
phase "phase two" "$c0" "$e0"
curl -s "http://127.0.0.1:$PORT/api/stats" ; echo
kill $sampler 2>/dev/null || true
awk 'BEGIN{l=0;c=0;n=0} {n++; if($1>l)l=$1; if($2>c)c=$2} END{printf "serve.sh: over %d samples (every 10 s): largest log %.0f MB, largest carry log %.0f MB\n", n, l/1e6, c/1e6}' "$tmp/disk.txt"
# $pid is /usr/bin/time, which does not pass signals on: interrupt vigil.
pkill -INT -P $pid; wait $pid || true
echo "serve.sh: load at the end: $(uptime)"
grep -E "Maximum resident|User time|System time|Elapsed" "$tmp/time.txt"
