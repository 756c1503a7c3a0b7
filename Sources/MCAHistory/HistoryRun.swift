import Foundation
import MCAModel

/// Whether a run's report is known to be published.
public enum RunState: String, Sendable, Codable {
    /// Recorded before its report was published; invisible to changes, trend and listings.
    case pending
    /// Its report was published (or found published by recovery).
    case complete
}

/// What history keeps of one input file of a run: enough to tell which exports a run read.
public struct InputFingerprint: Sendable, Equatable, Codable {
    public var kind: String
    public var path: String
    public var format: String
    public var sha256: String
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int

    public init(_ input: InputSummary) {
        kind = input.kind.rawValue
        path = input.path
        format = input.format.rawValue
        sha256 = input.sha256
        rowsRead = input.rowsRead
        rowsAccepted = input.rowsAccepted
        rowsRejected = input.rowsRejected
    }
}

/// One run as the history keeps it.
public struct HistoryRun: Sendable, Equatable {
    /// The history's own id of the run.
    public var id: Int64
    /// The absolute path of the reports folder (`--out`) the run published into.
    public var outDir: String
    public var asOf: DayDate
    public var runDate: DayDate
    public var timeZone: String
    public var phase: Phase
    public var state: RunState
    /// SHA-256 (hex) of the run's `manifest.json`, known once its report is written; it tells
    /// recovery whether the published folder holds this run's report.
    public var manifestSHA256: String?
    /// The policy as a policy file holds it (`Policy`'s Codable form), keys sorted: `Policy.load` reads it back.
    public var policyJSON: String
    public var inputs: [InputFingerprint]
    /// The exit code the run chose once its report was written (0, or 1 for a `--fail-on` condition).
    public var exitCode: Int32
    public var summary: Summary
    /// Wall-clock time the run was recorded (UTC, ISO 8601). Never shown in reports.
    public var recordedAt: String

    /// The run's counts as a point of report.json `trend`.
    public var trendPoint: TrendPoint { TrendPoint(asOf: asOf, runDate: runDate, summary: summary) }

    /// The report folder of the run: `outDir/<as-of>`.
    public var reportFolder: String { outDir + "/" + asOf.iso }
}

/// One customer's outcome in one complete run (`mca-audit history --customer`).
public struct CustomerRunEntry: Sendable, Equatable {
    public var asOf: DayDate
    public var runDate: DayDate
    /// As written in that run's export.
    public var customerId: String
    public var companyName: String
    public var confirmedOn: DayDate?
    public var state: CustomerSnapshot

    public init(asOf: DayDate, runDate: DayDate, customerId: String, companyName: String, confirmedOn: DayDate?,
                state: CustomerSnapshot) {
        self.asOf = asOf
        self.runDate = runDate
        self.customerId = customerId
        self.companyName = companyName
        self.confirmedOn = confirmedOn
        self.state = state
    }
}

/// What recovery did with a run a killed process left `pending`.
public enum RecoveredRun: Sendable, Equatable {
    /// Its report had been published: the run is now complete.
    case completed(HistoryRun)
    /// Its report had not been published: the run is gone from the history.
    case discarded(HistoryRun)
}

/// A history file that cannot be opened, read or written.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
