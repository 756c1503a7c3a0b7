#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of the input readers (Fuzz/*.swift).
#
#   Scripts/fuzz.sh TARGET SECONDS     fuzz one target (csv, xml, json, date) for SECONDS
#   Scripts/fuzz.sh --smoke [SECONDS]  every target for SECONDS each (default 20); exit 1 on any finding
#   Scripts/fuzz.sh --build [TARGET]   build only
#   Scripts/fuzz.sh --run TARGET FILE… run a target once over saved inputs (reproduce a crash)
#
# Everything goes to .build-fuzz/: the instrumented objects, the binaries (fuzz-TARGET), the
# corpus (corpus-TARGET/, seeded from Fixtures/ and kept between runs), crash and timeout
# inputs (artifacts-TARGET/) and logs. A finding is a crash, a sanitizer report, a broken
# invariant (the targets abort with "FUZZ INVARIANT BROKEN"), a timeout (-timeout=10) or the
# memory limit (-rss_limit_mb=2048). Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 -workers=2".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.build-fuzz
TARGETS=(csv xml json date)

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }

file_of() {
  case "$1" in
    csv) echo Fuzz/FuzzCSV.swift ;;
    xml) echo Fuzz/FuzzXML.swift ;;
    json) echo Fuzz/FuzzJSON.swift ;;
    date) echo Fuzz/FuzzDate.swift ;;
    *) echo "fuzz.sh: unknown target '$1' (one of: ${TARGETS[*]})" >&2; exit 64 ;;
  esac
}

max_len_of() {
  case "$1" in
    date) echo 128 ;;
    *) echo 32768 ;;
  esac
}

# Newer than $1? (any of the remaining paths)
stale() {
  local out=$1; shift
  [ -e "$out" ] || return 0
  [ -n "$(find "$@" -newer "$out" -name '*.swift' -print -quit 2>/dev/null)" ]
}

XML_CC=()
for flag in $(pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2); do XML_CC+=(-Xcc "$flag"); done
SAN=(-sanitize=fuzzer,address -parse-as-library -O -g)

build_libraries() {
  mkdir -p "$OUT/modules"
  # -package-name: the targets share `package` declarations, as SwiftPM builds them.
  if stale "$OUT/MCAStorage.o" Sources/MCAStorage; then
    echo "fuzz: building MCAStorage (instrumented)" >&2
    swiftc "${SAN[@]}" -module-name MCAStorage -package-name mca_audit -wmo \
      -emit-module -emit-module-path "$OUT/modules/MCAStorage.swiftmodule" \
      -c Sources/MCAStorage/*.swift -o "$OUT/MCAStorage.o"
    rm -f "$OUT/MCAModel.o"
  fi
  if stale "$OUT/MCAModel.o" Sources/MCAModel; then
    echo "fuzz: building MCAModel (instrumented)" >&2
    swiftc "${SAN[@]}" -module-name MCAModel -package-name mca_audit -wmo -I "$OUT/modules" \
      -emit-module -emit-module-path "$OUT/modules/MCAModel.swiftmodule" \
      -c $(find Sources/MCAModel -name '*.swift' | sort) -o "$OUT/MCAModel.o"
    rm -f "$OUT/MCAIngest.o"
  fi
  if stale "$OUT/MCAIngest.o" Sources/MCAIngest; then
    echo "fuzz: building MCAIngest (instrumented)" >&2
    swiftc "${SAN[@]}" -module-name MCAIngest -package-name mca_audit -wmo -I "$OUT/modules" -I Sources/CLibXML2 "${XML_CC[@]}" \
      -emit-module -emit-module-path "$OUT/modules/MCAIngest.swiftmodule" \
      -c Sources/MCAIngest/*.swift -o "$OUT/MCAIngest.o"
    rm -f "$OUT"/fuzz-*
  fi
}

build_target() {
  local t=$1 src bin
  src=$(file_of "$t")
  bin=$OUT/fuzz-$t
  build_libraries
  if stale "$bin" "$src" Fuzz/FuzzSupport.swift; then
    echo "fuzz: building $bin" >&2
    swiftc "${SAN[@]}" -module-name "Fuzz_$t" -I "$OUT/modules" -I Sources/CLibXML2 "${XML_CC[@]}" \
      -use-ld=lld "$src" Fuzz/FuzzSupport.swift "$OUT/MCAStorage.o" "$OUT/MCAModel.o" "$OUT/MCAIngest.o" -lxml2 -o "$bin"
  fi
}

seed_corpus() {
  local t=$1 dir=$OUT/corpus-$t
  mkdir -p "$dir"
  # cp -n: a seed already there (or improved by an earlier run) is kept.
  case "$t" in
    csv) find Fixtures -name '*.csv' -not -path '*/golden/*' -exec cp -n {} "$dir/" \; ;;
    xml) find Fixtures -name '*.xml' -exec cp -n {} "$dir/" \; ;;
    json) find Fixtures -name '*.json' -not -path '*/golden/*' -exec cp -n {} "$dir/" \; ;;
    date)
      local i=0
      while IFS= read -r line; do
        i=$((i + 1))
        printf '%s' "$line" > "$dir/seed-$i"
      done < Fuzz/date-seeds.txt
      ;;
  esac
  if [ -d "Fuzz/seeds/$t" ]; then cp -n "Fuzz/seeds/$t"/* "$dir/"; fi
  if [ -d Fixtures/fuzz-regressions ]; then
    find Fixtures/fuzz-regressions -name "$t-*" -exec cp -n {} "$dir/" \;
  fi
}

# Runs one target for $2 seconds; returns non-zero on a finding.
fuzz() {
  local t=$1 secs=$2
  build_target "$t"
  seed_corpus "$t"
  mkdir -p "$OUT/artifacts-$t"
  local dict=()
  [ -f "Fuzz/$t.dict" ] && dict=(-dict="Fuzz/$t.dict")
  echo "fuzz: $t for ${secs}s (corpus $OUT/corpus-$t, findings in $OUT/artifacts-$t/)" >&2
  # shellcheck disable=SC2086
  # The Swift runtime's own crash backtracer would run after ASan's report and confuse it.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    "$OUT/fuzz-$t" "$OUT/corpus-$t" "${dict[@]}" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$OUT/artifacts-$t/" ${FUZZ_FLAGS:-}
}

# Everything runs from main, called on the script's last line: bash has then read the whole
# file, so editing it while a long fuzz run goes on cannot derail that run.
main() {
  case "${1:-}" in
    --smoke)
      secs=${2:-20}
      failed=()
      for t in "${TARGETS[@]}"; do fuzz "$t" "$secs" || failed+=("$t"); done
      if [ ${#failed[@]} -gt 0 ]; then echo "fuzz: findings in: ${failed[*]}" >&2; exit 1; fi
      echo "fuzz: smoke run clean (${TARGETS[*]}, ${secs}s each)" >&2
      ;;
    --build)
      if [ -n "${2:-}" ]; then build_target "$2"; else for t in "${TARGETS[@]}"; do build_target "$t"; done; fi
      ;;
    --run)
      [ $# -ge 3 ] || usage
      t=$2; shift 2
      build_target "$t"
      SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0} "$OUT/fuzz-$t" -runs=1 "$@"
      ;;
    ""|-h|--help) usage ;;
    *)
      [ $# -eq 2 ] || usage
      fuzz "$1" "$2"
      ;;
  esac
}

main "$@"; exit $?
