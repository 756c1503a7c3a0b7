import Foundation
import Logging
import MCAHistory
import MCAReport

/// `mca-audit history --prune --keep N` and `audit --history-keep N`: all but the N newest runs
/// leave the history, and what the kept runs report stays the same (docs/operations.md, "Run history").
public enum HistoryPruning {
    /// After a removal, `audit --history-keep` rewrites the file (VACUUM) only when at least this
    /// share of it is free: a nightly prune of one run frees about as much as the next night
    /// needs, and rewriting the whole file every night would cost a run more than its history.
    public static let compactionThreshold = 0.2

    /// What one prune did.
    public struct Outcome: Sendable {
        public var removed: [HistoryRun]
        public var bytesBefore: Int64
        public var bytesAfter: Int64
        public var compacted: Bool
    }

    /// Prunes `history` to its `keep` newest runs; compacts the file always (`compact: true`) or
    /// when enough of it is free.
    public static func prune(_ history: RunHistory, keep: Int, compact: Bool) throws -> Outcome {
        let before = fileSize(history.path)
        let removed = try history.prune(keep: keep)
        var compacted = false
        let worthIt = try !removed.isEmpty && history.freeFraction() >= compactionThreshold
        if compact || worthIt {
            try history.compact()
            compacted = true
        }
        return Outcome(removed: removed, bytesBefore: before, bytesAfter: fileSize(history.path), compacted: compacted)
    }

    /// `mca-audit history --prune --keep N`: takes the lock on `outDir` (exit 75 while a run holds
    /// it), settles what a killed run left, prunes and compacts. 0, 66 without a history file, 70
    /// when it cannot be read or written.
    public static func run(outDir: URL, historyPath: String?, keep: Int, logger: Logger, output: (String) -> Void) -> ExitStatus {
        let path = historyPath ?? outDir.appendingPathComponent(RunJournal.defaultFileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            logger.error("\(path): no run history here (an audit with --out \(outDir.path) creates it; --no-history keeps none)")
            return .noInput
        }
        do {
            let history = try RunHistory(path: path)
            var lock: RunLock?
            if FileManager.default.fileExists(atPath: outDir.path) {
                lock = try RunLock(outDir: outDir)
                // As an audit would first: a report a killed run had set aside goes back in place.
                ReportPublisher.removeLeftovers(outDir: outDir)
                for settled in try RunJournal.settle(history, outDir: outDir) { logger.notice("\(RunJournal.describe(settled))") }
            }
            defer { withExtendedLifetime(lock) {} }
            let done = try prune(history, keep: keep, compact: true)
            output(describe(done, path: path, keep: keep))
            return .ok
        } catch let error as HistoryError {
            logger.error("\(error.description)")
            return .internalError
        } catch let failure as AuditFailure {
            logger.error("\(failure.message)")
            return failure.status
        } catch {
            logger.error("internal error: \(error)")
            return .internalError
        }
    }

    /// One line: what was removed and the file's size before and after.
    public static func describe(_ done: Outcome, path: String, keep: Int) -> String {
        let runs = done.removed.isEmpty ? "no run removed"
            : "removed \(done.removed.count) \(done.removed.count == 1 ? "run" : "runs") as of "
                + "\(done.removed.first?.asOf.iso ?? "")…\(done.removed.last?.asOf.iso ?? "")"
        let size = String(format: "%.1f MB", Double(done.bytesAfter) / 1e6)
        let before = String(format: "%.1f MB", Double(done.bytesBefore) / 1e6)
        return "\(path): kept the \(keep) newest \(keep == 1 ? "run" : "runs"), \(runs); \(before) → \(size)"
            + (done.compacted ? "" : " (not compacted: little space free)")
    }

    /// The history file and its write-ahead log, in bytes.
    static func fileSize(_ path: String) -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
