#!/usr/bin/env bash
# Times Scrutiny, OCRmyPDF and the tesseract command on the same scans, on
# the same cores, and prints the ratios. Usage: bench/compare.sh [PAGES]
#   - a batch of Form 13A/13B scans (one PDF of JPEG pages), and
#   - a batch of 14-table × 12-candidate round sheets.
# OCRmyPDF runs with --force-ocr and one job per core; tesseract runs once per
# page image (extracted with pdfimages, not timed), pages spread over all cores.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-40}
cores=$(nproc)
bash scripts/install-deps.sh ocrmypdf poppler-utils bc
cargo build --release --locked -q
bin=./target/release/scrutiny
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

run() {
  local name=$1; shift
  local dir="$work/$name"
  "$bin" samples --out "$dir" --batch --count "$pages" --seed 11 "$@" 2>/dev/null
  mkdir -p "$dir/img"
  pdfimages -j "$dir/batch.pdf" "$dir/img/p"
  local t_scr t_ocr t_tes
  t_scr=$(seconds "$bin" extract "$dir/batch.pdf" --json --workers "$cores")
  t_ocr=$(seconds ocrmypdf --force-ocr --jobs "$cores" --output-type pdf --optimize 0 "$dir/batch.pdf" "$dir/ocr.pdf")
  t_tes=$(seconds bash -c "ls '$dir'/img/*.jpg | xargs -P $cores -I{} tesseract {} - --psm 3")
  printf '%s: %d pages on %d cores\n' "$name" "$pages" "$cores"
  printf '  scrutiny  %7.2f s  %6.2f pages/s\n' "$t_scr" "$(echo "$pages / $t_scr" | bc -l)"
  printf '  ocrmypdf  %7.2f s  %6.2f pages/s   scrutiny is %.1fx faster\n' "$t_ocr" "$(echo "$pages / $t_ocr" | bc -l)" "$(echo "$t_ocr / $t_scr" | bc -l)"
  printf '  tesseract %7.2f s  %6.2f pages/s   scrutiny is %.1fx faster\n' "$t_tes" "$(echo "$pages / $t_tes" | bc -l)" "$(echo "$t_tes / $t_scr" | bc -l)"
}

run "form-13a/13b" --form form-13a,form-13b
run "round sheets 14x12" --form round-sheet --grid 14x12
