#!/usr/bin/env bash
# Writes Fixtures/history-v1/: a run history written by mca-audit 0.1.0 before the history stored
# only what each run changed (schema "v1: runs and customer outcomes"), and what that release
# reported from it. Tests/MCAAuditTests/HistoryMigrationTests.swift opens a copy with the current
# build and checks that every run, count, timeline, and the changes and trend of a next run are
# exactly the same.
#
#   Scripts/make-history-v1-fixture.sh MCA_AUDIT_BINARY
#
# MCA_AUDIT_BINARY must be a build of a commit before the delta history (e.g. a7df470). The
# inputs are variants of Fixtures/*.csv: rows left out or added, as-of dates out of order, a
# re-run that replaces a run, a customer that leaves and one that arrives. Kept for the record:
# the fixture is committed and is not meant to be re-made by a newer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: Scripts/make-history-v1-fixture.sh MCA_AUDIT_BINARY}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
fixture=Fixtures/history-v1
work=$(mktemp -d "${TMPDIR:-/tmp}/mca-history-v1.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The variants: all but some data lines of a file (line numbers count the header as 1).
without() { awk -v drop=",$2," 'index(drop, "," FNR ",") == 0' "$1"; }
mkdir -p "$work/in"
cp Fixtures/customers.csv Fixtures/agreements.csv Fixtures/orders.csv "$work/in/"
without Fixtures/agreements.csv 2,5,9 > "$work/in/agreements-fewer.csv"
without Fixtures/agreements.csv 3,7 > "$work/in/agreements-other.csv"
without Fixtures/customers.csv 6 > "$work/in/customers-one-gone.csv"
{ cat Fixtures/customers.csv
  printf '%s\n' '0A1B2C3D-1111-4E5F-8A9B-00000000C099,Newcomer Ltd,newcomer.example,public,,,,,'; } > "$work/in/customers-one-new.csv"
without Fixtures/orders.csv 4,5,6 > "$work/in/orders-fewer.csv"

out=$work/reports
run() {
  local asOf=$1 runDate=$2 customers=$3 agreements=$4 orders=$5
  "$bin" audit --customers "$work/in/$customers" --agreements "$work/in/$agreements" --orders "$work/in/$orders" \
    --as-of "$asOf" --run-date "$runDate" --out "$out" --quiet || [ $? = 1 ]
}
run 2018-11-05 2018-11-05 customers.csv agreements.csv orders.csv
run 2018-11-07 2018-11-07 customers.csv agreements-fewer.csv orders.csv
run 2018-11-06 2018-11-08 customers.csv agreements.csv orders-fewer.csv
run 2018-11-07 2018-11-09 customers-one-gone.csv agreements-other.csv orders.csv
run 2018-11-30 2018-12-03 customers-one-new.csv agreements.csv orders.csv

rm -rf "$fixture"
mkdir -p "$fixture"
"$bin" history --out "$out" --format json > "$fixture/runs.json"
"$bin" history --out "$out" > "$fixture/runs.txt"
# Every customer key in any run, with its timeline as text and JSON.
python3 - "$out/history.sqlite" > "$work/keys" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (key,) in db.execute("SELECT DISTINCT customer_key FROM customer_outcome ORDER BY customer_key"):
    print(key)
PY
mkdir -p "$fixture/customers"
while read -r key; do
  "$bin" history --out "$out" --customer "$key" --format json > "$fixture/customers/$key.json"
  "$bin" history --out "$out" --customer "$key" > "$fixture/customers/$key.txt"
done < "$work/keys"
# The history as the release left it (checkpointed into one file), then a next run on a copy:
# its changes and trend are what the migrated history must give too.
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$out/history.sqlite"
cp "$out/history.sqlite" "$fixture/history.sqlite"
cp "$fixture/history.sqlite" "$work/next.sqlite"
"$bin" audit --customers Fixtures/customers.csv --agreements "$work/in/agreements-other.csv" --orders Fixtures/orders.csv \
  --as-of 2018-12-01 --run-date 2018-12-01 --out "$work/next" --history "$work/next.sqlite" --quiet || [ $? = 1 ]
python3 - "$work/next/2018-12-01/report.json" > "$fixture/next-run.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(json.dumps({"changes": report["changes"], "trend": report["trend"]}, indent=2, sort_keys=True, ensure_ascii=False))
PY
# The next run's inputs, kept beside it: the test reruns it even when Fixtures/*.csv change.
cp "$work/in/agreements-other.csv" Fixtures/customers.csv Fixtures/orders.csv "$fixture/"
echo "wrote $fixture with $("$bin" --version 2>/dev/null || echo "$bin")" >&2
