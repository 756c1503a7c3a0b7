#!/usr/bin/env bash
# Reader benchmark (issue 2): parses generated orders exports of ~100 MB and ~400 MB in CSV, XML
# and JSON into typed rows with a release build, and prints rows, MB/s and peak memory
# (/usr/bin/time -v) per file. Usage: Scripts/bench-readers.sh [SIZES_MB...]   (default: 100 400)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100 400}")
[ $# -gt 0 ] || sizes=(100 400)
command -v /usr/bin/time >/dev/null || { apt-get update -q && apt-get install -y -q time; }
swift build -c release --product mca-bench >/dev/null
bin=.build/release/mca-bench
mkdir -p bench-data
printf '| format | size | rows | mode | MB/s | peak RSS |\n|---|---|---|---|---|---|\n'
for mb in "${sizes[@]}"; do
  for fmt in csv xml json; do
    f=bench-data/orders-${mb}mb.$fmt
    [ -s "$f" ] || python3 Scripts/gen-bench-orders.py --mb "$mb" --format "$fmt" > "$f"
    cat "$f" > /dev/null  # page cache: measure parsing, not the disk
    for mode in raw mapped; do
      extra=(); [ "$mode" = raw ] && extra=(--raw)
      out=$( { /usr/bin/time -v "$bin" orders "$f" "${extra[@]}" ; } 2>bench-data/time.txt )
      rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2/1024}' bench-data/time.txt)
      rows=$(sed -E 's/.*: ([0-9]+) rows.*/\1/' <<<"$out")
      rate=$(sed -E 's/.*= ([0-9]+) MB\/s/\1/' <<<"$out")
      printf '| %s | %s MB | %s | %s | %s | %s |\n' "$fmt" "$mb" "$rows" "$mode" "$rate" "$rss"
    done
  done
done
