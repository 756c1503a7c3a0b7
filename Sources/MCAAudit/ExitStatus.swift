/// The exit codes (README, "Exit codes"; sysexits), so cron wrappers can tell outcomes apart.
public enum ExitStatus: Int32, Sendable {
    /// Audit complete; no `--fail-on` condition holds.
    case ok = 0
    /// Audit complete and report written; a `--fail-on` condition holds.
    case conditionMet = 1
    case usage = 64
    /// An input is unusable (missing column, fatal finding, `--strict` with rejected rows).
    case dataError = 65
    /// An input file is missing or unreadable.
    case noInput = 66
    /// `fetch`: the API or the sign-in endpoint cannot be reached, even after the retries.
    case unavailable = 69
    case internalError = 70
    /// The report could not be written; the previous report is untouched.
    case cannotWrite = 73
    /// Another run holds the lock on the output folder.
    case locked = 75
    /// `fetch`: the credentials were refused, or their file is readable by others.
    case noPermission = 77
}

/// A run that stops before writing a report, with the exit status and the message for stderr.
public struct AuditFailure: Error, Sendable, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String
    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}

/// The conditions `--fail-on` can name (README, "Exit codes": exit 1).
public enum FailCondition: String, CaseIterable, Sendable {
    case violations, blocked, atRisk = "at-risk", invalid, rejected
}
