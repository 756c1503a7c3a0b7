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
# threads), not processes it starts. With CORES_THREADS=1 each line also gives every thread
# that was busy in the interval, as TID:CORES (TID as in /proc/PID/task/TID): a thread
# at about 1.00 is the one the others wait for.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENT...]" >&2; exit 64; }
interval=${CORES_INTERVAL:-0.5}
[[ "$interval" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "CORES_INTERVAL must be a number of seconds, not '$interval'" >&2; exit 64; }
threads=${CORES_THREADS:-0}
[[ "$threads" =~ ^[01]$ ]] || { echo "CORES_THREADS must be 0 or 1, not '$threads'" >&2; exit 64; }
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
# Every thread's id and CPU ticks, one "TID TICKS" per line (CORES_THREADS=1).
thread_ticks() {
  for stat in /proc/"$pid"/task/*/stat; do
    tid=${stat%/stat}
    # A thread may end between the listing and the read: it is left out.
    sed -e 's/^.*) //' "$stat" 2>/dev/null | awk -v tid="${tid##*/}" '{ print tid, $12 + $13 }' || true
  done
}
previous_threads=""
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval"
  now=$(cpu_ticks) || break
  [ -n "$now" ] || break
  time=$(date +%s.%N)
  elapsed=$(awk -v s="$start" -v t="$time" 'BEGIN { printf "%.2f", t - s }')
  per_thread=""
  if [ "$threads" = 1 ]; then
    current_threads=$(thread_ticks)
    per_thread=$(awk -v hz="$ticks" -v p="$previous_time" -v q="$time" '
      NR == FNR { before[$1] = $2; next }
      { busy = ($2 - before[$1]) / hz / (q - p); if (busy >= 0.05) printf " %s:%.2f", $1, busy }' \
      <(printf '%s\n' "$previous_threads") <(printf '%s\n' "$current_threads"))
    previous_threads=$current_threads
  fi
  awk -v t="$elapsed" -v a="$previous" -v b="$now" -v hz="$ticks" -v p="$previous_time" -v q="$time" -v x="$per_thread" \
    'BEGIN { printf "cores: %6.1f s %5.2f%s\n", t, (b - a) / hz / (q - p), x }' >&2
  previous=$now
  previous_time=$time
done
status=0
wait "$pid" || status=$?
awk -v t="$elapsed" -v b="$previous" -v hz="$ticks" \
  'BEGIN { if (t > 0) printf "cores: average %.2f over %.1f s (CPU time seen by the last sample)\n", b / hz / t, t }' >&2
exit "$status"
