#!/usr/bin/env bash
# How many cores a command keeps busy over time (docs/performance.md, "Where the second core
# idles"): runs COMMAND, and every INTERVAL seconds (CORES_INTERVAL, default 0.5) prints the
# seconds since the start and the cores its process used in that interval (user + system CPU
# time over wall time, from /proc/PID/stat), then the whole run's average. A phase that shows
# about 1.0 on a 2-core machine runs on one thread; one that shows about 2.0 uses both.
#
#   Scripts/cores-timeline.sh .build/release/mca-audit audit --customers ... --verbose
#
# The command's own output goes to its stdout and stderr as usual; the timeline goes to stderr,
# each line starting with "cores:". Only the command's main process is measured (all its
# threads), not processes it starts.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENT...]" >&2; exit 64; }
interval=${CORES_INTERVAL:-0.5}
[[ "$interval" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "CORES_INTERVAL must be a number of seconds, not '$interval'" >&2; exit 64; }
ticks=$(getconf CLK_TCK)

"$@" &
pid=$!
start=$(date +%s.%N)
previous=0
previous_time=$start
elapsed=0
# Fields 14 and 15 of /proc/PID/stat are the user and system time in clock ticks; the command
# name (field 2) may hold spaces, so the fields are counted after its closing parenthesis.
cpu_ticks() { sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval"
  now=$(cpu_ticks) || break
  [ -n "$now" ] || break
  time=$(date +%s.%N)
  elapsed=$(awk -v s="$start" -v t="$time" 'BEGIN { printf "%.2f", t - s }')
  awk -v t="$elapsed" -v a="$previous" -v b="$now" -v hz="$ticks" -v p="$previous_time" -v q="$time" \
    'BEGIN { printf "cores: %6.1f s %5.2f\n", t, (b - a) / hz / (q - p) }' >&2
  previous=$now
  previous_time=$time
done
status=0
wait "$pid" || status=$?
awk -v t="$elapsed" -v b="$previous" -v hz="$ticks" \
  'BEGIN { if (t > 0) printf "cores: average %.2f over %.1f s (CPU time seen by the last sample)\n", b / hz / t, t }' >&2
exit "$status"
