#!/usr/bin/env bash
# Nightly mca-audit run, for cron or a systemd timer.
#
#   Scripts/nightly.sh [mca-audit audit options...]
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

# The audit's stderr goes to the log and still to our stderr (cron mail, journald).
{ "$bin" audit "$@" 2>&1 1>&3 3>&- | tee "$log" >&2; } 3>&1
status=${PIPESTATUS[0]}

host="$(hostname 2>/dev/null || echo localhost)"
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
