#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import MCAEvaluate
import MCAHistory
import MCAIngest
import MCAModel
import MCAStorage
import MCAReport

/// One audit run, end to end: check inputs, take the lock, settle the run history, ingest,
/// evaluate, compare with the previous run, publish the report atomically, record the run, and
/// decide the exit status (README, "Usage").
public struct AuditRunner {
    public let configuration: AuditConfiguration
    /// Where diagnostics and progress go (stderr in the executable, through `StderrLogHandler`).
    private let logger: Logger
    /// Where the closing summary goes (stdout in the executable).
    private let output: (String) -> Void

    public init(configuration: AuditConfiguration, logger: Logger, output: @escaping (String) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.output = output
    }

    /// A runner whose log lines, in the text format, go to `diagnostics`.
    public init(configuration: AuditConfiguration, diagnostics: @escaping @Sendable (String) -> Void,
                output: @escaping (String) -> Void) {
        self.init(configuration: configuration, logger: StderrLogHandler.logger(format: .text, sink: diagnostics), output: output)
    }

    /// Runs the audit and returns the exit status; never throws.
    public func run() -> ExitStatus {
        do {
            return try runThrowing()
        } catch let failure as AuditFailure {
            logger.error("\(failure.message)", metadata: ["exitCode": "\(failure.status.rawValue)"])
            return failure.status
        } catch {
            logger.critical("internal error: \(error)", metadata: ["exitCode": "\(ExitStatus.internalError.rawValue)"])
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
        do { dates = try DateParser(timeZone: config.timeZone, patterns: config.dateFormats) } catch {
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
            logger.notice("removed what an interrupted run left: \(leftovers.joined(separator: ", "))")
        }
        // After the leftovers (a report a killed run had set aside is back in place), before anything reads it.
        let history = try openHistory()

        // Violations and findings beyond what memory keeps go to unnamed files in the report folder.
        let budget = AuditRunner.spoolBudget()
        if let ignored = budget.ignored, config.verbosity != .quiet {
            logger.warning("MCA_AUDIT_SPOOL_BUDGET=\(ignored) is not a positive number of bytes; \(budget.bytes) bytes are kept in memory")
        }
        let spool = SpoolSettings(directory: config.outDir.path, budget: budget.bytes)
        let seatsSource: SeatsSource = config.inputs.contains { $0.kind == .subscriptions } ? .subscriptions : .orderLines
        let evaluator = Evaluator(policy: config.policy, asOf: asOf, runDate: runDate, seatsSource: seatsSource, spool: spool)
        var ingestion = Ingestion(mapper: RowMapper(dates: dates), delimiter: config.delimiter, evaluator: evaluator, spool: spool)
        if config.showProgress, config.verbosity != .quiet {
            ingestion.onFileDone = { s in
                logger.info("read \(s.kind.rawValue) \(s.path): \(s.rowsRead) rows, \(s.rowsAccepted) accepted, \(s.rowsRejected) rejected")
            }
        }
        var clock = PhaseClock()
        try ingestion.readAll(config.inputs)
        var notFetched: Int?
        if let failures = config.fetchFailures {
            notFetched = 0
            for finding in try FetchedExports.notFetched(failuresFile: failures) {
                ingestion.findings.append(finding)
                notFetched? += 1
            }
        }
        let findings: Spooled<Finding>
        do { findings = try ingestion.findings.sealed() } catch {
            throw AuditFailure(.cannotWrite, "\(error); no report written, the previous report is untouched")
        }
        reportFindings(findings)
        // With --verbose and millions of findings, writing them to stderr takes a while: it is
        // part of the reading, not of the outcomes.
        clock.mark("read")

        let rejected = ingestion.inputs.reduce(0) { $0 + $1.rowsRejected }
        if config.strict, rejected > 0 {
            throw AuditFailure(.dataError, "--strict: \(rejected) rows were rejected; no report written")
        }

        let (customers, violations, counts): (CustomerOutcomes, Spooled<Violation>, Summary)
        do { (customers, violations, counts) = try evaluator.finish() } catch {
            throw AuditFailure(.cannotWrite, "\(error); no report written, the previous report is untouched")
        }
        clock.mark("outcomes")
        var summary = counts
        summary.rowsRejected = rejected
        summary.warnings = ingestion.inputs.reduce(0) { $0 + $1.warnings }
        summary.notFetched = notFetched
        let notices = AuditRunner.notices(seatsSource: seatsSource, orderLinesHaveBillingType: evaluator.orderLinesHaveBillingType,
                                          dateHints: ingestion.dateHints)
        reportNotices(notices)
        var result = AuditResult(asOf: asOf, runDate: runDate, timeZone: config.timeZone.identifier == "GMT" ? "UTC" : config.timeZone.identifier,
                                 phase: evaluator.phase, policy: config.policy, summary: summary,
                                 customers: customers, violations: violations, dataQuality: findings,
                                 inputs: ingestion.inputs, seatsSource: seatsSource, notices: notices,
                                 resellers: evaluator.resellers)
        let met = FailCondition.allCases.filter { config.failOn.contains($0) && AuditRunner.holds($0, in: result) }
        let status: ExitStatus = met.isEmpty ? .ok : .conditionMet

        var pending: HistoryRun?
        let folder: URL
        do {
            folder = try ReportPublisher.publish(outDir: config.outDir, name: asOf.iso) { dir in
                guard let history else {
                    _ = try ReportWriter.write(result, options: config.report, into: dir)
                    return
                }
                // One history transaction around the report's writing: recorded (pending, with the
                // manifest's SHA-256 by which a killed run's report is recognised) before the folder
                // is renamed into place, or not at all.
                pending = try history.recordPending(result, outDir: RunJournal.canonicalPath(config.outDir),
                                                    exitCode: status.rawValue, trendLimit: RunJournal.trendLength) { changes, trend in
                    result.changes = changes
                    result.trend = trend
                    _ = try ReportWriter.write(result, options: config.report, into: dir)
                    guard let sha = RunJournal.sha256(ofFile: dir.appendingPathComponent("manifest.json").path) else {
                        throw AuditFailure(.cannotWrite, "\(dir.path)/manifest.json: cannot read it back")
                    }
                    return sha
                }
                stopForCrashTest(at: "after-commit")
            }
        } catch {
            // The publish failed after the history transaction committed (a rename): forget the run.
            if let history, let run = pending { try? history.discard(run) }
            let reason = (error as? AuditFailure)?.message ?? (error as? HistoryError)?.description ?? "\(error)"
            throw AuditFailure(.cannotWrite, "cannot write the report into \(config.outDir.path): \(reason); the previous report is untouched")
        }
        clock.mark("reports")
        stopForCrashTest(at: "after-publish")
        if let history, var run = pending {
            do {
                try history.complete(&run)
            } catch {
                // The report is out; the next run (or `mca-audit history`) completes the entry from it.
                logger.warning("\(error): the run stays pending in the history until the next run settles it")
            }
        }
        if let history, let keep = config.historyKeep {
            do {
                let done = try HistoryPruning.prune(history, keep: keep, compact: false)
                if !done.removed.isEmpty, config.verbosity == .verbose {
                    logger.info("--history-keep \(keep): \(HistoryPruning.describe(done, path: history.path, keep: keep))")
                }
            } catch {
                // The run and its report are recorded; the next run prunes again.
                logger.warning("--history-keep \(keep): \((error as? HistoryError)?.description ?? "\(error)")")
            }
        }
        if let keep = config.keep {
            do {
                let removed = try ReportRetention.prune(outDir: config.outDir, keep: keep)
                if !removed.isEmpty, config.verbosity == .verbose {
                    logger.info("--keep \(keep): removed \(removed.joined(separator: ", "))")
                }
            } catch {
                logger.warning("--keep \(keep): \((error as? AuditFailure)?.message ?? "\(error)")")
            }
        }

        if config.verbosity == .verbose { logger.info("\(clock.summary)") }
        if config.verbosity != .quiet {
            output(AuditRunner.closingLine(result, folder: folder))
            if !met.isEmpty { output("fail-on: \(met.map(\.rawValue).joined(separator: ", "))") }
        }
        return status
    }

    /// Bytes of violations and of findings each kept in memory before the rest goes to a file:
    /// `MCA_AUDIT_SPOOL_BUDGET` (a positive number of bytes), else `SpoolSettings.defaultBudget`;
    /// `ignored` is a value set but not usable, for a warning.
    static func spoolBudget(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> (bytes: Int, ignored: String?) {
        guard let text = environment["MCA_AUDIT_SPOOL_BUDGET"] else { return (SpoolSettings.defaultBudget, nil) }
        guard let bytes = Int(text), bytes > 0 else { return (SpoolSettings.defaultBudget, text) }
        return (bytes, nil)
    }

    /// For the crash tests only: with `MCA_AUDIT_CRASH_TEST_STOP=<point>` in the environment, the run
    /// stops itself (SIGSTOP) at that point so a test can SIGKILL it exactly there. The two points
    /// are the only moments a run is pending in the history: after its transaction committed
    /// (report not yet renamed into place) and after the publish (run not yet marked complete).
    private func stopForCrashTest(at point: String) {
        guard ProcessInfo.processInfo.environment["MCA_AUDIT_CRASH_TEST_STOP"] == point else { return }
        raise(SIGSTOP)
    }

    /// Opens the history and settles what a killed run left pending; `nil` with `--no-history`.
    private func openHistory() throws -> RunHistory? {
        guard let path = configuration.historyPath else { return nil }
        do {
            let (history, settled) = try RunJournal.open(path: path, outDir: configuration.outDir)
            for entry in settled where configuration.verbosity != .quiet { logger.notice("\(RunJournal.describe(entry))") }
            return history
        } catch let error as HistoryError {
            throw AuditFailure(.cannotWrite, "cannot write the report into \(configuration.outDir.path): \(error.description) (--no-history runs without it); the previous report is untouched")
        }
    }

    /// Findings go to stderr as `file:line: severity: message`; without --verbose, only the first few.
    private func reportFindings(_ findings: Spooled<Finding>) {
        guard configuration.verbosity != .quiet else { return }
        let limit = configuration.verbosity == .verbose ? Int.max : 20
        for f in findings.prefix(limit) {
            let metadata: Logger.Metadata = ["file": "\(f.file)", "line": "\(f.line)", "severity": "\(f.severity.rawValue)",
                                             "code": "\(f.code.rawValue)"]
            if f.severity == .warning {
                logger.warning("\(f.message)", metadata: metadata)
            } else {
                logger.error("\(f.message)", metadata: metadata)
            }
        }
        if findings.count > limit {
            logger.notice("\(findings.count - limit) more findings are listed in data-quality.csv")
        }
    }

    /// The run's notices (README, "Notices"): where seats come from, and each date layout hint.
    static func notices(seatsSource: SeatsSource, orderLinesHaveBillingType: Bool, dateHints: [String]) -> [Notice] {
        var notices: [Notice] = []
        if seatsSource == .orderLines {
            notices.append(Notice(.seatsFromOrderLines,
                                  "no subscriptions export: each subscription's seats are the quantity of its latest license-based "
                                  + "order line, an approximation (a charge's quantity need not be the subscription's size); "
                                  + "give --subscriptions for the seats as they stand"))
            if !orderLinesHaveBillingType {
                notices.append(Notice(.noBillingType,
                                      "no accepted order line says whether it is license- or usage-based (the Partner Center "
                                      + "Order resource carries no billing type), so no seat-based subscription can be found "
                                      + "and seat changes read NONE; give --subscriptions"))
            }
        }
        notices += dateHints.map { Notice(.dateLayoutHint, $0) }
        return notices
    }

    private func reportNotices(_ notices: [Notice]) {
        guard configuration.verbosity != .quiet else { return }
        for notice in notices { logger.notice("\(notice.message)", metadata: ["code": "\(notice.code.rawValue)"]) }
    }

    static func holds(_ condition: FailCondition, in r: AuditResult) -> Bool {
        switch condition {
        case .violations: return r.summary.violations > 0
        case .blocked: return r.customers.indices.contains { r.customers.brief($0).isBlocked(at: .blocked) }
        case .atRisk: return r.customers.indices.contains { r.customers.brief($0).isBlocked(at: .blockedAtCutover) }
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
