import Foundation
import MCAEvaluate
import MCAModel
import MCAStorage
import MCAReport
import MCATestSupport
import Testing

/// Reports read the violations and findings back from their spool files; a spool file that cannot
/// be read back whole makes the report fail rather than lack rows.
@Suite struct SpooledReportTests {
    /// The violations written out one per chunk into `folder`, read back in the order they came.
    private func spooled(_ violations: [Violation], in folder: URL) throws -> Spooled<Violation> {
        var w = SpoolWriter<Violation>(settings: SpoolSettings(directory: folder.path, budget: 1))
        for v in violations { w.append(v) }
        #expect(w.hasSpilled)
        return try w.sealed()
    }

    /// The descriptors of this process's unlinked spool files in `folder`.
    private func spoolDescriptors(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? ""
            return target.hasPrefix(folder.path + "/.tmp-spool-") && target.hasSuffix(" (deleted)")
        }
    }

    @Test func spooledRowsMakeTheSameReportAsRowsInMemory() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var inMemory = SampleAudit.result()
        var spilled = inMemory
        spilled.violations = try spooled(Array(inMemory.violations), in: folder.url)
        var findings = SpoolWriter<Finding>(settings: SpoolSettings(directory: folder.url.path, budget: 1))
        for f in inMemory.dataQuality { findings.append(f) }
        spilled.dataQuality = try findings.sealed()
        inMemory.violations = Spooled(Array(inMemory.violations))
        let a = folder.url.appendingPathComponent("a"), b = folder.url.appendingPathComponent("b")
        for dir in [a, b] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        let names = try ReportWriter.write(inMemory, options: SampleAudit.options, into: a)
        #expect(try ReportWriter.write(spilled, options: SampleAudit.options, into: b) == names)
        for name in names {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)), "\(name)")
        }
        #expect(!Array(spilled.violations).isEmpty)
    }

    @Test func aSpoolFileCutShortFailsTheReport() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var result = SampleAudit.result()
        let violations = try spooled(Array(result.violations) + Array(result.violations), in: folder.url)
        result.violations = violations
        let descriptors = try spoolDescriptors(in: folder.url)
        #expect(descriptors.count == 1)
        // Cut the file short through its descriptor, as a failing disk would leave it.
        for fd in descriptors {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "/proc/self/fd/" + fd))
            try handle.truncate(atOffset: 10)
            try handle.close()
        }
        let out = folder.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        #expect(throws: ReportWriteError.self) { try ReportWriter.write(result, options: SampleAudit.options, into: out) }
        #expect(violations.failure?.contains("ended early") == true || violations.failure?.contains("runs past") == true,
                "\(violations.failure ?? "no failure")")
    }
}
