#!/usr/bin/env bash
# Crash safety of the report folder (README, "Reports"): SIGKILL at random moments, then a full disk.
#
#   Scripts/kill-test.sh [KILLS] [MEGABYTES]     default: 50 kills over a 30 MB orders export
#
# Each round kills a run that replaces the report of the same as-of date (alternately with and
# without the agreements export, over a generated ~MEGABYTES MB orders CSV) at a random moment
# between its start and the time an undisturbed run takes, then checks that
#   - DIR/2018-11-30 holds, byte for byte, either the report that was there before or the
#     complete report of the killed run (never a partial or mixed one, never none), and
#   - DIR/latest still points at 2018-11-30,
#   - the history (DIR/history.sqlite, read with `mca-audit history`, which settles what a killed
#     run left as the next audit would) has exactly one run for 2018-11-30 and it agrees with the
#     report in the folder: same run date, same counts, same input SHA-256s,
# then runs the audit of the fixtures to completion and checks that it succeeds (exit 0), leaves
# no .tmp-*/.old-* behind and writes exactly its own report.
# Then the disk fills: a 200 KB tmpfs as DIR (root, mount allowed) or else a file size limit
# (`ulimit -f`, SIGXFSZ ignored): a run whose report does not fit exits 73 and the previous
# report, `latest` and the folder are byte-identical.
#
# The binary: $MCA if set, else a release build in .build-killtest/. Exit 0 when every check
# holds; 1 with the failed checks listed.
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-50}
MEGABYTES=${2:-30}

if [ -z "${MCA:-}" ]; then
  echo "kill-test: building mca-audit (release, .build-killtest)" >&2
  swift build -c release --scratch-path .build-killtest --product mca-audit >&2
  MCA=$PWD/.build-killtest/release/mca-audit
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mca-kill-test.XXXXXX")
MOUNTED=""
cleanup() {
  if [ -n "$MOUNTED" ]; then umount "$MOUNTED" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILURES=()
fail() { FAILURES+=("$*"); echo "kill-test: FAIL: $*" >&2; }

DATES=(--as-of 2018-11-30 --run-date 2018-12-03)
FIXTURES=(--customers Fixtures/customers.csv --agreements Fixtures/agreements.csv --orders Fixtures/orders.csv)

echo "kill-test: writing a ${MEGABYTES} MB orders export" >&2
python3 - "$WORK/orders.csv" "$MEGABYTES" <<'PY'
import sys
path, megabytes = sys.argv[1], int(sys.argv[2])
with open(path, "w", newline="") as f:
    f.write("OrderId,CustomerId,CreationDate,Status,LineItemNumber,OfferId,SubscriptionId,Quantity,BillingType,TransactionType\n")
    i, size, limit = 0, 0, megabytes << 20
    while size < limit:
        customer = i % 15 + 1
        line = (f"o-{i},0A1B2C3D-1111-4E5F-8A9B-00000000C0{customer:02d},2018-11-{10 + i % 19},completed,{i % 3},"
                f"CFQ7TTC0LF8Q,5D1A2C3B-0001-4C00-9000-{i % 4096:012x},{i % 50},license,{('new', 'addQuantity', 'renew')[i % 3]}\n")
        f.write(line)
        size += len(line)
        i += 1
PY

# The two runs that get killed, by number.
big_args() {
  if [ "$1" = 0 ]; then
    echo --customers Fixtures/customers.csv --agreements Fixtures/agreements.csv --orders "$WORK/orders.csv"
  else
    echo --customers Fixtures/customers.csv --orders "$WORK/orders.csv"
  fi
}

# sha256 of every file of a report folder, one line each (empty when the folder is missing).
fingerprint() {
  if [ -d "$1" ]; then (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); fi
}

now() { date +%s.%N; }

# Empty when the history's only run agrees with DIR/2018-11-30/report.json and manifest.json;
# else what differs.
history_disagrees() {
  local out=$1 list
  if ! list=$("$MCA" history --out "$out" --format json 2>"$WORK/history.err"); then
    echo "history exited non-zero: $(cat "$WORK/history.err")"; return
  fi
  printf '%s' "$list" | python3 -c '
import json, sys
runs = json.load(sys.stdin)["runs"]
folder = sys.argv[1]
report = json.load(open(folder + "/report.json"))
manifest = json.load(open(folder + "/manifest.json"))
problems = []
if [r["asOf"] for r in runs] != ["2018-11-30"]:
    problems.append("runs in the history: %s" % [r["asOf"] for r in runs])
else:
    run = runs[0]
    if run["runDate"] != report["runDate"]: problems.append("run date %s vs %s" % (run["runDate"], report["runDate"]))
    if run["summary"] != report["summary"]: problems.append("counts differ from report.json")
    if [i["sha256"] for i in run["inputs"]] != [i["sha256"] for i in manifest["inputs"]]:
        problems.append("input SHA-256s differ from manifest.json")
print("; ".join(problems))
' "$out/2018-11-30" || echo "the history or the report could not be read"
}

# The undisturbed reports: the fixtures' one, and those of the two big runs (timed).
"$MCA" audit "${FIXTURES[@]}" "${DATES[@]}" --out "$WORK/ref-fixtures" --quiet
FIXTURES_PRINT=$(fingerprint "$WORK/ref-fixtures/2018-11-30")
declare -a BIG_PRINT BIG_SECONDS
for v in 0 1; do
  start=$(now)
  # shellcheck disable=SC2046
  "$MCA" audit $(big_args "$v") "${DATES[@]}" --out "$WORK/ref-big-$v" --quiet
  BIG_SECONDS[$v]=$(python3 -c "print(round($(now) - $start, 3))")
  BIG_PRINT[$v]=$(fingerprint "$WORK/ref-big-$v/2018-11-30")
done
echo "kill-test: an undisturbed run takes ${BIG_SECONDS[0]}s / ${BIG_SECONDS[1]}s" >&2
if [ "${BIG_PRINT[0]}" = "$FIXTURES_PRINT" ] || [ "${BIG_PRINT[1]}" = "$FIXTURES_PRINT" ] || [ "${BIG_PRINT[0]}" = "${BIG_PRINT[1]}" ]; then
  fail "the reference reports are not distinct; the test would prove nothing"
fi

OUT=$WORK/out
"$MCA" audit "${FIXTURES[@]}" "${DATES[@]}" --out "$OUT" --quiet
killed=0 finished=0
for ((i = 1; i <= KILLS; i++)); do
  v=$((i % 2))
  before=$(fingerprint "$OUT/2018-11-30")
  delay=$(python3 -c "import random; print(random.uniform(0, ${BIG_SECONDS[$v]} * 1.05))")
  # shellcheck disable=SC2046
  "$MCA" audit $(big_args "$v") "${DATES[@]}" --out "$OUT" --quiet &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  if wait "$pid" 2>/dev/null; then finished=$((finished + 1)); else killed=$((killed + 1)); fi

  after=$(fingerprint "$OUT/2018-11-30")
  if [ ! -d "$OUT/2018-11-30" ]; then
    fail "kill $i (after ${delay}s): 2018-11-30 is missing; left: $(ls -A "$OUT" | tr '\n' ' ')"
  elif [ "$after" != "$before" ] && [ "$after" != "${BIG_PRINT[$v]}" ]; then
    fail "kill $i (after ${delay}s): 2018-11-30 is neither the previous report nor the killed run's complete one"
  fi
  if [ "$(readlink "$OUT/latest" || true)" != "2018-11-30" ]; then
    fail "kill $i (after ${delay}s): latest points at '$(readlink "$OUT/latest" || true)'"
  fi
  if [ -d "$OUT/2018-11-30" ]; then
    problem=$(history_disagrees "$OUT")
    [ -z "$problem" ] || fail "kill $i (after ${delay}s): history and report disagree: $problem"
  fi

  # The next run succeeds, removes the leftovers and writes exactly its own report.
  if ! "$MCA" audit "${FIXTURES[@]}" "${DATES[@]}" --out "$OUT" --quiet; then
    fail "kill $i: the next run failed"
  fi
  left=$(find "$OUT" -maxdepth 1 \( -name '.tmp-*' -o -name '.old-*' \) -printf '%f ')
  [ -z "$left" ] || fail "kill $i: the next run left $left"
  [ "$(fingerprint "$OUT/2018-11-30")" = "$FIXTURES_PRINT" ] || fail "kill $i: the next run's report differs from an undisturbed one"
  problem=$(history_disagrees "$OUT")
  [ -z "$problem" ] || fail "kill $i: after the next run, history and report disagree: $problem"
done
echo "kill-test: $KILLS rounds: $killed runs killed, $finished finished before the kill" >&2
[ "$killed" -gt 0 ] || fail "no run was killed: the export is too small for this machine"

# A full disk.
DISK=$WORK/disk
mkdir -p "$DISK"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=200k,mode=0750 tmpfs "$DISK" 2>/dev/null; then
  MOUNTED=$DISK
  wrap=(env)
  how="a 200 KB tmpfs"
else
  wrap=(bash -c 'trap "" XFSZ; ulimit -f 128; exec "$@"' limit)
  how="ulimit -f 128 (no tmpfs: not root or mount refused)"
fi
"${wrap[@]}" "$MCA" audit "${FIXTURES[@]}" "${DATES[@]}" --out "$DISK" --quiet || fail "full disk: the first, small report could not be written"
before=$(cd "$DISK" && find . -path ./.lock -prune -o -type f -print0 | sort -z | xargs -0 sha256sum; readlink latest)
status=0
# shellcheck disable=SC2046
"${wrap[@]}" "$MCA" audit $(big_args 0) "${DATES[@]}" --out "$DISK" --quiet 2> "$WORK/disk.err" || status=$?
after=$(cd "$DISK" && find . -path ./.lock -prune -o -type f -print0 | sort -z | xargs -0 sha256sum; readlink latest)
if [ "$status" != 73 ]; then fail "full disk ($how): exit $status, expected 73: $(cat "$WORK/disk.err")"; fi
[ "$before" = "$after" ] || fail "full disk ($how): the previous report changed"
left=$(find "$DISK" -maxdepth 1 \( -name '.tmp-*' -o -name '.old-*' \) -printf '%f ')
[ -z "$left" ] || fail "full disk ($how): left $left"
echo "kill-test: full disk ($how): exit $status; $(head -c 300 "$WORK/disk.err")" >&2

if [ ${#FAILURES[@]} -gt 0 ]; then
  echo "kill-test: ${#FAILURES[@]} checks failed" >&2
  exit 1
fi
echo "kill-test: all checks hold ($KILLS kills, full disk)" >&2
