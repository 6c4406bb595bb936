#!/usr/bin/env bash
# vigil against Python eql (Elastic's reference implementation of EQL,
# endgameinc/eql) on the same rules and events, issue 11's last row: the
# non-sequence EQL rules tagged "OS: Windows" of Elastic's corpus that
# eql's engine can run over the sample, and a sample of the ECS dump of
# ../shared/data/winlog (every 40th document of each file, ~5,000).
#   python: bench/pyeql/run.py, the CPU seconds of eql's PythonEngine
#           alone (decoding not counted);
#   vigil:  vigil hunt with those rules (--rule-id) on 1 core, CPU seconds
#           of the whole process over the sample; then net of start-up
#           (the same hunt over one empty event subtracted), and over the
#           whole dump (200,806 documents).
# Medians of N runs (default 5). Needs eql's source (EQL_SRC: a folder
# holding the eql package, e.g. a checkout of endgameinc/eql) and Debian's
# python3-lark. Run from the repository root:
#   EQL_SRC=path/to/eql bash bench/pyeql.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${VIGIL_SHARED:-../shared}"
N="${N:-5}"
PYTHON="${PYTHON:-/usr/bin/python3}"
: "${EQL_SRC:?set EQL_SRC to a folder holding the eql package of Python eql}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/vigil" ./cmd/vigil
mkdir -p "$tmp/ecs"
for f in "$SHARED"/data/winlog/security-datasets/*/*.ndjson.gz; do
  "$tmp/vigil" dump "$f" >"$tmp/ecs/$(basename "$f" .gz)"
done
for f in "$tmp"/ecs/*.ndjson; do awk 'NR % 40 == 0' "$f"; done >"$tmp/sample.ndjson"
echo '{"@timestamp":"2020-01-01T00:00:00Z"}' >"$tmp/empty.ndjson"
rules=(--rules "$SHARED/corpus/detection-rules/rules" --rules "$SHARED/corpus/detection-rules/rules_building_block")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$tmp/py.txt"
for i in $(seq "$N"); do
  PYTHONPATH="$EQL_SRC" "$PYTHON" bench/pyeql/run.py "${rules[@]}" --events "$tmp/sample.ndjson" --ids "$tmp/ids.txt" | tee -a "$tmp/py.log" |
    sed -n 's/.*, \([0-9.]*\) CPU-s,.*/\1/p' >>"$tmp/py.txt"
done
tail -1 "$tmp/py.log"
ids=()
while read -r id; do ids+=(--rule-id "$id"); done <"$tmp/ids.txt"

# cpu PATH: one vigil hunt on one core; prints "events cpu alerts".
cpu() {
  GOMAXPROCS=1 /usr/bin/time -f "%U %S" -o "$tmp/time.txt" taskset -c 0 \
    "$tmp/vigil" hunt --format jsonl --output "$tmp/alerts.jsonl" --progress never "${rules[@]}" "${ids[@]}" "$1" 2>"$tmp/err.txt"
  local events
  events=$(sed -n 's/^vigil: .* files, \([0-9]*\) events in.*/\1/p' "$tmp/err.txt")
  read -r u s <"$tmp/time.txt"
  echo "$events $(echo "$u + $s" | bc) $(wc -l <"$tmp/alerts.jsonl")"
}
: >"$tmp/sample.txt"; : >"$tmp/empty.txt"; : >"$tmp/all.txt"
for i in $(seq "$N"); do
  cpu "$tmp/sample.ndjson" >>"$tmp/sample.txt"
  cpu "$tmp/empty.ndjson" >>"$tmp/empty.txt"
  cpu "$tmp/ecs" >>"$tmp/all.txt"
done
docs=$(wc -l <"$tmp/sample.ndjson")
py=$(median <"$tmp/py.txt")
s=$(awk '{print $2}' "$tmp/sample.txt" | median)
e=$(awk '{print $2}' "$tmp/empty.txt" | median)
a=$(awk '{print $2}' "$tmp/all.txt" | median)
alln=$(awk 'NR==1 {print $1}' "$tmp/all.txt")
net=$(echo "$s - $e" | bc -l)
pyrate=$(echo "$docs / $py" | bc -l)
vs=$(echo "$docs / $s" | bc -l)
vn=$(echo "$docs / $net" | bc -l)
va=$(echo "$alln / $a" | bc -l)
printf 'rules: %d (those Python eql ran); sample: %d documents; vigil alerts on the sample: %d\n' "$(wc -l <"$tmp/ids.txt")" "$docs" "$(awk 'NR==1 {print $3}' "$tmp/sample.txt")"
printf 'python eql, engine only:          %8.0f events/CPU-s (%s CPU-s)\n' "$pyrate" "$py"
printf 'vigil, whole process, sample:     %8.0f events/CPU-s (%s CPU-s)  %6.0fx\n' "$vs" "$s" "$(echo "$vs / $pyrate" | bc -l)"
printf 'vigil, net of start-up %ss:      %8.0f events/CPU-s              %6.0fx\n' "$e" "$vn" "$(echo "$vn / $pyrate" | bc -l)"
printf 'vigil, whole process, whole dump: %8.0f events/CPU-s (%s events, %s CPU-s)  %6.0fx\n' "$va" "$alln" "$a" "$(echo "$va / $pyrate" | bc -l)"
printf 'load %s\n' "$(cut -d' ' -f1 /proc/loadavg)"
