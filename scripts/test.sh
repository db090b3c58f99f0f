#!/usr/bin/env bash
# Quick start, part two: install what is missing and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium and its driver run the browser tests; Noto fonts draw Hindi.
bash scripts/install-deps.sh chromium chromium-driver fonts-noto-core
cargo test --locked
