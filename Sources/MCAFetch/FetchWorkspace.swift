#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MCAReport

/// The folder an unfinished fetch writes into, `DIR/.fetch-<UTC time>`, and how it becomes
/// `DIR/<UTC time>` with `DIR/latest` pointing at it: by the same atomic publish as the audit's
/// reports (`ReportPublisher`), so readers see the previous complete fetch or the new one.
struct FetchWorkspace {
    static let prefix = ".fetch-"
    /// The files published, in the order the docs list them.
    static let publishedFiles = ExportKind.allCases.map(\.fileName) + ["fetch-failures.csv", "fetch-manifest.json"]

    let outDir: URL
    /// `<UTC time>`: the name of the published folder.
    let stamp: String

    var path: String { outDir.path + "/" + Self.prefix + stamp }
    func file(_ name: String) -> String { path + "/" + name }
    var journalPath: String { file("journal.jsonl") }
    var startPath: String { file("started.json") }
    var idsPath: String { file("customer-ids.txt") }
    var stagingPath: String { file("staging") }
    var spoolPath: String { file("spool") }

    /// A time stamp for a new fetch's folder: `2026-12-05T07-35-12Z` (no colons, sorts by time).
    static func stamp(for date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d-%02d-%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The unfinished fetches in `outDir`, oldest first.
    static func unfinished(in outDir: URL) -> [FetchWorkspace] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outDir.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.sorted()
            .map { FetchWorkspace(outDir: outDir, stamp: String($0.dropFirst(prefix.count))) }
    }

    func create() throws {
        try FileOutput.makeFolder(path)
        try FileOutput.makeFolder(stagingPath)
        try FileOutput.makeFolder(spoolPath)
    }

    /// Empties the folders of per-customer files that a killed run may have left.
    func clearScratch() throws {
        for folder in [stagingPath, spoolPath] {
            try? FileManager.default.removeItem(atPath: folder)
            try FileOutput.makeFolder(folder)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Publishes the finished exports as `DIR/<stamp>` and points `DIR/latest` at it; the work folder
    /// is removed afterwards. The files are hard-linked into the publisher's folder, so a run killed
    /// while publishing still has its complete work folder to publish again with `--resume`.
    func publish() throws -> URL {
        let published: URL
        do {
            published = try ReportPublisher.publish(outDir: outDir, name: stamp) { dir in
                for name in Self.publishedFiles {
                    guard link(file(name), dir.path + "/" + name) == 0 else {
                        throw FetchFailure(.cannotWrite, "\(dir.path)/\(name): cannot link: \(String(cString: strerror(errno)))")
                    }
                }
            }
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw FetchFailure(.cannotWrite, "cannot publish the fetch into \(outDir.path): \(error)")
        }
        remove()
        return published
    }
}
