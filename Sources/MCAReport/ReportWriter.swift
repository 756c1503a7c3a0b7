import Foundation
import MCAModel

/// A family of report files that `--report` selects (README, "Reports").
public enum ReportFormat: String, CaseIterable, Sendable {
    /// `report.json`.
    case json
    /// `report.html`.
    case html
    /// `summary.md`.
    case md
    /// The six CSV files.
    case csv
    /// `report.xlsx`, one sheet per CSV list; not in the default set (`--report ...,xlsx`).
    case xlsx

    /// What a run writes when `--report` is not given: the json, html, md and csv reports.
    public static let defaultFormats: Set<ReportFormat> = [.json, .html, .md, .csv]

    /// The writer of this format's files.
    var formatter: any ReportFormatter.Type {
        switch self {
        case .json: ReportJSON.self
        case .html: HTMLReport.self
        case .md: SummaryMarkdown.self
        case .csv: CSVReports.self
        case .xlsx: XLSXReport.self
        }
    }

    /// When its files are started: the largest first, so the long ones start while the short ones
    /// fill the other core.
    var writingRank: Int {
        switch self {
        case .xlsx: 0
        case .json: 1
        case .csv: 2
        case .html: 3
        case .md: 4
        }
    }
}

/// The writer of one report format, one type per format (`ReportFormat.formatter`).
protocol ReportFormatter: SendableMetatype {
    /// The files of this format, each with what writes it from the run's `context`.
    static func jobs(_ context: ReportContext) -> [ReportJob]
}

/// A format of one file: its name and its writer.
protocol SingleFileReportFormatter: ReportFormatter {
    static var fileName: String { get }
    static func write(_ context: ReportContext, to file: ReportFile) throws
}

extension SingleFileReportFormatter {
    static func jobs(_ context: ReportContext) -> [ReportJob] {
        [ReportJob(name: fileName) { try write(context, to: $0) }]
    }
}

extension ReportJSON: SingleFileReportFormatter {}
extension HTMLReport: SingleFileReportFormatter {}
extension SummaryMarkdown: SingleFileReportFormatter {}
extension XLSXReport: SingleFileReportFormatter {}

extension CSVReports: ReportFormatter {
    static func jobs(_ context: ReportContext) -> [ReportJob] { files(context).map { ReportJob(name: $0.name, write: $0.write) } }
}

/// What to write and how.
public struct ReportOptions: Sendable {
    /// The report families to write; `manifest.json` is always written.
    public var formats: Set<ReportFormat>
    /// Mask contact e-mails and phone numbers in every file (`--redact`).
    public var redact: Bool
    /// The version of mca-audit, recorded in `manifest.json` and the HTML footer.
    public var toolVersion: String
    /// Also write each reseller's files in `resellers/<id>/` (`--split-by reseller`, ResellerSplit.swift).
    public var splitByReseller: Bool

    public init(formats: Set<ReportFormat> = ReportFormat.defaultFormats, redact: Bool = false, toolVersion: String,
                splitByReseller: Bool = false) {
        self.splitByReseller = splitByReseller
        self.formats = formats
        self.redact = redact
        self.toolVersion = toolVersion
    }
}

/// Turns an `AuditResult` into the report files (README, "Reports").
public enum ReportWriter {
    /// Writes the selected files plus `manifest.json` into `directory`, which must exist and be empty.
    ///
    /// Every file is created new (an existing one is an error), with mode 0640, streamed through a
    /// 64 KiB buffer and hashed while written; the same result and options always give the same bytes.
    /// The files are independent, so they are written on all cores at once; `manifest.json` comes last.
    /// - Returns: The names of the files written, sorted.
    /// - Throws: `ReportWriteError` naming the file and the system error. Files already written stay;
    ///   write into a `ReportPublisher.publish` folder, which is removed whole when this throws.
    public static func write(_ result: AuditResult, options: ReportOptions, into directory: URL) throws -> [String] {
        let context = ReportContext(result: result, options: options)
        let folder = directory.path
        let jobs = options.formats.sorted { $0.writingRank < $1.writingRank }.flatMap { $0.formatter.jobs(context) }
        var hashes = try ReportJob.run(jobs, in: folder)
        if options.splitByReseller { hashes += try ResellerSplit.write(context, into: folder) }
        // A list read back from its spool file in part would make reports that lack rows.
        if let failure = result.violations.failure ?? result.dataQuality.failure {
            throw ReportWriteError(path: folder, reason: failure)
        }
        let manifest = try ReportFile(directory: folder, name: Manifest.fileName)
        try Manifest.write(context, files: hashes, to: manifest)
        _ = try manifest.close()
        return (hashes.map(\.name) + [Manifest.fileName]).sorted()
    }
}

/// One report file to write: its name and what goes in it.
struct ReportJob: Sendable {
    let name: String
    let write: @Sendable (ReportFile) throws -> Void

    /// Writes every job's file into `folder`, in parallel; returns name → SHA-256 in job order, or
    /// throws the error of the first job (in job order) that failed.
    static func run(_ jobs: [ReportJob], in folder: String) throws -> [(name: String, sha256: String)] {
        let outcomes = Outcomes(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let job = jobs[index]
            outcomes.set(index, Result {
                let file = try ReportFile(directory: folder, name: job.name)
                try job.write(file)
                return try file.close()
            })
        }
        return try zip(jobs, outcomes.all()).map { job, outcome in (job.name, try outcome.get()) }
    }

    /// The results of jobs running on several threads.
    private final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<String, any Error>?]

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ result: Result<String, any Error>) {
            lock.lock()
            defer { lock.unlock() }
            results[index] = result
        }

        func all() -> [Result<String, any Error>] {
            lock.lock()
            defer { lock.unlock() }
            return results.map { $0 ?? .failure(ReportWriteError(path: "", reason: "report job did not run")) }
        }
    }
}
