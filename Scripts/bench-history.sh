#!/usr/bin/env bash
# Nightly run-history benchmark (docs/history.md): consecutive nightly audits over
# `mca-audit generate` data in which about CHURN % of the customers change outcome each night
# (Scripts/churn-agreements.py leaves agreement rows out and brings them back), each night's
# audit run twice, with the history and with --no-history, in alternating order.
#
#   Scripts/bench-history.sh [NIGHTS] [CUSTOMERS] [CHURN]     default: 30 1000000 1
#
# For C customers: C customers and agreement rows and 10×C order lines (`generate --seed 1`,
# CSV), reused from bench-data/history-C/ while the generator's sources are unchanged. Night n is
# as of 2019-07-01 + n - 1 (after every generated order, so only the agreements change).
# Reports: json,csv,md,html. Both runs read the files from the page cache; the report folders of
# earlier nights are removed between runs, outside the timing. Records after each night the
# history file's size (with its -wal, if any), the customers that changed since the night
# before (the rows stored for the previous run), and both wall times (/usr/bin/time).
# Writes the table between the bench-history markers of docs/history.md and to
# bench-data/history-C/results.md; progress on stderr.
#
# Environment: BENCH_SCRATCH_PATH=DIR (swift build --scratch-path, default .build).
# 30 nights at 1,000,000 customers take about 20–30 minutes on a 2-core machine, plus the data
# (2.5 GB) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

nights=${1:-30}
customers=${2:-1000000}
churn=${3:-1}
for n in "$nights" "$customers"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: Scripts/bench-history.sh [NIGHTS] [CUSTOMERS] [CHURN]" >&2; exit 64; }
done
[[ "$churn" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "CHURN must be a percentage, not '$churn'" >&2; exit 64; }
log() { printf 'bench-history: %s\n' "$*" >&2; }
[ -x /usr/bin/time ] || { log "/usr/bin/time (GNU time) is needed: apt-get install time"; exit 1; }

scratch=${BENCH_SCRATCH_PATH:-.build}
log "building mca-audit (release, $scratch)"
swift build -c release --scratch-path "$scratch" --product mca-audit >&2
bin=$scratch/release/mca-audit
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo "+changes")

data=bench-data/history-$customers
orders=$((customers * 10))
stamp="--customers $customers --agreements $customers --orders $orders --seed 1; sources $(cat Sources/MCAGenerate/*.swift | sha256sum | cut -c1-16)"
if [ -f "$data/.stamp" ] && [ "$(cat "$data/.stamp")" = "$stamp" ]; then
  log "reusing $data"
else
  log "generating $data"
  rm -rf "$data"
  "$bin" generate --customers "$customers" --agreements "$customers" --orders "$orders" --seed 1 --format csv --out "$data" >&2
  printf '%s' "$stamp" > "$data/.stamp"
fi

work=$data/nights
rm -rf "$work"
mkdir -p "$work"
history_out=$work/with-history
plain_out=$work/no-history
history_file=$history_out/history.sqlite

# run NAME OUT EXTRA...: one audit of tonight's exports, timed; sets $seconds.
run() {
  local name=$1 out=$2
  shift 2
  local status=0
  /usr/bin/time -f '%e %M' -o "$work/time-$name" "$bin" audit --customers "$data/customers.csv" \
    --agreements "$work/agreements.csv" --orders "$data/orders.csv" --as-of "$as_of" --run-date "$as_of" \
    --report json,csv,md,html --out "$out" --quiet "$@" 2> "$work/err-$name" || status=$?
  if [ "$status" != 0 ] && [ "$status" != 1 ]; then
    log "night $night ($name) failed with exit $status:"
    tail -5 "$work/err-$name" >&2
    exit 1
  fi
  seconds=$(cut -d' ' -f1 "$work/time-$name")
}

# Only tonight's report folder stays (outside the timing: both runs would pay the same).
tidy() { find "$1" -mindepth 1 -maxdepth 1 -name '20*' ! -name "$as_of" -exec rm -rf {} +; }

size() {
  local f total=0
  for f in "$history_file" "$history_file-wal"; do
    if [ -f "$f" ]; then total=$((total + $(stat -c %s "$f"))); fi
  done
  awk -v s="$total" 'BEGIN { printf "%.1f", s / 1e6 }'
}

# Customers that changed since the previous night: the rows the history keeps for that run.
changed() {
  python3 - "$history_file" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
row = db.execute("""SELECT count(*) FROM customer_change WHERE run_id =
    (SELECT id FROM run WHERE state = 'complete' ORDER BY as_of DESC LIMIT 1 OFFSET 1)""").fetchone()
print(row[0])
PY
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((night = 1; night <= nights; night++)); do
  as_of=$(date -u -d "2019-07-01 + $((night - 1)) days" +%F)
  if [ "$night" = 1 ]; then
    cp "$data/agreements.csv" "$work/agreements.csv"
  else
    python3 Scripts/churn-agreements.py "$data/agreements.csv" "$work/agreements.csv" "$work/left-out" "$churn" "$night" 2>/dev/null
  fi
  cat "$data/customers.csv" "$data/orders.csv" "$work/agreements.csv" > /dev/null
  # Alternating which goes first, so neither always finds the caches the other left.
  if ((night % 2)); then
    run history "$history_out"; with=$seconds
    run plain "$plain_out" --no-history; without=$seconds
  else
    run plain "$plain_out" --no-history; without=$seconds
    run history "$history_out"; with=$seconds
  fi
  tidy "$history_out"
  tidy "$plain_out"
  mb=$(size)
  delta=$([ "$night" = 1 ] && echo "—" || changed)
  ratio=$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.2f", a / b }')
  rows+=("| $night | $as_of | $delta | $mb | $with | $without | $ratio |")
  log "night $night ($as_of): changed $delta, history $mb MB, with history ${with}s, without ${without}s (×$ratio)"
  printf '%s %s %s\n' "$with" "$without" "$ratio" >> "$work/times"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

med_with=$(cut -d' ' -f1 "$work/times" | median)
med_without=$(cut -d' ' -f2 "$work/times" | median)
med_ratio=$(cut -d' ' -f3 "$work/times" | median)
final=$(size)
{
  echo "\`Scripts/bench-history.sh $nights $customers $churn\` at $commit, $(date -u +%F), $(nproc) cores shared with other"
  echo "builds (load average $load_start at the start, $load_end at the end): $customers customers, $orders order"
  echo "lines, $churn % of the agreement rows toggled each night, release build, reports json,csv,md,html."
  echo
  echo "**History after $nights nights: $final MB.** Median wall time with the history ${med_with} s, with"
  echo "\`--no-history\` ${med_without} s: ratio of the medians $(awk -v a="$med_with" -v b="$med_without" 'BEGIN { printf "%.2f", a / b }'), median of the nightly ratios $med_ratio."
  echo
  echo "| night | as of | customers changed | history (MB) | with history (s) | --no-history (s) | ratio |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} > "$data/results.md"
cat "$data/results.md"

doc=docs/history.md
if grep -q '<!-- bench-history:begin -->' "$doc" 2>/dev/null; then
  python3 - "$doc" "$data/results.md" <<'PY'
import sys
doc, results = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
begin, end = "<!-- bench-history:begin -->", "<!-- bench-history:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + begin + "\n" + results + end + tail)
PY
  log "wrote the table into $doc"
else
  log "$doc has no bench-history markers: the table is in $data/results.md only"
fi
