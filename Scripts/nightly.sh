#!/usr/bin/env bash
# Nightly mca-audit run, for cron or a systemd timer.
#
#   Scripts/nightly.sh [mca-audit audit options...]
#   Scripts/nightly.sh --fetch FETCH_DIR [mca-audit fetch options...] -- [mca-audit audit options...]
#
# With --fetch, `mca-audit fetch --out FETCH_DIR ...` runs first and the audit reads what it fetched
# (`--fetched FETCH_DIR`). A fetch that stops (exit 64..77) sends an alert and no audit runs; a
# fetch with customers it could not read (exit 1) sends a notice, and the audit reports them as
# NOT_FETCHED.
#
# Runs `mca-audit audit` with the options given (inputs, --out, --fail-on, --keep, ...), then:
#   exit 0        nothing to say (set MCA_NOTIFY_OK=1 to send the summary anyway);
#   exit 1        a --fail-on condition holds: sends the report's summary.md;
#   exit 64..75   the audit did not produce a report (usage, unusable input, missing file, internal
#                 error, report not written, folder locked): sends an alert with the end of the log;
#   anything else (killed, crashed): an alert as well.
# and exits with the audit's own exit code, so cron mail and `systemctl status` show it too.
#
# Where messages go (any combination; with none set, messages are printed to stderr):
#   MCA_MAIL_TO=ops@example.com        mail(1) to these addresses (`mail -s SUBJECT ADDRESS`)
#   MCA_WEBHOOK_URL=https://...        curl POST {"text": "..."} (Slack, Teams and Mattermost incoming webhooks)
#   MCA_NOTIFY_COMMAND='cmd args'      any command: the subject as its last argument, the body on stdin
# Other settings:
#   MCA_AUDIT_BIN=/path/to/mca-audit   the binary (default: mca-audit on PATH, else .build/release/mca-audit)
#   MCA_LOG_DIR=/var/log/mca-audit     keep each run's stderr as nightly-<date>.log (default: a temporary file)
#   MCA_ALERT_LINES=40                 lines of the log an alert quotes
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${MCA_AUDIT_BIN:-}"
if [[ -z "$bin" ]]; then
    if command -v mca-audit >/dev/null 2>&1; then bin="$(command -v mca-audit)"
    else bin="$here/../.build/release/mca-audit"; fi
fi

fetch_dir=""
fetch_args=()
if [[ "${1:-}" == "--fetch" ]]; then
    fetch_dir="${2:-}"
    if [[ -z "$fetch_dir" ]]; then echo "nightly.sh: --fetch needs the fetch folder" >&2; exit 64; fi
    shift 2
    while [[ $# -gt 0 && "$1" != "--" ]]; do fetch_args+=("$1"); shift; done
    if [[ "${1:-}" == "--" ]]; then shift; fi
    set -- --fetched "$fetch_dir" "$@"
fi

# The reports folder, to find summary.md: the last --out given, as mca-audit reads it.
out="Reports"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --out) out="${args[i + 1]:-Reports}" ;;
        --out=*) out="${args[i]#--out=}" ;;
    esac
done

if [[ -n "${MCA_LOG_DIR:-}" ]]; then
    mkdir -p "$MCA_LOG_DIR"
    log="$MCA_LOG_DIR/nightly-$(date -u +%Y-%m-%dT%H%M%SZ).log"
    keep_log=1
else
    log="$(mktemp "${TMPDIR:-/tmp}/mca-nightly.XXXXXX")"
    keep_log=0
fi

# JSON string body for a webhook, without needing jq or python on the server.
json_text() {
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r//g' | awk 'BEGIN { printf "{\"text\": \"" } { printf "%s\\n", $0 } END { printf "\"}" }'
}

# notify SUBJECT < BODY
notify() {
    local subject="$1" body sent=0
    body="$(cat)"
    if [[ -n "${MCA_NOTIFY_COMMAND:-}" ]]; then
        # Word-split on purpose: MCA_NOTIFY_COMMAND is a command line.
        # shellcheck disable=SC2086
        printf '%s\n' "$body" | $MCA_NOTIFY_COMMAND "$subject" || echo "nightly.sh: MCA_NOTIFY_COMMAND failed" >&2
        sent=1
    fi
    if [[ -n "${MCA_MAIL_TO:-}" ]]; then
        printf '%s\n' "$body" | mail -s "$subject" "$MCA_MAIL_TO" || echo "nightly.sh: mail to $MCA_MAIL_TO failed" >&2
        sent=1
    fi
    if [[ -n "${MCA_WEBHOOK_URL:-}" ]]; then
        printf '*%s*\n\n%s\n' "$subject" "$body" | json_text |
            curl --silent --show-error --fail --max-time 30 -H 'Content-Type: application/json' --data-binary @- "$MCA_WEBHOOK_URL" >/dev/null ||
            echo "nightly.sh: posting to the webhook failed" >&2
        sent=1
    fi
    if [[ $sent -eq 0 ]]; then
        printf '%s\n\n%s\n' "$subject" "$body" >&2
    fi
}

host="$(hostname 2>/dev/null || echo localhost)"

if [[ -n "$fetch_dir" ]]; then
    { "$bin" fetch --out "$fetch_dir" "${fetch_args[@]}" 2>&1 1>&3 3>&- | tee -a "$log" >&2; } 3>&1
    fetch_status=${PIPESTATUS[0]}
    case $fetch_status in
        0) ;;
        1)
            {
                echo "mca-audit fetch could not read some customers completely; the audit reports them as NOT_FETCHED."
                echo "They are listed in $fetch_dir/latest/fetch-failures.csv:"
                head -n 21 "$fetch_dir/latest/fetch-failures.csv" 2>/dev/null
            } | notify "mca-audit on $host: customers not fetched (fetch exit 1)"
            ;;
        *)
            case $fetch_status in
                64) what="usage error (check the fetch options in the cron line or unit)" ;;
                66) what="the credentials file is missing" ;;
                69) what="the Partner Center API or the sign-in endpoint cannot be reached" ;;
                73) what="the fetch could not be written" ;;
                75) what="another fetch still holds the lock on $fetch_dir" ;;
                77) what="the credentials were refused or the file is readable by others (see the log: a new consent may be needed)" ;;
                *) what="the fetch stopped abnormally (signal or crash)" ;;
            esac
            {
                echo "mca-audit fetch exited with $fetch_status: $what."
                echo "No audit ran; $out/latest still points at the previous report."
                echo
                echo "Last lines of its log ($log):"
                tail -n "${MCA_ALERT_LINES:-40}" "$log"
            } | notify "mca-audit on $host: FETCH FAILED (exit $fetch_status)"
            if [[ $keep_log -eq 0 ]]; then rm -f "$log"; fi
            exit "$fetch_status"
            ;;
    esac
fi

# The audit's stderr goes to the log and still to our stderr (cron mail, journald).
{ "$bin" audit "$@" 2>&1 1>&3 3>&- | tee -a "$log" >&2; } 3>&1
status=${PIPESTATUS[0]}
summary="$out/latest/summary.md"
case $status in
    0)
        if [[ "${MCA_NOTIFY_OK:-0}" == 1 && -r "$summary" ]]; then
            notify "mca-audit on $host: audit complete, nothing to act on" < "$summary"
        fi
        ;;
    1)
        if [[ -r "$summary" ]]; then
            notify "mca-audit on $host: action needed (exit 1)" < "$summary"
        else
            # --report without md: point at the folder instead.
            echo "The audit found a --fail-on condition; the report is in $out/latest/." |
                notify "mca-audit on $host: action needed (exit 1)"
        fi
        ;;
    *)
        case $status in
            64) what="usage error (check the options in the cron line or unit)" ;;
            65) what="an input export is unusable (missing column, malformed file, or --strict with rejected rows)" ;;
            66) what="an input export is missing or unreadable" ;;
            70) what="internal error" ;;
            73) what="the report could not be written (the previous report is untouched)" ;;
            75) what="another run still holds the lock on $out (a run that overran, or a second scheduler)" ;;
            *) what="the audit stopped abnormally (signal or crash)" ;;
        esac
        {
            echo "mca-audit exited with $status: $what."
            echo "No new report was published; $out/latest still points at the previous one."
            echo
            echo "Last lines of its log ($log):"
            tail -n "${MCA_ALERT_LINES:-40}" "$log"
        } | notify "mca-audit on $host: FAILED (exit $status)"
        ;;
esac

if [[ $keep_log -eq 0 ]]; then rm -f "$log"; fi
exit $status
