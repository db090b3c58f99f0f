#!/usr/bin/env bash
# Quick start, part one: install what is missing, build, and start the server
# with the demo election loaded (SQLite in ./data; nothing else to set up).
# It prints the demo accounts and the address; Ctrl-C stops it. Extra
# arguments go to `scrutiny serve` (e.g. --bind 0.0.0.0:8080, --data DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release --locked
exec ./target/release/scrutiny serve --demo "$@"
