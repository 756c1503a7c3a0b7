#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation
import MCAHistory
import MCAModel
import MCAReport

/// The run history as one run of `mca-audit` uses it: opened and settled under the lock on the
/// reports folder, so what the history says and what `DIR/latest` shows cannot disagree.
///
/// Order of one run (each step safe to be killed at):
/// 1. `open`: settle what a killed run left `pending` (finish its publish, or forget it);
/// 2. `RunHistory.begin`: record the run and its customers as `pending` (one transaction);
/// 3. write the report into the temporary folder, then `RunHistory.setManifest` with the
///    SHA-256 of its `manifest.json`;
/// 4. publish (rename into place, switch `latest`);
/// 5. `RunHistory.complete` (replacing a complete run of the same as-of date).
/// A run killed before 3 ends is forgotten by the next run; one killed after the rename of 4 is
/// completed by it (and `latest` pointed at its folder, should the kill have come before the switch).
public enum RunJournal {
    /// `DIR/history.sqlite`: the history of a reports folder unless `--history` names another file.
    public static let defaultFileName = "history.sqlite"

    /// How many runs report.json's `trend` holds (this run and the ones before it).
    public static let trendLength = 30

    /// The path a reports folder is recorded under: absolute, symbolic links resolved, so the same
    /// folder named two ways is one folder.
    public static func canonicalPath(_ outDir: URL) -> String {
        outDir.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Opens the history file and settles the pending runs of `outDir`. Call it holding `RunLock(outDir:)`.
    /// - Returns: The history and what was settled.
    public static func open(path: String, outDir: URL) throws -> (history: RunHistory, settled: [RecoveredRun]) {
        let history = try RunHistory(path: path)
        let settled = try settle(history, outDir: outDir)
        return (history, settled)
    }

    /// Settles the runs a killed process left pending in `outDir` (see `RunHistory.recover`).
    public static func settle(_ history: RunHistory, outDir: URL) throws -> [RecoveredRun] {
        let dir = canonicalPath(outDir)
        return try history.recover(outDir: dir) { run in
            guard let expected = run.manifestSHA256,
                  sha256(ofFile: dir + "/" + run.asOf.iso + "/manifest.json") == expected else { return false }
            // The killed run may have stopped between renaming its folder into place and switching `latest`.
            return (try? pointLatest(at: run.asOf.iso, in: dir)) != nil
        }
    }

    /// A line for the log about what `settle` did.
    public static func describe(_ settled: RecoveredRun) -> String {
        switch settled {
        case .completed(let run):
            return "the run as of \(run.asOf.iso) recorded at \(run.recordedAt) was killed after publishing its report; its history entry is now complete"
        case .discarded(let run):
            return "the run as of \(run.asOf.iso) recorded at \(run.recordedAt) was killed before publishing its report; its history entry was removed"
        }
    }

    /// SHA-256 (hex) of a file's bytes, `nil` when it cannot be read.
    public static func sha256(ofFile path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            // `nil` or empty: end of file.
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            return nil
        }
        return hasher.finalize().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// Points `dir/latest` at `name` (a new symlink renamed over the old one: atomic), unless it already does.
    static func pointLatest(at name: String, in dir: String) throws {
        let latest = dir + "/" + ReportPublisher.latestName
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: latest)) == name { return }
        let temp = dir + "/.tmp-\(ReportPublisher.latestName)-settle-\(getpid())"
        unlink(temp)
        guard symlink(name, temp) == 0 else { throw AuditFailure(.cannotWrite, "\(temp): \(String(cString: strerror(errno)))") }
        guard rename(temp, latest) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw AuditFailure(.cannotWrite, "\(latest): \(reason)")
        }
        syncDirectory(dir)
    }
}

/// `--keep N`: the report folders of a reports folder, and which of them to remove.
public enum ReportRetention {
    /// Removes all but the `keep` newest `YYYY-MM-DD` report folders of `outDir`, never the one
    /// `latest` points at. Each folder is first renamed to a hidden `.tmp-pruned-…` name (atomic), so
    /// a run killed while deleting leaves only a leftover that the next run removes, never a partial report.
    /// - Returns: The names removed, oldest first.
    @discardableResult
    public static func prune(outDir: URL, keep: Int) throws -> [String] {
        let dir = outDir.path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let reports = names.filter { name in
            guard DayDate(iso: name) != nil else { return false }
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        let latest = try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + ReportPublisher.latestName)
        let kept = Set(reports.suffix(max(keep, 0))).union(latest.map { [$0] } ?? [])
        var removed: [String] = []
        for name in reports where !kept.contains(name) {
            let aside = dir + "/.tmp-pruned-\(name)-\(getpid())"
            guard rename(dir + "/" + name, aside) == 0 else {
                throw AuditFailure(.cannotWrite, "\(dir)/\(name): cannot remove an old report: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(atPath: aside)
            removed.append(name)
        }
        return removed
    }
}

/// fsync of a folder, so a rename in it is on disk; best effort.
private func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}
