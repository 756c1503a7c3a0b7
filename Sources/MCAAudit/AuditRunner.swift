import Foundation
import MCAEvaluate
import MCAIngest
import MCAModel
import MCAReport

/// One audit run, end to end: check inputs, take the lock, ingest, evaluate, publish the
/// report atomically, and decide the exit status (SPEC 5).
public struct AuditRunner {
    public let configuration: AuditConfiguration
    /// Where diagnostics and progress go (stderr in the executable).
    private let diagnostics: (String) -> Void
    /// Where the closing summary goes (stdout in the executable).
    private let output: (String) -> Void

    public init(configuration: AuditConfiguration, diagnostics: @escaping (String) -> Void,
                output: @escaping (String) -> Void) {
        self.configuration = configuration
        self.diagnostics = diagnostics
        self.output = output
    }

    /// Runs the audit and returns the exit status; never throws.
    public func run() -> ExitStatus {
        do {
            return try runThrowing()
        } catch let failure as AuditFailure {
            diagnostics("mca-audit: " + failure.message)
            return failure.status
        } catch {
            diagnostics("mca-audit: internal error: \(error)")
            return .internalError
        }
    }

    private func runThrowing() throws -> ExitStatus {
        let config = configuration
        let fm = FileManager.default
        for spec in config.inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: spec.path, isDirectory: &isDir) else {
                throw AuditFailure(.noInput, "\(spec.path): \(spec.kind.rawValue) file not found")
            }
            guard !isDir.boolValue, fm.isReadableFile(atPath: spec.path) else {
                throw AuditFailure(.noInput, "\(spec.path): \(spec.kind.rawValue) file is not a readable file")
            }
        }
        let dates: DateParser
        do { dates = try DateParser(timeZone: config.timeZone, pattern: config.dateFormat) } catch {
            throw AuditFailure(.usage, "\(error)")
        }
        let runDate = config.runDate ?? AuditRunner.today(in: config.timeZone)
        let asOf = config.asOf ?? runDate

        do {
            try fm.createDirectory(at: config.outDir, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o750])
        } catch {
            throw AuditFailure(.cannotWrite, "\(config.outDir.path): cannot create the report folder: \(error.localizedDescription)")
        }
        let lock = try RunLock(outDir: config.outDir)
        defer { withExtendedLifetime(lock) {} }
        let leftovers = ReportPublisher.removeLeftovers(outDir: config.outDir)
        if !leftovers.isEmpty, config.verbosity != .quiet {
            diagnostics("mca-audit: removed what an interrupted run left: \(leftovers.joined(separator: ", "))")
        }

        let evaluator = Evaluator(policy: config.policy, asOf: asOf, runDate: runDate)
        var ingestion = Ingestion(mapper: RowMapper(dates: dates), delimiter: config.delimiter, evaluator: evaluator)
        if config.showProgress, config.verbosity != .quiet {
            ingestion.onFileDone = { s in
                diagnostics("mca-audit: read \(s.kind.rawValue) \(s.path): \(s.rowsRead) rows, \(s.rowsAccepted) accepted, \(s.rowsRejected) rejected")
            }
        }
        try ingestion.readAll(config.inputs)
        reportFindings(ingestion.findings)

        let rejected = ingestion.inputs.reduce(0) { $0 + $1.rowsRejected }
        if config.strict, rejected > 0 {
            throw AuditFailure(.dataError, "--strict: \(rejected) rows were rejected; no report written")
        }

        let (customers, violations, counts) = evaluator.finish()
        var summary = counts
        summary.rowsRejected = rejected
        summary.warnings = ingestion.inputs.reduce(0) { $0 + $1.warnings }
        let result = AuditResult(asOf: asOf, runDate: runDate, timeZone: config.timeZone.identifier == "GMT" ? "UTC" : config.timeZone.identifier,
                                 phase: evaluator.phase, policy: config.policy, summary: summary,
                                 customers: customers, violations: violations, dataQuality: ingestion.findings,
                                 inputs: ingestion.inputs)
        let folder: URL
        do {
            folder = try ReportPublisher.publish(outDir: config.outDir, name: asOf.iso) { dir in
                _ = try ReportWriter.write(result, options: config.report, into: dir)
            }
        } catch {
            throw AuditFailure(.cannotWrite, "cannot write the report into \(config.outDir.path): \(error); the previous report is untouched")
        }

        let met = FailCondition.allCases.filter { config.failOn.contains($0) && AuditRunner.holds($0, in: result) }
        if config.verbosity != .quiet {
            output(AuditRunner.closingLine(result, folder: folder))
            if !met.isEmpty { output("fail-on: \(met.map(\.rawValue).joined(separator: ", "))") }
        }
        return met.isEmpty ? .ok : .conditionMet
    }

    /// Findings go to stderr as `file:line: severity: message`; without --verbose, only the first few.
    private func reportFindings(_ findings: [Finding]) {
        guard configuration.verbosity != .quiet else { return }
        let limit = configuration.verbosity == .verbose ? Int.max : 20
        for f in findings.prefix(limit) { diagnostics(f.diagnostic) }
        if findings.count > limit {
            diagnostics("mca-audit: \(findings.count - limit) more findings are listed in data-quality.csv")
        }
    }

    static func holds(_ condition: FailCondition, in r: AuditResult) -> Bool {
        switch condition {
        case .violations: return r.summary.violations > 0
        case .blocked: return r.customers.contains { $0.newOrders == .blocked || $0.seatChanges == .blocked }
        case .atRisk: return r.customers.contains { $0.newOrders == .blockedAtCutover || $0.seatChanges == .blockedAtCutover }
        case .invalid: return r.summary.count(.invalid) > 0
        case .rejected: return r.summary.rowsRejected > 0
        }
    }

    static func closingLine(_ r: AuditResult, folder: URL) -> String {
        let s = r.summary
        let statuses = CustomerStatus.allCases.map { "\(s.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        return """
            \(folder.path): as of \(r.asOf.iso) (\(r.phase.rawValue)): \(s.customers) customers (\(statuses)); \
            \(s.blockedNewOrders) blocked from new orders, \(s.blockedSeatChanges) from seat changes (\(s.seatsAffected) seats); \
            \(s.violations) violations; \(s.rowsRejected) rows rejected, \(s.warnings) warnings
            """
    }

    /// Today's date in the audit time zone.
    public static func today(in timeZone: TimeZone, now: Date = Date()) -> DayDate {
        let local = Int(now.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: now)
        return DayDate(daysSinceEpoch: local >= 0 ? local / 86_400 : -((-local + 86_399) / 86_400))
    }
}
