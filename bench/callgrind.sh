#!/usr/bin/env bash
# Instructions per event for the benchmark charts, from callgrind: exact and
# repeatable where wall-clock times on a shared machine are not.
# Usage: bench/callgrind.sh [EVENTS]   (needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build -q --release -p scxmlc_bench --example profile
bin=target/release/examples/profile
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/refs:/ {gsub(",", "", $NF); print $NF}'; }
printf '%-22s %10s\n' chart 'instructions'
for chart in flat deep parallel eventless flat:signal deep:signal parallel:signal eventless:signal \
    flat-null:signal deep-null:signal parallel-null:signal eventless-null:signal seed-flow seed-flow-unlogged seed-switch; do
    events=$n
    per=1
    unit=event
    # eventless: per microstep, 2002 of them per "start" event.
    [ "${chart%:signal}" = eventless ] && events=$((n / 1000 + 1)) && per=2002 && unit=microstep
    # eventless-null: 18 microsteps per "start".
    [ "${chart%:signal}" = eventless-null ] && events=$((n / 10)) && per=18 && unit=microstep
    # The seed rows count whole calls (added -> detach -> redirect -> timer -> exit).
    case $chart in seed-*) events=$((n / 20)) && unit=call ;; esac
    base=$(count "$bin" "$chart" 0)
    total=$(count "$bin" "$chart" "$events")
    printf '%-22s %10.1f per %s\n' "$chart" "$(echo "($total - $base) / ($events * $per)" | bc -l)" "$unit"
done
