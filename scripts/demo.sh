#!/usr/bin/env bash
# Quick start, part one: install what is missing, build, and read the shipped
# sample scans (one JSON line per page). Until the server lands this is the
# main job; it becomes `scrutiny serve --demo` then.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release --locked
./target/release/scrutiny extract $(ls samples/* | grep -v "\.json$") --json
echo "Read $(ls samples | grep -vc truth.json) sample scans; compare with samples/truth.json, or run: ./target/release/scrutiny score samples" >&2
