#!/usr/bin/env bash
# Full-audit benchmark (docs/performance.md): generates exports with `mca-audit generate`, runs the
# whole audit (json, csv, md and html reports) on them with a release build under
# /usr/bin/time -v, and runs the same audit written as DuckDB SQL (Scripts/duckdb-audit.sql) over
# the same CSV files in the same run, for comparison.
#
#   Scripts/bench.sh [ORDER_LINES...]     default: 10000 100000 1000000 10000000
#
# For N order lines there are N/10 customers and N/10 agreement rows, and the subscriptions
# export `generate` writes beside them, which the audit (and DuckDB) read with --subscriptions when
# the built binary's `audit --help` lists that option. CSV always; XML too for
# N <= 1,000,000 (BENCH_XML_ALL=1: every size). Data goes to bench-data/ (gitignored) and is
# reused while the generator's sources are unchanged. The files are read once (cat) before
# timing, so every run reads them from the page cache; nothing is dropped from it.
# Prints two Markdown tables on stdout (also saved to bench-data/results.md); progress on stderr.
#
# The tables also replace the part of docs/performance.md between its "bench.sh: begin" and
# "bench.sh: end" markers (BENCH_NO_DOCS=1: leave the page alone), with the date and commit.
#
# Variants, each run alternating with the plain audit on the same files and listed in its own rows:
#   BENCH_SPLIT=1          the audit with `--split-by reseller` too (generate assigns resellers);
#   BENCH_BASELINE=BINARY[:BINARY...]  other builds of mca-audit (for example older commits'
#                          release builds) with the same options, as far as their `audit --help` lists them.
#
# Environment: BENCH_XML_ALL=1 (XML at every size), BENCH_NO_DUCKDB=1 (skip DuckDB),
# BENCH_SCRATCH_PATH=DIR (swift build --scratch-path, default .build), BENCH_RUNS=N (default 1:
# every measurement N times, mca-audit and DuckDB alternating; the tables give the median wall
# time with the fastest and slowest run, and the highest peak RSS; the ratio is of the medians).
# DuckDB: `python3 -m venv bench-data/.venv && bench-data/.venv/bin/pip install duckdb`, done once
# (the only network access). All sizes take about 10-20 minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ $# -gt 0 ] || sizes=(10000 100000 1000000 10000000)
for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: Scripts/bench.sh [ORDER_LINES...]  ('$n' is not a count)" >&2; exit 64; }
done
runs=${BENCH_RUNS:-1}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_RUNS must be a positive count, not '$runs'" >&2; exit 64; }
log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed: apt-get install time"

scratch=${BENCH_SCRATCH_PATH:-.build}
log "building mca-audit (release, $scratch)"
swift build -c release --scratch-path "$scratch" --product mca-audit >&2
bin=$scratch/release/mca-audit
"$bin" generate --help >/dev/null 2>&1 || die "$bin has no 'generate' subcommand"

mkdir -p bench-data
data=bench-data
reports=$data/reports
audit_options=(--as-of 2019-01-15 --run-date 2019-01-15 --report json,csv,md,html --quiet)
# Options that only some versions have: no run history, no xlsx, so every run does the same work.
audit_help=$("$bin" audit --help)
for option in --no-history --no-xlsx; do
  if grep -q -- "$option" <<<"$audit_help"; then audit_options+=("$option"); fi
done
# Seats from the subscriptions export, when this build reads one (else from the order lines).
with_subscriptions=0
if grep -q -- "--subscriptions" <<<"$audit_help"; then with_subscriptions=1; fi
log "audit options: ${audit_options[*]}$([ "$with_subscriptions" = 1 ] && echo " (and --subscriptions)")"

# The variants: "LABEL|BINARY|EXTRA OPTION..." (the plain audit first; its times are the ratios' base).
variants=("|$bin|")
if [ "${BENCH_SPLIT:-0}" = 1 ]; then
  grep -q -- "--split-by" <<<"$audit_help" || die "$bin has no --split-by option"
  variants+=(", --split-by reseller|$bin|--split-by reseller")
fi
IFS=: read -r -a baselines <<<"${BENCH_BASELINE:-}"
for baseline in ${baselines[@]+"${baselines[@]}"}; do
  [ -x "$baseline" ] || die "BENCH_BASELINE: $baseline is not an executable"
  baseline_help=$("$baseline" audit --help)
  grep -q -- "--subscriptions" <<<"$baseline_help" || [ "$with_subscriptions" = 0 ] \
    || die "BENCH_BASELINE: $baseline cannot read the subscriptions export; the work would differ"
  variants+=(", baseline $baseline|$baseline|")
done

# options_for BINARY: the audit options that BINARY's `audit --help` lists, as $options.
options_for() {
  options=()
  local help option
  help=$("$1" audit --help)
  for option in "${audit_options[@]}"; do
    if [[ "$option" != --* ]] || grep -q -- "$option" <<<"$help"; then options+=("$option"); fi
  done
}

# DuckDB, once, into bench-data/.venv.
python=$data/.venv/bin/python
duckdb_ok=1
if [ "${BENCH_NO_DUCKDB:-0}" = 1 ]; then
  duckdb_ok=0
elif ! "$python" -c 'import duckdb' 2>/dev/null; then
  log "installing duckdb into $data/.venv (once)"
  if ! { python3 -m venv "$data/.venv" && "$data/.venv/bin/pip" install -q duckdb; } >&2; then
    log "could not install duckdb: the DuckDB comparison is skipped"
    duckdb_ok=0
  fi
fi

generator_sources=$(cat Sources/MCAGenerate/*.swift | sha256sum | cut -c1-16)

# generate FORMAT N: bench-data/FORMAT-N/{customers,agreements,orders,subscriptions}.FORMAT, reused
# when present.
generate() {
  local format=$1 n=$2 c=$(( $2 / 10 > 0 ? $2 / 10 : 1 ))
  local dir=$data/$format-$n
  local stamp="--customers $c --agreements $c --orders $n --seed 1 --format $format; sources $generator_sources"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
    log "reusing $dir"
  else
    log "generating $dir ($n order lines, $c customers and agreements, $format)"
    rm -rf "$dir"
    "$bin" generate --customers "$c" --agreements "$c" --orders "$n" --seed 1 --format "$format" --out "$dir" >&2
    printf '%s' "$stamp" > "$dir/.stamp"
  fi
}

files() {
  local dir=$data/$1-$2
  echo "$dir/customers.$1 $dir/agreements.$1 $dir/orders.$1 $dir/subscriptions.$1"
}

megabytes() { stat -c %s "$@" | awk '{ s += $1 } END { printf "%.1f", s / 1e6 }'; }

# measure NAME COMMAND...: runs under /usr/bin/time -v; sets $wall (s) and $rss (MiB).
measure() {
  local name=$1
  shift
  local status=0
  /usr/bin/time -v -o "$data/time-$name.txt" "$@" >"$data/out-$name.txt" 2>"$data/err-$name.txt" || status=$?
  if [ "$status" -ne 0 ]; then
    log "$name failed (exit $status):"
    tail -5 "$data/err-$name.txt" >&2
    return "$status"
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
           n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' \
         "$data/time-$name.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$data/time-$name.txt")
}

# summarize WALLS RSSES: the median wall (the lower middle one for an even count) as $wall, the
# fastest and slowest as $range ("" for one run), the highest RSS as $rss.
summarize() {
  local sorted
  sorted=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n)
  wall=$(awk -v n="$(wc -l <<<"$sorted")" 'NR == int((n + 1) / 2)' <<<"$sorted")
  range=$(awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1) printf "%s–%s", lo, hi }' <<<"$sorted")
  rss=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -n | tail -1)
}

# when_runs TEXT: TEXT when every measurement runs more than once (BENCH_RUNS > 1), else nothing;
# never a failing status, which `set -e` would take for an error in an assignment.
when_runs() { if [ "$runs" -gt 1 ]; then printf '%s' "$1"; fi; }

rate() { awk -v mb="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", mb / s; else print "-" }'; }

audit_table="| format | order lines | input MB | wall s | MB/s | peak RSS MiB |$(when_runs " runs: fastest–slowest s |")
|---|---:|---:|---:|---:|---:|$(when_runs "---:|")"
duckdb_table="| order lines | input MB | mca-audit s | DuckDB s | DuckDB MB/s | DuckDB peak RSS MiB | mca-audit / DuckDB time | customers agreeing |$(when_runs " DuckDB runs: fastest–slowest s |")
|---:|---:|---:|---:|---:|---:|---:|---|$(when_runs "---:|")"

for n in "${sizes[@]}"; do
  formats=(csv)
  if [ "$n" -le 1000000 ] || [ "${BENCH_XML_ALL:-0}" = 1 ]; then formats+=(xml); fi
  for format in "${formats[@]}"; do generate "$format" "$n"; done

  for format in "${formats[@]}"; do
    read -r customers agreements orders subscriptions <<<"$(files "$format" "$n")"
    inputs=("$customers" "$agreements" "$orders")
    # The same seats on both sides: from the subscriptions export when the audit reads it.
    subscription_options=()
    if [ "$with_subscriptions" = 1 ] && [ -f "$subscriptions" ]; then
      inputs+=("$subscriptions")
      subscription_options=(--subscriptions "$subscriptions")
    fi
    mb=$(megabytes "${inputs[@]}")
    cat "${inputs[@]}" > /dev/null # into the page cache
    with_duckdb=0
    if [ "$format" = csv ] && [ "$duckdb_ok" = 1 ]; then with_duckdb=1; fi
    duckdb_walls="" duckdb_rsses=""
    variant_walls=() variant_rsses=()
    for ((run = 1; run <= runs; run++)); do
      for ((v = 0; v < ${#variants[@]}; v++)); do
        IFS='|' read -r label variant_bin extra <<<"${variants[$v]}"
        options_for "$variant_bin"
        read -r -a extra_options <<<"$extra"
        # Each run writes a new report folder, as a nightly run does (a new date each night). The
        # previous run's is moved aside and removed at the end: removing a split report (60,000
        # files) just before a run slows the file creations of that run on ext4.
        out=$reports/$v
        if [ -e "$out" ]; then mkdir -p "$data/removed" && mv "$out" "$(mktemp -u "$data/removed/XXXXXX")"; fi
        log "auditing $format$label, $n order lines ($mb MB)$(when_runs ", run $run of $runs")"
        measure "audit-$format-$n-$v" "$variant_bin" audit --customers "$customers" --agreements "$agreements" \
          --orders "$orders" ${subscription_options[@]+"${subscription_options[@]}"} "${options[@]}" --out "$out" \
          ${extra_options[@]+"${extra_options[@]}"}
        log "  $wall s, $(rate "$mb" "$wall") MB/s, $rss MiB"
        variant_walls[$v]+=" $wall" variant_rsses[$v]+=" $rss"
        # The plain audit's customers are the ones the peers are compared with.
        if [ "$v" = 0 ] && [ "$with_duckdb" = 1 ]; then cp "$out/latest/customers.csv" "$data/mca-customers-$n.csv"; fi
      done
      if [ "$with_duckdb" = 1 ]; then
        log "DuckDB, $n order lines"
        if measure "duckdb-$n" "$python" Scripts/duckdb-audit.py --customers "$customers" --agreements "$agreements" \
             --orders "$orders" ${subscription_options[@]+"${subscription_options[@]}"} --as-of 2019-01-15 \
             --run-date 2019-01-15 --out "$data/duckdb-customers-$n.csv"; then
          log "  $wall s, $rss MiB"
          duckdb_walls+=" $wall" duckdb_rsses+=" $rss"
        else
          with_duckdb=0
        fi
      fi
    done
    for ((v = 0; v < ${#variants[@]}; v++)); do
      summarize "${variant_walls[$v]}" "${variant_rsses[$v]}"
      if [ "$v" = 0 ]; then audit_wall=$wall; fi
      label=${variants[$v]%%|*}
      audit_table+=$'\n'"| $format$label | $n | $mb | $wall | $(rate "$mb" "$wall") | $rss |$(when_runs " $range |")"
    done

    if [ "$with_duckdb" = 1 ]; then
      summarize "$duckdb_walls" "$duckdb_rsses"
      ratio=$(awk -v a="$audit_wall" -v d="$wall" 'BEGIN { if (d > 0) printf "%.2f", a / d; else print "-" }')
      agree=$(python3 Scripts/duckdb-audit.py --compare "$data/mca-customers-$n.csv" "$data/duckdb-customers-$n.csv")
      log "  $(head -1 <<<"$agree")"
      tail -n +2 <<<"$agree" >&2
      log "  DuckDB summary: $(cat "$data/out-duckdb-$n.txt")"
      agreeing=$(awk 'NR == 1 { print $1 " of " $3 }' <<<"$agree")
      duckdb_table+=$'\n'"| $n | $mb | $audit_wall | $wall | $(rate "$mb" "$wall") | $rss | $ratio | $agreeing |$(when_runs " $range |")"
    fi
  done
done

rm -rf "$data/removed"

{
  echo "mca-audit $("$bin" --version), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); as of 2019-01-15; reports json, csv, md, html$([ "$with_subscriptions" = 1 ] && echo "; seats from the subscriptions export")$(when_runs "; median of $runs runs each")"
  echo
  echo "$audit_table"
  if [ "$duckdb_ok" = 1 ]; then
    echo
    echo "$duckdb_table"
  fi
} | tee "$data/results.md"

# The current table of docs/performance.md is this run's.
if [ "${BENCH_NO_DOCS:-0}" != 1 ] && grep -q '<!-- bench.sh: begin -->' docs/performance.md; then
  {
    echo "Written by \`Scripts/bench.sh $*\` on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$([ "${BENCH_NO_DUCKDB:-0}" = 1 ] && echo ', without DuckDB'); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$data/results.md"
  } > "$data/docs-section.md"
  python3 - "$data/docs-section.md" <<'PY'
import sys
section = open(sys.argv[1]).read().rstrip("\n")
path = "docs/performance.md"
page = open(path).read()
begin, end = "<!-- bench.sh: begin -->", "<!-- bench.sh: end -->"
head, rest = page.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + section + "\n" + end + tail)
PY
  log "docs/performance.md: current table replaced"
fi
