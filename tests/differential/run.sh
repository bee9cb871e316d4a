#!/usr/bin/env bash
# Differential test of compiled ECMAScript statements against Node.js:
# N random programs (statements.py), each compiled by scxmlc, built into
# one scratch crate and run, must end as Node.js ends them.
# Usage: tests/differential/run.sh [N] [FIRST_SEED]   (needs python3 and node)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-100}
first=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/charts" "$work/js"
cargo build -q --release -p scxmlc_compiler --manifest-path "$root/Cargo.toml"
scxmlc="$root/target/release/scxmlc"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "differential"
version = "0.0.0"
edition = "2021"

[dependencies]
scxmlc_runtime = { path = "$root/runtime" }

[workspace]
TOML
: > "$work/src/lib.rs"
echo 'fn main() {' > "$work/src/main.rs"
for i in $(seq "$first" $((first + n - 1))); do
    python3 "$here/statements.py" "$i" "$work/charts/p$i.scxml" "$work/js/p$i.js"
    "$scxmlc" transpile "$work/charts/p$i.scxml" -o "$work/src/p$i.rs" > /dev/null
    echo "#[allow(dead_code, unused, clippy::all)] pub mod p$i { include!(\"p$i.rs\"); }" >> "$work/src/lib.rs"
    echo "    { let mut s = differential::p$i::Machine::session(); s.run_virtual(std::time::Duration::from_secs(1)); println!(\"$i {} {}\", s.chart.data.x, s.chart.data.t.to_json().unwrap_or_default()); }" >> "$work/src/main.rs"
    echo "$i $(node "$work/js/p$i.js")" >> "$work/node.txt"
done
echo '}' >> "$work/src/main.rs"
(cd "$work" && CARGO_TARGET_DIR="$root/target/differential" cargo run -q --release > "$work/compiled.txt")
if diff "$work/node.txt" "$work/compiled.txt"; then
    echo "$n programs (seeds $first..$((first + n - 1))): the compiled charts end as Node.js does"
else
    echo "the lines above differ (seed, x, trace): rerun one with python3 $here/statements.py SEED a.scxml a.js" >&2
    exit 1
fi
