#!/usr/bin/env bash
# Installs the Debian packages Scrutiny builds and runs with, if missing.
# Safe to run again: it installs only what is not there. Needs root (or sudo).
set -euo pipefail
packages=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-hin clang libclang-dev pkg-config ca-certificates "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is missing: install Rust (rustup) first" >&2; exit 1; }
