#!/usr/bin/env bash
# Side by side with github.com/bradleyjkemp/sigma-go v0.6.6: SigmaHQ's
# Windows rules that both engines run, over the same records of the
# winlog corpus (every STRIDE-th, default 20) and of the EVTX corpus
# (every EVTX_STRIDE-th, default 4), and over SigmaHQ's regression EVTX
# files. Prints which rules the two disagree on and why,
# then each engine's events per CPU-second on one core (median of N runs,
# default 5; sigma-go on SPEED evenly spread events of the sample, default
# 500) and the ratio. The harness is its own module (bench/sigmago/go.mod),
# so vigil's module does not depend on sigma-go.
# Run from the repository root:  bash bench/sigmago.sh   (STRIDE=100 EVTX_STRIDE=20 N=3 to shorten)
# vigil's speed alone, and which records cost most (each timed alone; then the rules
# routing offers the sample's costliest record, with the engine's estimate of each one's cost):
#   (cd bench/sigmago && go build -o /tmp/sigmago .) && GOMAXPROCS=1 taskset -c 0 /tmp/sigmago -speed-only -costs
#   (-cpuprofile FILE profiles vigil's timed passes)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="$(cd "${VIGIL_SHARED:-../shared}" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd bench/sigmago && go build -o "$tmp/sigmago" .)
echo "load: $(uptime)"
GOMAXPROCS=1 taskset -c 0 "$tmp/sigmago" -shared "$SHARED" -stride "${STRIDE:-20}" -evtx-stride "${EVTX_STRIDE:-4}" -runs "${N:-5}" -speed-events "${SPEED:-500}"
echo "load: $(uptime)"
