#!/usr/bin/env bash
# Whether two builds of mca-audit write the same reports, byte for byte (`diff -r`), on the
# fixtures and on `generate` data: the check a change that must not change any output (a
# refactoring, an engine change) passes before it is merged.
#
#   Scripts/compare-builds.sh OLD_BINARY NEW_BINARY [DATA_DIR...]
#
# Each DATA_DIR holds customers, agreements, orders and (optionally) subscriptions exports in
# one format, as `mca-audit generate` writes them; each is audited twice by each build, with
# and without the subscriptions export. The fixtures are audited with the README's command.
# Reports go to a temporary folder, removed at the end; the run history is off (a history
# records run times), and `--run-date` is fixed, so two runs of one build write the same bytes.
# Exit 0 when every report is the same, 1 otherwise (the differing files are listed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: Scripts/compare-builds.sh OLD_BINARY NEW_BINARY [DATA_DIR...]" >&2; exit 64; }
old=$1 new=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# audit NAME ARGS...: runs both builds with ARGS and compares their report folders.
audit() {
  local name=$1
  shift
  for build in old new; do
    local bin=$old
    [ "$build" = new ] && bin=$new
    local code=0
    "$bin" audit "$@" --run-date 2019-01-15 --no-history --quiet --report json,csv,md,html,xlsx \
      --out "$work/$build/$name" >/dev/null 2>"$work/$build-$name.stderr" || code=$?
    echo "$code" >"$work/$build-$name.code"
  done
  if ! cmp -s "$work/old-$name.code" "$work/new-$name.code"; then
    echo "compare: $name: exit codes differ ($(cat "$work/old-$name.code") vs $(cat "$work/new-$name.code"))"
    status=1
  fi
  # stderr names the report folder, which differs; everything else must be the same.
  if ! diff <(sed "s#$work/old/#DIR/#g" "$work/old-$name.stderr") <(sed "s#$work/new/#DIR/#g" "$work/new-$name.stderr") >/dev/null; then
    echo "compare: $name: stderr differs"
    status=1
  fi
  # .lock holds the process id of the run that wrote the folder.
  if diff -r -q -x .lock "$work/old/$name" "$work/new/$name"; then
    echo "compare: $name: same ($(find "$work/new/$name" -type f | wc -l) files, $(du -sh "$work/new/$name" | cut -f1))"
  else
    status=1
  fi
}

audit fixtures --customers Fixtures/customers.csv --agreements Fixtures/agreements.csv --orders Fixtures/orders.csv --as-of 2018-11-30
for dir in "$@"; do
  name=$(basename "$dir")
  files=()
  for kind in customers agreements orders; do
    f=$(ls "$dir"/$kind.* 2>/dev/null | head -1)
    [ -n "$f" ] || { echo "compare: $dir has no $kind export" >&2; exit 66; }
    files+=("--$kind" "$f")
  done
  audit "$name" "${files[@]}" --as-of 2019-01-15
  sub=$(ls "$dir"/subscriptions.* 2>/dev/null | head -1 || true)
  [ -z "$sub" ] || audit "$name-subscriptions" "${files[@]}" --subscriptions "$sub" --as-of 2019-01-15
done
exit $status
