#!/usr/bin/env bash
# Quick start, part two: install what is missing and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo test --locked
