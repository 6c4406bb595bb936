#!/usr/bin/env bash
# Times Debian's evtxexport (libevtx-utils 20181227) against vigil's evtx
# package (testdata/evtxcount) and against vigil's whole EVTX -> ECS path
# (vigil dump) on the same EVTX files and prints the ratios.
#
#   apt-get install libevtx-utils hyperfine
#   VIGIL_SHARED=../shared bash evtx/testdata/compare-evtxexport.sh [large|all]
#
# large (default): the template-based files of 1 MiB and more, where process
#   start-up is negligible; all: every file evtxexport can read (it fails on
#   the 13 reference-fails files of reference-exceptions.tsv, which are left
#   out for both).
# Both sides render every record as XML to /dev/null (evtxexport -f xml,
# evtxcount -xml) and run single-threaded (evtxcount -workers 1); a third
# run shows evtxcount with its default parallel chunk decoding, a fourth
# evtxcount decoding the fields only (no XML), which is what vigil needs.
# The last two are the end-to-end figure: `vigil dump` reads each file,
# maps every record to ECS as Elastic's pipelines do and writes one NDJSON
# document per record to /dev/null, once on one core (GOMAXPROCS=1, which
# also makes the evtx reader decode sequentially) and once with the
# default parallelism. Each tool runs as it is used: evtxexport once per
# file (it takes one), vigil once for all of them (given a folder of links
# to the files, so that no shell, tr or xargs is timed with it); process
# start-up is included on both sides. CPU time (user+system of all
# processes) is the steadier figure on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${VIGIL_SHARED:?set VIGIL_SHARED}"
case "$shared" in /*) ;; *) shared="$repo/$shared" ;; esac
root="$shared/data/evtx"
mode="${1:-large}"

tmp="$(mktemp -d)"
bin="$tmp/evtxcount"
vigil="$tmp/vigil"
(cd "$repo" && go build -o "$bin" ./evtx/testdata/evtxcount && go build -o "$vigil" ./cmd/vigil)

list="$(mktemp)"
skip="$(mktemp)"
awk -F'\t' '$2 == "reference-fails" {print $1}' "$here/reference-exceptions.tsv" > "$skip"
(cd "$root" && find . -name '*.evtx' -printf '%P\n' | sort | grep -vxF -f "$skip" |
	while IFS= read -r f; do
		if [ "$mode" = all ] || [ "$(stat -c %s "$f")" -ge 1048576 ]; then printf '%s\n' "$root/$f"; fi
	done) > "$list"
echo "files: $(wc -l < "$list"), bytes: $(tr '\n' '\0' < "$list" | du -cb --files0-from=- | tail -1 | cut -f1)"

links="$tmp/links"
mkdir "$links"
n=0
while IFS= read -r f; do
	n=$((n + 1))
	ln -s "$f" "$links/$(printf %04d "$n").evtx"
done < "$list"
export LIST="$list" BIN="$bin" VIGIL="$vigil" LINKS="$links"
ref='while IFS= read -r f; do evtxexport -f xml "$f"; done < "$LIST" > /dev/null 2>&1'
ours1='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -xml -workers 1 > /dev/null 2>&1'
oursN='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -xml > /dev/null 2>&1'
# fields only (System, EventData, UserData), no XML: the work the EVTX -> ECS pipeline needs
oursF='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -workers 1 > /dev/null 2>&1'
# EVTX -> ECS NDJSON: the whole pipeline
dump1='GOMAXPROCS=1 "$VIGIL" dump "$LINKS" > /dev/null 2>&1'
dumpN='"$VIGIL" dump "$LINKS" > /dev/null 2>&1'
if command -v hyperfine > /dev/null; then
	json="$(mktemp)"
	hyperfine --warmup 1 --min-runs 3 --export-json "$json" \
		-n evtxexport "bash -c '$ref'" -n evtxcount-1 "bash -c '$ours1'" -n evtxcount-N "bash -c '$oursN'" \
		-n evtxcount-fields "bash -c '$oursF'" \
		-n vigil-dump-1 "$dump1" -n vigil-dump-N "$dumpN"
	python3 - "$json" <<'PY'
import json, sys
res = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
wall = {k: v["mean"] for k, v in res.items()}
cpu = {k: v["user"] + v["system"] for k, v in res.items()}
print(f"wall time: evtxexport / evtxcount (1 worker): {wall['evtxexport'] / wall['evtxcount-1']:.1f}x")
print(f"wall time: evtxexport / evtxcount (default workers): {wall['evtxexport'] / wall['evtxcount-N']:.1f}x")
# CPU time (user+system, children included) does not depend on what else
# the machine is doing, so it is the steadier figure on a shared host.
print(f"CPU time:  evtxexport / evtxcount (1 worker): {cpu['evtxexport'] / cpu['evtxcount-1']:.1f}x")
print(f"wall time: evtxexport / evtxcount fields only (1 worker): {wall['evtxexport'] / wall['evtxcount-fields']:.1f}x")
print(f"CPU time:  evtxexport / evtxcount fields only (1 worker): {cpu['evtxexport'] / cpu['evtxcount-fields']:.1f}x")
print(f"wall time: evtxexport / vigil dump, EVTX -> ECS NDJSON (1 core): {wall['evtxexport'] / wall['vigil-dump-1']:.1f}x")
print(f"CPU time:  evtxexport / vigil dump, EVTX -> ECS NDJSON (1 core): {cpu['evtxexport'] / cpu['vigil-dump-1']:.1f}x")
print(f"wall time: evtxexport / vigil dump, EVTX -> ECS NDJSON (default parallelism): {wall['evtxexport'] / wall['vigil-dump-N']:.1f}x")
PY
else
	for cmd in "$ref" "$ours1" "$oursN" "$oursF" "$dump1" "$dumpN"; do
		echo "== $cmd"
		time bash -c "$cmd"
	done
fi
# On a shared machine the load changes between hyperfine's blocks of runs:
# time evtxexport and vigil dump (1 core) alternately, CPU time of each
# whole pipeline (user+system of every process in it), and report the
# median of the per-round ratios.
python3 - "$ref" "$vigil" "$links" <<'PY'
import os, resource, statistics, subprocess, sys
ref, vigil, links = sys.argv[1:]
def cpu(cmd, **kw):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
one = dict(os.environ, GOMAXPROCS="1")
dump = lambda: cpu([vigil, "dump", links], env=one)
dump()  # warm-up
ratios = []
for _ in range(5):
    a, b = cpu(["bash", "-c", ref]), dump()
    ratios.append(a / b)
    print(f"  evtxexport {a:.3f} s CPU, vigil dump {b * 1000:.1f} ms CPU: {a / b:.1f}x")
print(f"CPU time, alternating runs: evtxexport / vigil dump (1 core): median {statistics.median(ratios):.1f}x (min {min(ratios):.1f}x, max {max(ratios):.1f}x)")
PY
tr '\n' '\0' < "$list" | xargs -0 "$bin" -workers 1 > /dev/null
echo "vigil dump: $(tr '\n' '\0' < "$list" | xargs -0 "$vigil" dump | wc -l) ECS documents"
