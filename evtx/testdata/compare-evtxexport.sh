#!/usr/bin/env bash
# Times Debian's evtxexport (libevtx-utils 20181227) against vigil's evtx
# package (testdata/evtxcount) on the same EVTX files and prints the ratio.
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
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${VIGIL_SHARED:?set VIGIL_SHARED}"
case "$shared" in /*) ;; *) shared="$repo/$shared" ;; esac
root="$shared/data/evtx"
mode="${1:-large}"

bin="$(mktemp -d)/evtxcount"
(cd "$repo" && go build -o "$bin" ./evtx/testdata/evtxcount)

list="$(mktemp)"
skip="$(mktemp)"
awk -F'\t' '$2 == "reference-fails" {print $1}' "$here/reference-exceptions.tsv" > "$skip"
(cd "$root" && find . -name '*.evtx' -printf '%P\n' | sort | grep -vxF -f "$skip" |
	while IFS= read -r f; do
		if [ "$mode" = all ] || [ "$(stat -c %s "$f")" -ge 1048576 ]; then printf '%s\n' "$root/$f"; fi
	done) > "$list"
echo "files: $(wc -l < "$list"), bytes: $(tr '\n' '\0' < "$list" | du -cb --files0-from=- | tail -1 | cut -f1)"

export LIST="$list" BIN="$bin"
ref='while IFS= read -r f; do evtxexport -f xml "$f"; done < "$LIST" > /dev/null 2>&1'
ours1='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -xml -workers 1 > /dev/null 2>&1'
oursN='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -xml > /dev/null 2>&1'
# fields only (System, EventData, UserData), no XML: the work the EVTX -> ECS pipeline needs
oursF='tr "\n" "\0" < "$LIST" | xargs -0 "$BIN" -workers 1 > /dev/null 2>&1'
if command -v hyperfine > /dev/null; then
	json="$(mktemp)"
	hyperfine --warmup 1 --min-runs 3 --export-json "$json" \
		-n evtxexport "bash -c '$ref'" -n evtxcount-1 "bash -c '$ours1'" -n evtxcount-N "bash -c '$oursN'" \
		-n evtxcount-fields "bash -c '$oursF'"
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
PY
else
	for cmd in "$ref" "$ours1" "$oursN" "$oursF"; do
		echo "== $cmd"
		time bash -c "$cmd"
	done
fi
tr '\n' '\0' < "$list" | xargs -0 "$bin" -workers 1 > /dev/null
