import Foundation
import MCAEvaluate
import MCAModel
import Testing
@testable import MCAReport

@Suite struct ReportPublisherTests {
    private struct FillFailed: Error {}

    private func entries(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    private func latestTarget(_ outDir: URL) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: outDir.appendingPathComponent("latest").path)
    }

    private func write(_ text: String, _ name: String, in folder: URL) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    private func read(_ outDir: URL, _ path: String) throws -> String {
        try String(decoding: Data(contentsOf: outDir.appendingPathComponent(path)), as: UTF8.self)
    }

    private func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func publishWritesTheReportsAndPointsLatestAtThem() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url.appendingPathComponent("Reports/nightly")
        var filled: URL?
        let final = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { folder in
            filled = folder
            #expect(folder.lastPathComponent.hasPrefix(".tmp-2018-11-07-\(ProcessInfo.processInfo.processIdentifier)-"))
            #expect(folder.deletingLastPathComponent().path == outDir.path)
            _ = try ReportWriter.write(SampleAudit.result(), options: SampleAudit.options, into: folder)
        }
        #expect(final.path == outDir.appendingPathComponent("2018-11-07").path)
        #expect(filled.map { FileManager.default.fileExists(atPath: $0.path) } == false)
        #expect(try entries(outDir) == ["2018-11-07", "latest"])
        #expect(try latestTarget(outDir) == "2018-11-07")
        #expect(try read(outDir, "latest/summary.md").hasPrefix("# MCA confirmation audit as of 2018-11-07"))
        #expect(try mode(outDir) == 0o750)
        #expect(try mode(final) == 0o750)
        for name in try entries(final) {
            #expect(try mode(final.appendingPathComponent(name)) == 0o640, "\(name)")
        }
        #expect(try entries(final).count == 11)
    }

    /// In a child process, because the umask is global to the process and other tests run alongside.
    @Test func foldersAre0750WhateverTheUmask() async {
        await #expect(processExitsWith: .success) {
            for mask: mode_t in [0o077, 0o000] {
                umask(mask)
                let temp = try TempFolder()
                defer { temp.cleanUp() }
                let outDir = temp.url.appendingPathComponent("out")
                let final = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { folder in
                    _ = try ReportWriter.write(SampleAudit.result(), options: SampleAudit.options, into: folder)
                }
                for url in [outDir, final] {
                    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
                    guard (attributes[.posixPermissions] as? NSNumber)?.intValue == 0o750 else { exit(2) }
                }
                for name in try FileManager.default.contentsOfDirectory(atPath: final.path)
                where try temp.mode("out/2018-11-07/" + name) != 0o640 {
                    exit(3)
                }
            }
        }
    }

    @Test func aFailingFillLeavesThePreviousReportAndLatestUntouched() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { try write("first", "a.txt", in: $0) }

        #expect(throws: FillFailed.self) {
            _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { folder in
                try write("second", "b.txt", in: folder)
                throw FillFailed()
            }
        }
        #expect(throws: FillFailed.self) {
            _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-08") { folder in
                try write("third", "c.txt", in: folder)
                throw FillFailed()
            }
        }
        #expect(try entries(outDir) == ["2018-11-07", "latest"])
        #expect(try entries(outDir.appendingPathComponent("2018-11-07")) == ["a.txt"])
        #expect(try read(outDir, "latest/a.txt") == "first")
        #expect(try latestTarget(outDir) == "2018-11-07")
    }

    /// Both ways of replacing a folder: the one-step swap (Linux) and the two renames elsewhere.
    @Test(arguments: [true, false])
    func publishingTheSameNameAgainReplacesIt(swap: Bool) throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url
        let exchange: (String, String) throws -> Bool = { a, b in swap ? try SystemCall.exchange(a, b) : false }
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07", exchange: exchange) { try write("first", "a.txt", in: $0) }
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07", exchange: exchange) { try write("second", "b.txt", in: $0) }
        #expect(try entries(outDir) == ["2018-11-07", "latest"])
        #expect(try entries(outDir.appendingPathComponent("2018-11-07")) == ["b.txt"])
        #expect(try read(outDir, "latest/b.txt") == "second")
    }

    @Test func theSwapExchangesTwoFoldersInOneStep() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let fm = FileManager.default
        let a = temp.url.appendingPathComponent("a"), b = temp.url.appendingPathComponent("b")
        try fm.createDirectory(at: a, withIntermediateDirectories: false)
        try fm.createDirectory(at: b, withIntermediateDirectories: false)
        try write("in a", "a/x.txt", in: temp.url)
        try write("in b", "b/x.txt", in: temp.url)
        #if os(Linux)
        #expect(try SystemCall.exchange(a.path, b.path))
        #expect(try read(temp.url, "a/x.txt") == "in b")
        #expect(try read(temp.url, "b/x.txt") == "in a")
        #else
        #expect(try !SystemCall.exchange(a.path, b.path))
        #endif
        #expect(throws: ReportWriteError.self) { try SystemCall.exchange(a.path, temp.url.appendingPathComponent("missing").path) }
    }

    @Test func aNewerReportMovesLatestAndKeepsTheOlderOne() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { try write("7", "a.txt", in: $0) }
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-08") { try write("8", "a.txt", in: $0) }
        #expect(try entries(outDir) == ["2018-11-07", "2018-11-08", "latest"])
        #expect(try latestTarget(outDir) == "2018-11-08")
        #expect(try read(outDir, "latest/a.txt") == "8")
        #expect(try read(outDir, "2018-11-07/a.txt") == "7")
    }

    @Test(arguments: ["", "latest", ".hidden", "a/b", "..", "."])
    func unusableNamesAreRefusedBeforeAnythingIsWritten(name: String) throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        var called = false
        #expect(throws: ReportWriteError.self) {
            _ = try ReportPublisher.publish(outDir: temp.url, name: name) { _ in called = true }
        }
        #expect(!called)
        #expect(try entries(temp.url) == [])
    }

    @Test func aFolderNamedLatestIsNotReplaced() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        try FileManager.default.createDirectory(at: temp.url.appendingPathComponent("latest"), withIntermediateDirectories: false)
        let error = try #require(throws: ReportWriteError.self) {
            _ = try ReportPublisher.publish(outDir: temp.url, name: "2018-11-07") { try write("x", "a.txt", in: $0) }
        }
        #expect(error.path.hasSuffix("/latest"))
        #expect(try entries(temp.url) == ["latest"])
    }

    @Test func anOutDirThatIsAFileIsAnError() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let file = temp.url.appendingPathComponent("Reports")
        try write("not a folder", "Reports", in: temp.url)
        #expect(throws: ReportWriteError.self) {
            _ = try ReportPublisher.publish(outDir: file, name: "2018-11-07") { _ in }
        }
    }

    @Test func removeLeftoversClearsTempAndOldEntriesOnly() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { try write("keep", "a.txt", in: $0) }
        let fm = FileManager.default
        try fm.createDirectory(at: outDir.appendingPathComponent(".tmp-x/inner"), withIntermediateDirectories: true)
        try write("partial", ".tmp-x/inner/report.json", in: outDir)
        try fm.createDirectory(at: outDir.appendingPathComponent(".old-2018-11-07-123-abc"), withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: outDir.appendingPathComponent(".tmp-latest-123-abc").path, withDestinationPath: "2018-11-07")
        try write("lock", ".lock", in: outDir)

        let removed = ReportPublisher.removeLeftovers(outDir: outDir)
        #expect(removed == [".old-2018-11-07-123-abc", ".tmp-latest-123-abc", ".tmp-x"])
        #expect(try entries(outDir) == [".lock", "2018-11-07", "latest"])
        #expect(try read(outDir, "latest/a.txt") == "keep")
        #expect(ReportPublisher.removeLeftovers(outDir: outDir) == [])
        #expect(ReportPublisher.removeLeftovers(outDir: outDir.appendingPathComponent("missing")) == [])
    }

    @Test func aRunKilledMidSwitchGetsThePreviousReportBack() throws {
        let temp = try TempFolder()
        defer { temp.cleanUp() }
        let outDir = temp.url
        _ = try ReportPublisher.publish(outDir: outDir, name: "2018-11-07") { try write("previous", "a.txt", in: $0) }
        // What a run killed between its two renames leaves behind.
        let fm = FileManager.default
        try fm.moveItem(at: outDir.appendingPathComponent("2018-11-07"),
                        to: outDir.appendingPathComponent(".old-2018-11-07-4242-9f3a"))
        try fm.createDirectory(at: outDir.appendingPathComponent(".tmp-2018-11-07-4242-9f3a"), withIntermediateDirectories: false)
        try write("new", ".tmp-2018-11-07-4242-9f3a/a.txt", in: outDir)

        #expect(ReportPublisher.removeLeftovers(outDir: outDir) == [".tmp-2018-11-07-4242-9f3a"])
        #expect(try entries(outDir) == ["2018-11-07", "latest"])
        #expect(try read(outDir, "latest/a.txt") == "previous")
    }
}
