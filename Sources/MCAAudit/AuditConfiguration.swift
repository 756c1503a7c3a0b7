import Foundation
import MCAModel
import MCAReport

/// One input file and how to read it.
public struct InputSpec: Sendable, Equatable {
    public var kind: InputKind
    public var path: String
    public var format: InputFormat

    public init(kind: InputKind, path: String, format: InputFormat) {
        self.kind = kind
        self.path = path
        self.format = format
    }
}

/// Everything one `mca-audit audit` run needs, already validated by the command line.
public struct AuditConfiguration: Sendable {
    public var inputs: [InputSpec]
    public var asOf: DayDate?
    public var runDate: DayDate?
    public var timeZone: TimeZone
    public var policy: Policy
    public var outDir: URL
    public var report: ReportOptions
    /// `--date-format` layouts, tried in order after ISO 8601.
    public var dateFormats: [String]
    public var delimiter: UInt8
    public var failOn: Set<FailCondition>
    public var strict: Bool
    public var verbosity: Verbosity
    /// Whether progress lines may be written (stderr is a terminal).
    public var showProgress: Bool
    /// Where the run history is kept (docs/operations.md, "Run history").
    public var history: HistorySetting
    /// `--keep N`: after the run, remove all but the N newest report folders (never the one `latest` names).
    public var keep: Int?
    /// `--history-keep N`: after the run, remove all but the N newest runs from the history.
    public var historyKeep: Int?
    /// `fetch-failures.csv` of `--fetched DIR`: one `NOT_FETCHED` finding per customer listed.
    public var fetchFailures: String?

    public enum Verbosity: Sendable { case quiet, normal, verbose }

    /// `--history FILE`, `--no-history`, or neither.
    public enum HistorySetting: Sendable, Equatable {
        /// `DIR/history.sqlite`.
        case inOutDir
        /// A history file elsewhere.
        case file(String)
        /// No history: report.json's `changes` and `trend` are null.
        case none
    }

    public init(inputs: [InputSpec], asOf: DayDate? = nil, runDate: DayDate? = nil,
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, policy: Policy = .default,
                outDir: URL = URL(fileURLWithPath: "Reports"), report: ReportOptions = ReportOptions(toolVersion: toolVersion),
                dateFormats: [String] = [], delimiter: UInt8 = UInt8(ascii: ","), failOn: Set<FailCondition> = [],
                strict: Bool = false, verbosity: Verbosity = .normal, showProgress: Bool = false,
                history: HistorySetting = .inOutDir, keep: Int? = nil, historyKeep: Int? = nil) {
        self.inputs = inputs
        self.asOf = asOf
        self.runDate = runDate
        self.timeZone = timeZone
        self.policy = policy
        self.outDir = outDir
        self.report = report
        self.dateFormats = dateFormats
        self.delimiter = delimiter
        self.failOn = failOn
        self.strict = strict
        self.verbosity = verbosity
        self.showProgress = showProgress
        self.history = history
        self.keep = keep
        self.historyKeep = historyKeep
        self.fetchFailures = nil
    }

    /// The history file this run uses, `nil` with `--no-history`.
    public var historyPath: String? {
        switch history {
        case .inOutDir: return outDir.appendingPathComponent(RunJournal.defaultFileName).path
        case .file(let path): return path
        case .none: return nil
        }
    }
}

/// The version written into manifest.json and printed by `--version`.
public let toolVersion = "0.1.0"

extension InputSpec {
    /// The spec for a path given on the command line: the format from `--format-of` or the extension.
    /// - Throws: `AuditFailure(.noInput)` when the file is missing, `.dataError` when its format is unknown.
    public static func resolve(kind: InputKind, path: String, formatOverrides: [String: InputFormat]) throws -> InputSpec {
        if let f = formatOverrides[path] { return InputSpec(kind: kind, path: path, format: f) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditFailure(.noInput, "\(path): \(kind.rawValue) file not found")
        }
        guard let f = InputFormat(path: path) else {
            throw AuditFailure(.dataError, "\(path): not a .csv, .xml or .json file; name its format with --format-of \(path)=csv|xml|json")
        }
        return InputSpec(kind: kind, path: path, format: f)
    }
}
