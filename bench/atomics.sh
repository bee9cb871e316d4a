#!/usr/bin/env bash
# Atomic instructions (lock-prefixed, or xchg with memory) executed per seed
# call on a simulated switch, start-up subtracted: each costs about 20 cycles
# that instruction counts do not show. Needs valgrind, objdump and python3.
# Usage: bench/atomics.sh [CALLS] [--by-function]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-1000}
cargo build -q --release -p scxmlc_bench --example profile
bin=target/release/examples/profile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objdump -d --no-show-raw-insn "$bin" |
    awk -F'\t' '/^ +[0-9a-f]+:/ { if ($2 ~ /^lock / || $2 ~ /^xchg .*\(/) { a = $1; gsub(/[ :]/, "", a); print a } }' >"$tmp/atomic"
for n in 0 "$calls"; do
    valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --callgrind-out-file="$tmp/cg.$n" "$bin" seed-switch "$n" >/dev/null 2>&1
done
base=$(python3 bench/atomics.py "$tmp/cg.0" "$tmp/atomic" "$calls" profile)
python3 bench/atomics.py "$tmp/cg.$calls" "$tmp/atomic" "$calls" profile "${2:-}" |
    awk -v base="$base" 'NR == 1 { printf "%.1f atomic instructions per call (start-up %.1f subtracted)\n", $1 - base, base; next } { print }'
