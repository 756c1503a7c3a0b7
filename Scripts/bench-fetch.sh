#!/usr/bin/env bash
# Measures `mca-audit fetch` against the test Partner Center on loopback (docs/fetch.md, "Performance"):
# customers per second and peak memory (/usr/bin/time -v) with --concurrency 1, 8 and 32 for
# 10,000 customers; then with 50 ms added to every answer, where concurrency should be the limit
# (at most concurrency / 0.05 requests a second). Prints a Markdown table.
#
#   Scripts/bench-fetch.sh [--customers N] [--latency-customers N] [--bin PATH]
#
# The machine may be shared: say so next to the numbers. Traffic stays on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
customers=10000
latency_customers=400
bin=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --customers) customers="$2"; shift 2 ;;
        --latency-customers) latency_customers="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) echo "bench-fetch.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
if [[ -z "$bin" ]]; then
    if [[ -x "$root/.build/release/mca-audit" ]]; then bin="$root/.build/release/mca-audit"; else bin="$root/.build/debug/mca-audit"; fi
fi
server="$root/Tests/MCAFetchTests/TestPartnerCenter.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# run_case CUSTOMERS LATENCY_MS CONCURRENCY: prints one table row.
run_case() {
    local n="$1" latency="$2" concurrency="$3"
    local fifo="$work/stdin-$n-$latency-$concurrency" out="$work/out-$n-$latency-$concurrency"
    mkfifo "$fifo"
    # The server lives while the fifo is held open; one page per answer for each customer's collections.
    python3 "$server" --customers "$n" --latency-ms "$latency" --item-page-size 100 < "$fifo" > "$work/server.out" &
    local server_pid=$!
    exec 9> "$fifo"
    local port=""
    for _ in $(seq 1 100); do
        port="$(sed -n 's/^PORT //p' "$work/server.out" | head -n 1)"
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    printf '{"tenantId":"contoso-partner.onmicrosoft.com","clientId":"3f1c2b7e-5a1d-4c0e-9d8e-a1b2c3d4e5f6","clientSecret":"test-client-secret-Zq8~kd02JfWm","refreshToken":"test-refresh-token-0.AXcAq1b2c3d4"}' > "$work/cred.json"
    chmod 600 "$work/cred.json"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v "$bin" fetch --out "$out" --credentials "$work/cred.json" --api "http://127.0.0.1:$port" \
        --authority "http://127.0.0.1:$port" --concurrency "$concurrency" --quiet 2> "$work/time.txt" || {
        echo "bench-fetch.sh: fetch failed:" >&2; cat "$work/time.txt" >&2; exit 1; }
    end=$(date +%s.%N)
    exec 9>&-
    wait "$server_pid" || true
    rm -f "$fifo"
    local rss requests
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    requests=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['requests'])" "$out/latest/fetch-manifest.json")
    python3 - "$n" "$latency" "$concurrency" "$start" "$end" "$rss" "$requests" <<'PY'
import sys
n, latency, c, start, end, rss, requests = sys.argv[1:]
seconds = float(end) - float(start)
bound = ""
if float(latency) > 0:
    # With L seconds per answer and c requests at once, no client can do better than c / L requests a second.
    bound = "%.0f" % (int(c) / (float(latency) / 1000.0))
print("| %s | %s | %s | %.2f | %.0f | %.0f | %s | %.1f |" % (n, latency, c, seconds, int(n) / seconds, int(requests) / seconds,
                                                          bound or "-", int(rss) / 1024.0))
PY
    rm -rf "$out"
}

echo "mca-audit fetch against the test Partner Center on 127.0.0.1 ($(nproc) cores, $(uname -m)); binary: ${bin#$root/}"
echo "started $(date -u +%Y-%m-%dT%H:%M:%SZ); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| customers | latency ms | concurrency | seconds | customers/s | requests/s | ceiling requests/s (c / latency) | peak RSS MiB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in 1 8 32; do run_case "$customers" 0 "$c"; done
for c in 1 8 32; do
    n="$latency_customers"
    # Concurrency 1 with 50 ms answers is slow by design: a quarter of the customers keeps it short.
    [[ $c -eq 1 ]] && n=$((latency_customers / 4))
    run_case "$n" 50 "$c"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
