#!/bin/sh
# Usage: load.sh LMEMU CASE RUNS
# Runs CASE RUNS times on the machine as it is, then RUNS times with every
# core kept busy by a spinning process, and fails unless every run passes
# with the same report: a verdict must not depend on the host's load.
set -eu
lmemu=$1 case=$2 runs=$3
dir=$(mktemp -d)
hogs=
trap 'for p in $hogs; do kill $p 2>/dev/null || true; done; rm -rf "$dir"' EXIT

run_all() {
    i=1
    while [ "$i" -le "$runs" ]; do
        # Everything but the run's wall time, which is the one thing that may differ.
        "$lmemu" run -v "$case" > "$dir/out" || { cat "$dir/out"; echo "run $i ($1) did not pass"; exit 1; }
        sed 's/, [0-9.]* ms)$/)/' "$dir/out" > "$dir/$1-$i"
        i=$((i + 1))
    done
}

run_all idle
for _ in $(seq "$(nproc)"); do
    sh -c 'while :; do :; done' &
    hogs="$hogs $!"
done
run_all loaded

for f in "$dir"/idle-* "$dir"/loaded-*; do
    if ! cmp -s "$dir/idle-1" "$f"; then
        echo "$(basename "$f") differs from the first idle run:"
        diff "$dir/idle-1" "$f" || true
        exit 1
    fi
done
echo "$runs idle and $runs loaded runs ($(nproc) spinning processes): one report"
cat "$dir/idle-1"
