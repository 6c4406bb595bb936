#!/usr/bin/env bash
# Whole-process benchmark of vigil hunt on this machine, the figures of
# issue 11: every Windows rule of Elastic's corpus over
#   ecs:  the ECS NDJSON dump of ../shared/data/winlog (made with vigil dump),
#   raw:  the raw winlog records themselves,
# each on one core (taskset + GOMAXPROCS=1: events per CPU-second) and on
# two (wall, and the 2-core/1-core wall ratio); then peak RSS of the ECS
# input 1x against COPIES x (copies shifted in time, default 8), and over
# a folder of at least SMALL small files (default 10,000; 0 skips). Figures are
# medians of N runs (default 5; NBIG for the last two, 0 skips them); CPU is user+system of the whole process,
# RSS /usr/bin/time's maximum resident set. First it checks that one
# engine and two write the same alerts over the whole corpus.
# Run from the repository root:  bash bench/hunt.sh   (N=3 COPIES=4 ... to shorten)
# OLD=path/to/vigil also runs that binary (e.g. built from main) on every
# row, each of its runs next to one of ours, and prints its medians under
# the label "old": compare the two on a shared machine (a memory row that
# moves shows up beside the old figure, not only against the target).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${VIGIL_SHARED:-../shared}"
N="${N:-5}"
NBIG="${NBIG:-$N}" # runs of the COPIES x and SMALL cases
COPIES="${COPIES:-8}"
SMALL="${SMALL:-10000}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/vigil" ./cmd/vigil
go build -o "$tmp/shift" ./bench/shift
rules=(--tag "OS: Windows" --rules "$SHARED/corpus/detection-rules/rules" --rules "$SHARED/corpus/detection-rules/rules_building_block")
raw="$SHARED/data/winlog"

mkdir -p "$tmp/ecs"
for f in "$raw"/security-datasets/*/*.ndjson.gz; do
  "$tmp/vigil" dump "$f" >"$tmp/ecs/$(basename "$f" .gz)"
done

# run CORES PATH...: one hunt; prints "events cpu wall rss_mib". BIN is
# the binary (default ours).
run() {
  local cores=$1; shift
  local bin=${BIN:-$tmp/vigil}
  local pin=(taskset -c 0) procs=1
  if [ "$cores" = 2 ]; then pin=(taskset -c 0,1); procs=2; fi
  GOMAXPROCS=$procs /usr/bin/time -f "%U %S %e %M" -o "$tmp/time.txt" "${pin[@]}" \
    "$bin" hunt --format jsonl --output /dev/null --progress never "${rules[@]}" "$@" 2>"$tmp/err.txt" || {
    cat "$tmp/err.txt" >&2; exit 1; }
  local events
  events=$(sed -n 's/^vigil: .* files, \([0-9]*\) events in.*/\1/p' "$tmp/err.txt")
  read -r u s e m <"$tmp/time.txt"
  echo "$events $(echo "$u + $s" | bc) $e $((m / 1024))"
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure LABEL "CORES..." PATH...: N rounds, each a run on every number of
# cores in CORES (with OLD set, each next to a run of OLD, whose medians are
# printed as "LABEL old"); prints the medians for each number of cores.
# The 1-core and 2-core runs alternate within a round, so that the
# 2-core/1-core ratio compares runs of the same minutes: this machine's
# second core is slower at some times than at others.
measure() {
  local label=$1 cores=$2 c; shift 2
  for c in $cores; do : >"$tmp/runs.$c.txt"; : >"$tmp/runs.old.$c.txt"; done
  for _ in $(seq "${RUNS:-$N}"); do
    for c in $cores; do
      if [ -n "${OLD:-}" ]; then BIN=$OLD run "$c" "$@" >>"$tmp/runs.old.$c.txt"; fi
      run "$c" "$@" >>"$tmp/runs.$c.txt"
    done
  done
  for c in $cores; do
    if [ -s "$tmp/runs.old.$c.txt" ]; then summarize "$label old" "$c" "$tmp/runs.old.$c.txt"; fi
    summarize "$label" "$c" "$tmp/runs.$c.txt"
  done
}

# summarize LABEL CORES FILE: the medians of the runs in FILE.
summarize() {
  local label=$1 cores=$2 runs=$3
  local events cpu wall rss
  events=$(awk '{print $1}' "$runs" | median)
  cpu=$(awk '{print $2}' "$runs" | median)
  wall=$(awk '{print $3}' "$runs" | median)
  rss=$(awk '{print $4}' "$runs" | median)
  printf '%-28s %d core(s)  events %s  cpu %ss  wall %ss  events/cpu-s %.0f  peak RSS %s MiB  (load %s)\n' \
    "$label" "$cores" "$events" "$cpu" "$wall" "$(echo "$events / $cpu" | bc -l)" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$wall" >"$tmp/wall.$label.$cores"
  echo "$rss" >"$tmp/rss.$label.$cores"
}

# same INPUT: the whole corpus hunted with one engine and with two gives
# the same alerts in the same order (alert times aside: they are now).
same() {
  local path=$1
  for e in 1 2; do
    "$tmp/vigil" hunt --engines $e --format jsonl --output "$tmp/alerts.$e" --progress never --quiet "${rules[@]}" "$path"
    sed -E 's/"(@timestamp|kibana\.alert\.start)":"[^"]*"//g' "$tmp/alerts.$e" >"$tmp/alerts.$e.norm"
  done
  if cmp -s "$tmp/alerts.1.norm" "$tmp/alerts.2.norm"; then
    echo "$(basename "$path"): --engines 1 and 2 write the same $(wc -l <"$tmp/alerts.1") alert lines"
  else
    echo "$(basename "$path"): --engines 1 and 2 DIFFER"; exit 1
  fi
}
same "$tmp/ecs"
same "$raw"

echo "vigil hunt, $(nproc) cores here, medians of $N runs"
for input in ecs raw; do
  path="$tmp/ecs"
  [ "$input" = raw ] && path="$raw"
  measure "$input" "1 2" "$path"
  for l in ${OLD:+"$input old"} "$input"; do
    printf '%-28s 2-core/1-core wall speed-up %.2fx\n' "$l" \
      "$(echo "$(cat "$tmp/wall.$l.1") / $(cat "$tmp/wall.$l.2")" | bc -l)"
  done
done

if [ "$COPIES" -gt 1 ] && [ "$NBIG" -gt 0 ]; then
  # COPIES copies of the ECS dump, copy k shifted k*1000 days later: the
  # same events over disjoint time ranges.
  for k in $(seq 0 $((COPIES - 1))); do
    mkdir -p "$tmp/copies/$k"
    for f in "$tmp"/ecs/*; do "$tmp/shift" -days $((k * 1000)) <"$f" >"$tmp/copies/$k/$(basename "$f")"; done
  done
  RUNS=$NBIG measure "ecs ${COPIES}x" 2 "$tmp/copies"
  for l in ${OLD:+"old"} ""; do
    printf '%-28s peak RSS %sx / 1x: %.2f\n' "ecs${l:+ $l}" "$COPIES" \
      "$(echo "$(cat "$tmp/rss.ecs ${COPIES}x${l:+ $l}.2") / $(cat "$tmp/rss.ecs${l:+ $l}.2")" | bc -l)"
  done
  rm -rf "$tmp/copies"
fi

if [ "$SMALL" -gt 0 ] && [ "$NBIG" -gt 0 ]; then
  # The ECS dump cut into at least SMALL files of equal line counts
  # (rounded down, so that there are no fewer files than SMALL).
  mkdir -p "$tmp/small"
  total=$(cat "$tmp"/ecs/* | wc -l)
  cat "$tmp"/ecs/* | split -l $((total / SMALL > 0 ? total / SMALL : 1)) -a 6 --additional-suffix=.ndjson - "$tmp/small/part-"
  RUNS=$NBIG measure "ecs in $(ls "$tmp/small" | wc -l) files" 2 "$tmp/small"
fi
