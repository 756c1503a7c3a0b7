import MCAModel
import Foundation

/// Publishes a report folder atomically (README, "Reports"): readers of `DIR/<name>` and `DIR/latest` see the
/// previous complete report or the new complete one, never a partial or mixed one.
public enum ReportPublisher {
    /// The symlink that names the newest report.
    public static let latestName = "latest"

    /// Atomic publish of `outDir/name`.
    ///
    /// Makes a temporary folder `outDir/.tmp-<name>-<pid>-<random>` (0750), calls `fill` with it,
    /// fsyncs its files and itself, then renames it to `outDir/name`, then points `outDir/latest` at it
    /// by renaming a new symlink over it. Creates `outDir` (0750) if missing. An existing `outDir/name`
    /// is swapped with the new folder in one step where the system can (Linux `renameat2`), else
    /// renamed aside first; either way it ends as `outDir/.old-<name>-…` and is removed after the switch.
    /// If `fill` or any step before the final rename throws, the temporary folder is removed and
    /// `outDir/name` and `outDir/latest` are untouched.
    /// - Parameters:
    ///   - outDir: The reports folder (`--out`).
    ///   - name: One path component, e.g. the as-of date; not hidden, not `latest`.
    ///   - fill: Writes the report files into the folder it is given.
    /// - Returns: The URL of the published folder.
    public static func publish(outDir: URL, name: String, fill: (URL) throws -> Void) throws -> URL {
        try publish(outDir: outDir, name: name, exchange: SystemCall.exchange, fill: fill)
    }

    /// `publish`, with the atomic swap replaceable so tests can take the two-rename path too.
    static func publish(outDir: URL, name: String, exchange: (String, String) throws -> Bool,
                        fill: (URL) throws -> Void) throws -> URL {
        let dir = outDir.path
        guard !name.isEmpty, name != latestName, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else {
            throw ReportWriteError(path: dir + "/" + name, reason: "not a usable report folder name")
        }
        try makeOutDirectory(dir)
        let suffix = uniqueSuffix()
        let temp = dir + "/.tmp-\(name)-\(suffix)"
        let final = dir + "/" + name
        let latest = dir + "/" + latestName
        let tempLink = dir + "/.tmp-\(latestName)-\(suffix)"

        try SystemCall.makeDirectory(temp, mode: 0o750)
        do {
            try fill(URL(fileURLWithPath: temp, isDirectory: true))
            try syncTree(temp)
            if case .directory = SystemCall.kind(of: latest) {
                throw ReportWriteError(path: latest, reason: "is a folder, not a symlink; move it away")
            }
            try SystemCall.symlink(target: name, at: tempLink)
        } catch {
            removeQuietly(tempLink)
            removeQuietly(temp)
            throw error
        }

        // Where the replaced report ends up; removed once `latest` is switched.
        var previous: String?
        var switched = false
        if SystemCall.kind(of: final) != .missing {
            let old = dir + "/.old-\(name)-\(suffix)"
            do {
                if try exchange(temp, final) {
                    switched = true
                    // `final` holds the new report, `temp` the previous one: label it as what it is.
                    previous = (try? SystemCall.rename(temp, old)) != nil ? old : temp
                } else {
                    try SystemCall.rename(final, old)
                    previous = old
                }
            } catch {
                removeQuietly(tempLink)
                removeQuietly(temp)
                throw error
            }
        }
        if !switched {
            do {
                try SystemCall.rename(temp, final)
            } catch {
                // Put the previous report back; the run fails but the reports folder is as it was.
                if let previous { try? SystemCall.rename(previous, final) }
                removeQuietly(tempLink)
                removeQuietly(temp)
                throw error
            }
        }
        do {
            try SystemCall.rename(tempLink, latest)
        } catch {
            removeQuietly(tempLink)
            throw error
        }
        try? SystemCall.fsync(path: dir)
        // A failure here leaves only a leftover, which `removeLeftovers` clears on the next run.
        if let previous { removeQuietly(previous) }
        return URL(fileURLWithPath: final, isDirectory: true)
    }

    /// Removes `.tmp-*` and `.old-*` leftovers of killed runs from `outDir`. Call it only while
    /// holding the run lock, so no running publish owns them.
    ///
    /// A run killed between setting the previous `<name>` aside and renaming the new one into place
    /// leaves `.old-<name>-…` and no `<name>`: that folder is renamed back to `<name>` instead of removed,
    /// so the previous report survives.
    /// - Returns: The names removed, sorted.
    @discardableResult
    public static func removeLeftovers(outDir: URL) -> [String] {
        let dir = outDir.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".tmp-") || name.hasPrefix(".old-") {
            let path = dir + "/" + name
            if name.hasPrefix(".old-"), let original = originalName(ofAside: name),
               SystemCall.kind(of: dir + "/" + original) == .missing,
               (try? SystemCall.rename(path, dir + "/" + original)) != nil {
                continue
            }
            removeQuietly(path)
            if SystemCall.kind(of: path) == .missing { removed.append(name) }
        }
        return removed
    }

    /// `<name>` of `.old-<name>-<pid>-<random>`.
    private static func originalName(ofAside aside: String) -> String? {
        let parts = aside.dropFirst(".old-".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let name = parts.dropLast(2).joined(separator: "-")
        return name.isEmpty || name.hasPrefix(".") || name == latestName ? nil : name
    }

    private static func makeOutDirectory(_ dir: String) throws {
        switch SystemCall.kind(of: dir) {
        case .directory:
            return
        case .missing:
            let parent = (dir as NSString).deletingLastPathComponent
            if !parent.isEmpty, parent != dir, SystemCall.kind(of: parent) == .missing {
                try makeOutDirectory(parent)
            }
            do {
                try SystemCall.makeDirectory(dir, mode: 0o750)
            } catch let error as ReportWriteError where error.errorNumber == EEXIST {
                // Made meanwhile by someone else; fine if it is a folder.
                guard SystemCall.kind(of: dir) == .directory else { throw error }
            }
        case .symlink:
            // `--out` may be a symlink to a folder.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ReportWriteError(path: dir, reason: "is not a folder")
            }
        case .file, .other:
            throw ReportWriteError(path: dir, reason: "is not a folder")
        }
    }

    /// A report of more files than this (`--split-by reseller` writes five per reseller) is made
    /// durable with one `syncfs` rather than a fsync per file and folder: 10,000 resellers mean
    /// 60,000 fsyncs, each waiting for its own journal commit (docs/performance.md, "Split by
    /// reseller, and the rules redesign against the commit before it"; docs/security.md).
    static let filesSyncedOneByOne = 256

    /// Puts every file below `path`, and the folders themselves, on disk, so the rename publishes
    /// data that is there.
    private static func syncTree(_ path: String) throws {
        var files: [String] = [], folders: [String] = []
        try collectTree(path, files: &files, folders: &folders)
        if files.count + folders.count > filesSyncedOneByOne, try SystemCall.syncFileSystem(holding: path) { return }
        for file in files { try SystemCall.fsync(path: file) }
        for folder in folders { try SystemCall.fsync(path: folder) }
    }

    /// The files below `path`, and its folders deepest first, `path` last.
    private static func collectTree(_ path: String, files: inout [String], folders: inout [String]) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
            let child = path + "/" + name
            switch SystemCall.kind(of: child) {
            case .file: files.append(child)
            case .directory: try collectTree(child, files: &files, folders: &folders)
            default: continue
            }
        }
        folders.append(path)
    }

    private static func uniqueSuffix() -> String {
        "\(ProcessInfo.processInfo.processIdentifier)-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    private static func removeQuietly(_ path: String) {
        guard SystemCall.kind(of: path) != .missing else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
