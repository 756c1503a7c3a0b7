#!/usr/bin/env bash
# Renders the fixtures' report.html in headless Chromium into docs/report.png (the README's picture).
# Two earlier as-of dates are audited first into the same folder, so the page shows a trend and changes.
# Usage: Scripts/screenshot.sh [OUTPUT.png]   (default: docs/report.png; needs Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/report.png}
command -v chromium >/dev/null 2>&1 || { echo "screenshot: chromium not found (apt-get install chromium)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift build --product mca-audit >/dev/null 2>"$tmp/build.log" || { cat "$tmp/build.log" >&2; exit 1; }
for dates in "2018-10-15 2018-10-16" "2018-11-07 2018-11-08" "2018-11-30 2018-12-03"; do
  read -r asof run <<<"$dates"
  .build/debug/mca-audit audit --customers Fixtures/customers.csv --agreements Fixtures/agreements.csv \
    --orders Fixtures/orders.csv --as-of "$asof" --run-date "$run" --report html --out "$tmp/reports" --quiet
done
mkdir -p "$(dirname "$out")"
# --no-sandbox: Chromium refuses to start as root without it. The page needs no network.
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$tmp/profile" --force-device-scale-factor=1 --virtual-time-budget=5000 \
  --window-size=1280,2000 --screenshot="$PWD/$out" "file://$tmp/reports/2018-11-30/report.html" 2>"$tmp/chromium.log" \
  || { cat "$tmp/chromium.log" >&2; exit 1; }
echo "screenshot: $out ($(wc -c <"$out") bytes)"
